package gateway

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/gateway/config"
)

func TestServeBothEras(t *testing.T) {
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore"}}})
	url := srv.URL + "/mcp/petstore"
	want := []string{"createPet", "deletePet", "getPet", "listPets"}

	t.Run("modern tools/list", func(t *testing.T) {
		r := modern(t, url, "", "tools/list", nil)
		if diff := cmp.Diff(want, toolNames(t, r)); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
		if r.header.Get("Mcp-Session-Id") != "" {
			t.Error("stateless server minted a session id")
		}
	})
	t.Run("modern tools/call", func(t *testing.T) {
		r := modern(t, url, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
		res := r.result(t)
		if res["isError"] == true {
			t.Fatalf("isError: %s", r.raw)
		}
		sc, _ := res["structuredContent"].(map[string]any)
		if sc["name"] != "Rex" {
			t.Fatalf("structuredContent = %v", res["structuredContent"])
		}
	})
	t.Run("legacy initialize then call", func(t *testing.T) {
		init := legacy(t, url, "", "initialize", map[string]any{
			"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
			"clientInfo": map[string]any{"name": "test", "version": "1"},
		})
		if v := init.result(t)["protocolVersion"]; v != "2025-11-25" {
			t.Fatalf("negotiated %v", v)
		}
		r := legacy(t, url, "", "tools/call", map[string]any{"name": "listPets", "arguments": map[string]any{"limit": 2}})
		res := r.result(t)
		sc, _ := res["structuredContent"].(map[string]any)
		items, _ := sc["result"].([]any)
		if len(items) != 2 {
			t.Fatalf("listPets limit 2 gave %s", r.raw)
		}
	})
	t.Run("2025-06-18", func(t *testing.T) {
		r := post(t, url, "", http.Header{"Mcp-Protocol-Version": {"2025-06-18"}}, map[string]any{
			"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": map[string]any{
				"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
				"clientInfo": map[string]any{"name": "old", "version": "1"},
			},
		})
		if v := r.result(t)["protocolVersion"]; v != "2025-06-18" {
			t.Fatalf("negotiated %v", v)
		}
	})
	t.Run("upstream 404 is a tool error", func(t *testing.T) {
		r := modern(t, url, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 999}})
		res := r.result(t)
		if res["isError"] != true || !strings.Contains(string(r.raw), "404") {
			t.Fatalf("want isError with 404, got %s", r.raw)
		}
	})
}

func TestTransportGuards(t *testing.T) {
	_, srv := testGateway(t, &config.Config{
		MaxBodyBytes:   4096,
		AllowedOrigins: []string{"https://app.example.com"},
		APIs:           []config.API{{Name: "petstore"}},
	})
	url := srv.URL + "/mcp/petstore"
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		status int
	}{
		{"oversized body", nil, bytes.Repeat([]byte("x"), 5000), http.StatusRequestEntityTooLarge},
		{"foreign origin", http.Header{"Origin": {"https://evil.example"}}, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), http.StatusForbidden},
		{"allowed origin", http.Header{"Origin": {"https://app.example.com"}, "Mcp-Protocol-Version": {"2025-11-25"}}, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), http.StatusOK},
		{"loopback origin on loopback listener", http.Header{"Origin": {"http://localhost:6274"}, "Mcp-Protocol-Version": {"2025-11-25"}}, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), http.StatusOK},
		{"malformed JSON", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, []byte(`{"jsonrpc":`), http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postRaw(t, url, "", tc.header, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
		})
	}
	t.Run("DNS rebinding Host", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Host = "evil.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("unknown API", func(t *testing.T) {
		r := postRaw(t, srv.URL+"/mcp/nope", "", nil, []byte(`{}`))
		if r.status != http.StatusNotFound || !strings.Contains(string(r.raw), "petstore") {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
	})
	t.Run("health", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
	})
}

func TestReloadKeepsWorkingSnapshot(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "petstore.yaml")
	orig, err := os.ReadFile(petstoreSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	g, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore", Spec: spec}}})
	url := srv.URL + "/mcp/petstore"

	if err := os.WriteFile(spec, []byte("this is: [not, an openapi document"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(context.Background()); err == nil {
		t.Fatal("reload of a broken spec succeeded")
	}
	if n := len(toolNames(t, modern(t, url, "", "tools/list", nil))); n != 4 {
		t.Fatalf("after failed reload: %d tools, want the old 4", n)
	}

	if err := os.WriteFile(spec, []byte("openapi: 3.0.3\ninfo: {title: empty, version: '1'}\npaths: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "no operations") {
		t.Fatalf("reload to an empty spec: %v", err)
	}

	smaller := strings.Replace(string(orig), "    delete:\n      operationId: deletePet", "    x-removed:\n      operationId: deletePet", 1)
	if err := os.WriteFile(spec, []byte(smaller), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := toolNames(t, modern(t, url, "", "tools/list", nil))
	if diff := cmp.Diff([]string{"createPet", "getPet", "listPets"}, got); diff != "" {
		t.Fatalf("after reload (-want +got):\n%s", diff)
	}
}

func TestCORS(t *testing.T) {
	_, base := protectedGateway(t, nil, nil)
	url := base + "/mcp/petstore"
	pre, _ := http.NewRequest(http.MethodOptions, url, nil)
	pre.Header.Set("Origin", "http://localhost:6274")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version, mcp-param-region")
	resp, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:6274" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// The methods are what the endpoint serves; each header is named once
	// (case-insensitively), requested Mcp-Param-* names included.
	if got := resp.Header.Get("Access-Control-Allow-Methods"); got != "POST, OPTIONS" {
		t.Errorf("Access-Control-Allow-Methods %q, want POST, OPTIONS", got)
	}
	seen := map[string]bool{}
	for _, n := range strings.Split(resp.Header.Get("Access-Control-Allow-Headers"), ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if seen[n] {
			t.Errorf("Access-Control-Allow-Headers names %q twice: %s", n, resp.Header.Get("Access-Control-Allow-Headers"))
		}
		seen[n] = true
	}
	if !seen["mcp-param-region"] {
		t.Errorf("requested Mcp-Param header not allowed: %s", resp.Header.Get("Access-Control-Allow-Headers"))
	}
	// The 401 challenge must be readable by a browser client.
	r := postRaw(t, url, "", http.Header{"Origin": {"http://localhost:6274"}}, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != "http://localhost:6274" ||
		!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Fatalf("401 for a browser: %d %v", r.status, r.header)
	}
	pre.Header.Set("Origin", "https://evil.example")
	resp, err = http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
