package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/examples"
)

func TestResolveStore(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"no arguments: the user data directory", nil, map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/rest2mcp/registry.db", ""},
		{"XDG_DATA_HOME", nil, map[string]string{"HOME": "/home/u", "XDG_DATA_HOME": "/data"}, "/data/rest2mcp/registry.db", ""},
		{"--data-dir", []string{"--data-dir", "/srv/r"}, nil, "/srv/r/registry.db", ""},
		{"--store postgres", []string{"--store", "postgres://db/reg"}, nil, "postgres://db/reg", ""},
		{"REST2MCP_STORE", nil, map[string]string{"REST2MCP_STORE": "postgres://env/reg"}, "postgres://env/reg", ""},
		{"flag beats env", []string{"--data-dir", "/srv/r"}, map[string]string{"REST2MCP_STORE": "postgres://env/reg"}, "/srv/r/registry.db", ""},
		{"a spec alone has no registry", []string{"--spec", "petstore.yaml", "--name", "p"}, map[string]string{"HOME": "/home/u"}, "", ""},
		{"a spec with a store", []string{"--spec", "petstore.yaml", "--name", "p", "--data-dir", "/d"}, nil, "/d/registry.db", ""},
		{"both", []string{"--data-dir", "/a", "--store", "postgres://b"}, nil, "", "not both"},
		{"no home", nil, nil, "", "--data-dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var f serveFlags
			f.register(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := f.buildConfig(t.Context(), env(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Store != tc.want {
				t.Errorf("store = %q, want %q", cfg.Store, tc.want)
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("the configuration does not validate: %v", err)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	if got := redactDSN("postgres://u:secret@db:5432/r"); got != "postgres://…@db:5432/r" {
		t.Errorf("redactDSN = %q", got)
	}
}

// TestServeDataDir: "serve --data-dir" starts with an empty registry, an
// upload is served, and a restart serves it again.
func TestServeDataDir(t *testing.T) {
	dir := t.TempDir()
	run := func(check func(base string)) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		var f serveFlags
		f.register(fs)
		if err := fs.Parse([]string{"--data-dir", dir, "--listen", "127.0.0.1:0", "--cache-dir", "off", "--log-level", "error"}); err != nil {
			t.Fatal(err)
		}
		cfg, docs, err := f.loadConfig(ctx, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		addr := make(chan net.Addr, 1)
		done := make(chan error, 1)
		go func() { done <- serve(ctx, cfg, docs, f, io.Discard, nil, func(a net.Addr) { addr <- a }) }()
		select {
		case a := <-addr:
			check("http://" + a.String())
		case err := <-done:
			t.Fatalf("serve: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not start")
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
	}
	run(func(base string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("name", "petstore")
		mw.WriteField("upstream", "https://petstore.example/v1")
		fw, _ := mw.CreateFormFile("spec", "petstore.yaml")
		fw.Write(examples.PetstoreSpec)
		mw.Close()
		resp, err := http.Post(base+"/admin/api/apis", mw.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
	})
	run(func(base string) {
		resp, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "4 tools") || !strings.Contains(string(body), "/mcp/petstore") {
			t.Errorf("after a restart the UI lists:\n%s", body)
		}
	})
}

func TestAdminTokenSources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("0123456789abcdef-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) (string, bool) {
		return func(k string) (string, bool) { return v, k == "REST2MCP_ADMIN_TOKEN" && v != "" }
	}
	for _, tc := range []struct {
		name, file, value, env, want, wantErr string
	}{
		{"none", "", "", "", "", ""},
		{"env", "", "", "0123456789abcdef-env", "0123456789abcdef-env", ""},
		{"file beats env", file, "", "0123456789abcdef-env", "0123456789abcdef-from-file", ""},
		{"flag beats env", "", "0123456789abcdef-flag", "0123456789abcdef-env", "0123456789abcdef-flag", ""},
		{"flag and file", file, "0123456789abcdef-flag", "", "", "not both"},
		{"flag too short", "", "short", "", "", "16 characters"},
		{"too short", "", "", "short", "", "16 characters"},
		{"missing file", "/nonexistent/token", "", "", "", "admin token"},
	} {
		got, err := adminToken(tc.file, tc.value, env(tc.env))
		if got != tc.want || (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %q, %v; want %q, %q", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestAdminFlags: --admin-listen becomes adminListen, and --admin-token
// (shown in ps) is accepted with a warning.
func TestAdminFlags(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f serveFlags
	f.register(fs)
	if err := fs.Parse([]string{"--data-dir", t.TempDir(), "--admin-listen", "127.0.0.1:0", "--admin-token", "0123456789abcdef-flag", "--cache-dir", "off"}); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := f.loadConfig(t.Context(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AdminListen != "127.0.0.1:0" {
		t.Errorf("adminListen = %q", cfg.AdminListen)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, nil, f, &logs, nil, func(net.Addr) { cancel() })
	}()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), "--admin-token shows the token") || strings.Contains(logs.String(), "0123456789abcdef-flag") {
		t.Errorf("logs:\n%s", logs.String())
	}
}
