package gateway

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/store/sqlite"
	"github.com/rest2mcp/rest2mcp/web"
)

// sharedSpecs are real specs of ../shared/specs (when present) that load
// without external references, with a few MB in total.
var sharedSpecs = []string{
	"oai-v3.0-petstore.yaml", "oai-v3.0-uspto.yaml", "nytimes-article-search.json", "apisguru-drive-v3.yaml",
	"apisguru-docker-engine.yaml", "swagger-petstore-v3.0.yaml", "msgraph-v1.0-mail.yml", "spotify-fixed.yml",
	"apisguru-meshery.yaml", "apisguru-xero-accounting.yaml",
}

func sharedSpec(b testing.TB, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "specs", name))
	if err != nil {
		b.Skipf("shared spec %s: %v", name, err)
	}
	return data
}

func benchConfig(b testing.TB) *config.Config {
	cfg := &config.Config{Listen: "127.0.0.1:0", PublicURL: "http://127.0.0.1:8080", CacheDir: "off"}
	cfg.ApplyDefaults()
	return cfg
}

// BenchmarkRegistryStart measures a gateway start with 50 stored APIs
// (ten real specs, five times each): from their stored compiled forms,
// against the baseline of loading every spec again.
//
//	go test ./gateway -run '^$' -bench RegistryStart -benchtime 3x
func BenchmarkRegistryStart(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "r.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	g, err := New(ctx, Options{Config: benchConfig(b), Registry: &RegistryOptions{Store: st}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 50 {
		spec := sharedSpecs[i%len(sharedSpecs)]
		up := webUpload(fmt.Sprintf("api-%02d", i), "https://upstream.example", sharedSpec(b, spec))
		if _, err := g.reg.Upload(ctx, up); err != nil {
			b.Fatalf("upload %s: %v", spec, err)
		}
	}
	g.stopFeed()
	for _, mode := range []string{"compiled", "specs"} {
		path := filepath.Join(dir, "r.db")
		if mode == "specs" {
			// The same registry without compiled forms.
			path = filepath.Join(dir, "specs.db")
			s2, err := sqlite.Open(ctx, path, nil)
			if err != nil {
				b.Fatal(err)
			}
			heads, _ := st.List(ctx)
			for _, h := range heads {
				rec, _ := st.Get(ctx, h.Name)
				rec.Compiled = nil
				if _, err := s2.Create(ctx, rec); err != nil {
					b.Fatal(err)
				}
			}
			s2.Close()
		}
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				s, err := sqlite.Open(ctx, path, nil)
				if err != nil {
					b.Fatal(err)
				}
				g, err := New(ctx, Options{Config: benchConfig(b), Registry: &RegistryOptions{Store: s}})
				if err != nil {
					b.Fatal(err)
				}
				if n := len(g.reg.served); n != 50 {
					b.Fatalf("%d APIs served, want 50", n)
				}
				g.stopFeed()
				s.Close()
			}
		})
	}
}

// BenchmarkUploadLargest measures upload-to-served for the largest spec of
// ../shared/specs (Cloudflare's, 4.2 MB): POST /admin/api/apis until the
// 201 answer, after which tools/list serves the new tools. The baseline
// "load" is loading the same bytes with the loader alone (no cache).
//
//	go test ./gateway -run '^$' -bench UploadLargest -benchtime 3x
func BenchmarkUploadLargest(b *testing.B) {
	spec := sharedSpec(b, "cloudflare-api.json")
	ctx := context.Background()
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := LoadSpec(ctx, openapi.Source{Data: spec, Name: "cloudflare-api.json"}, BuildOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("upload", func(b *testing.B) {
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "r.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		g, err := New(ctx, Options{Config: benchConfig(b), Registry: &RegistryOptions{Store: st}})
		if err != nil {
			b.Fatal(err)
		}
		defer g.stopFeed()
		srv := httptest.NewServer(g.Handler())
		defer srv.Close()
		i := 0
		for b.Loop() {
			i++
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("name", fmt.Sprintf("cf-%d", i))
			mw.WriteField("upstream", "https://api.cloudflare.com/client/v4")
			fw, _ := mw.CreateFormFile("spec", "cloudflare-api.json")
			fw.Write(spec)
			mw.Close()
			resp, err := http.Post(srv.URL+"/admin/api/apis", mw.FormDataContentType(), &body)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("upload: %d", resp.StatusCode)
			}
		}
		b.StopTimer()
		list, _ := st.List(ctx)
		b.ReportMetric(float64(list[0].Tools), "tools")
	})
}

func webUpload(name, upstream string, spec []byte) web.UploadRequest {
	return web.UploadRequest{Name: name, Upstream: upstream, FileName: name + ".yaml", Spec: spec}
}
