package main

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rest2mcp/rest2mcp/gateway"
)

func TestMetricsFlags(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantMetrics bool
		wantListen  string
		wantOnMain  bool
	}{
		{"off by default", nil, false, "", false},
		{"--metrics on a loopback listener", []string{"--metrics"}, true, "", true},
		{"--metrics-listen implies --metrics", []string{"--metrics-listen", "127.0.0.1:9090"}, true, "127.0.0.1:9090", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var f serveFlags
			f.register(fs)
			if err := fs.Parse(append([]string{"--spec", "petstore.yaml", "--name", "petstore"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			cfg, err := f.buildConfig(t.Context(), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Metrics != tc.wantMetrics || cfg.MetricsListen != tc.wantListen || cfg.MetricsOnMainListener() != tc.wantOnMain {
				t.Errorf("metrics %v, metricsListen %q, on main listener %v; want %v, %q, %v",
					cfg.Metrics, cfg.MetricsListen, cfg.MetricsOnMainListener(), tc.wantMetrics, tc.wantListen, tc.wantOnMain)
			}
		})
	}
}

// TestServeSpecURLLoadsOnce checks that serve --spec URL without --name
// fetches the spec once (to name the API and to serve it) and through the
// SSRF-guarded client.
func TestServeSpecURLLoadsOnce(t *testing.T) {
	spec, err := os.ReadFile("../../examples/petstore/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(spec)
	}))
	defer srv.Close()
	env := func(string) (string, bool) { return "", false }
	f := serveFlags{spec: srv.URL + "/openapi.yaml", upstream: "http://127.0.0.1:1/v1", cacheDir: "off"}
	cfg, docs, err := f.loadConfig(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	name := cfg.APIs[0].Name
	if docs[name] == nil {
		t.Fatalf("no preloaded document for api %q: %v", name, docs)
	}
	g, err := gateway.New(t.Context(), gateway.Options{Config: cfg, Documents: docs, LookupEnv: env})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := g.API(name); len(a.Tools()) != 4 {
		t.Fatalf("%d tools, want 4", len(a.Tools()))
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("the spec was fetched %d times, want once", n)
	}

	t.Run("SSRF guard", func(t *testing.T) {
		f := serveFlags{spec: "http://169.254.169.254/latest/openapi.yaml", cacheDir: "off"}
		_, err := f.buildConfig(t.Context(), env)
		if err == nil || !strings.Contains(err.Error(), "169.254.169.254") {
			t.Fatalf("err = %v, want a refusal of the link-local address", err)
		}
	})
}

// An unprotected API split into toolsets is warned about once, not once
// per toolset endpoint.
func TestLogServingWarnsOncePerAPI(t *testing.T) {
	env := func(string) (string, bool) { return "", false }
	f := serveFlags{spec: petstore, name: "pets", upstream: "http://127.0.0.1:1/v1", cacheDir: "off", toolsets: "auto"}
	cfg, docs, err := f.loadConfig(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(t.Context(), gateway.Options{Config: cfg, Documents: docs, LookupEnv: env})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.APIs()); n < 2 {
		t.Fatalf("%d endpoints, want the API and its toolsets", n)
	}
	var b bytes.Buffer
	logServing(slog.New(slog.NewTextHandler(&b, nil)), cfg, g.APIs())
	if n := strings.Count(b.String(), "WITHOUT authorization"); n != 1 {
		t.Errorf("%d warnings about authorization, want 1:\n%s", n, b.String())
	}
}
