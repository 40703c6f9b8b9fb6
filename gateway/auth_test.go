package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/policies"
)

// protectedGateway serves the petstore protected by an in-test issuer.
func protectedGateway(t *testing.T, pol *policies.Config, rl *authbridge.RateLimitConfig) (*oidctest.Server, string) {
	t.Helper()
	as := oidctest.New(t, nil)
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name:   "petstore",
		Auth:   &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}, RateLimit: rl},
		Policy: pol,
	}}})
	return as, srv.URL
}

func TestProtectedEndpoint(t *testing.T) {
	as, base := protectedGateway(t, nil, nil)
	url := base + "/mcp/petstore"
	prm := base + "/.well-known/oauth-protected-resource/mcp/petstore"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))

	t.Run("no token: 401 with resource metadata and baseline scope", func(t *testing.T) {
		r := modern(t, url, "", "tools/list", nil)
		if r.status != http.StatusUnauthorized {
			t.Fatalf("status %d", r.status)
		}
		ch := r.header.Get("WWW-Authenticate")
		for _, want := range []string{`resource_metadata="` + prm + `"`, `scope="pets:read"`} {
			if !strings.Contains(ch, want) {
				t.Errorf("challenge %q lacks %s", ch, want)
			}
		}
		if strings.Contains(ch, "error=") {
			t.Errorf("challenge without a token must not carry error: %q", ch)
		}
	})
	t.Run("other resource's token: 401 invalid_token", func(t *testing.T) {
		tok := as.Mint(t, as.AccessClaims(base+"/mcp/other", "pets:read"))
		r := modern(t, url, tok, "tools/list", nil)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Fatalf("status %d, challenge %q", r.status, r.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("PRM document", func(t *testing.T) {
		resp, err := http.Get(prm)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc map[string]any
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if doc["resource"] != url {
			t.Errorf("resource = %v, want %s", doc["resource"], url)
		}
		if diff := cmp.Diff([]any{as.Issuer()}, doc["authorization_servers"]); diff != "" {
			t.Errorf("authorization_servers (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]any{"pets:read"}, doc["scopes_supported"]); diff != "" {
			t.Errorf("scopes_supported (-want +got):\n%s", diff)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Error("PRM is not CORS-readable")
		}
		root, err := http.Get(base + "/.well-known/oauth-protected-resource")
		if err != nil {
			t.Fatal(err)
		}
		root.Body.Close()
		if root.StatusCode != http.StatusOK {
			t.Errorf("root PRM with a single API: %d", root.StatusCode)
		}
	})
	t.Run("read scope lists and reads", func(t *testing.T) {
		if n := len(toolNames(t, modern(t, url, read, "tools/list", nil))); n != 4 {
			t.Fatalf("all-visibility list has %d tools", n)
		}
		r := modern(t, url, read, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 2}})
		if r.result(t)["isError"] == true {
			t.Fatalf("getPet failed: %s", r.raw)
		}
	})
	t.Run("write tool with read scope: 403 step-up", func(t *testing.T) {
		for _, era := range []func(*testing.T, string, string, string, map[string]any) rpc{modern, legacy} {
			r := era(t, url, read, "tools/call", map[string]any{"name": "createPet", "arguments": map[string]any{"name": "Kit"}})
			ch := r.header.Get("WWW-Authenticate")
			if r.status != http.StatusForbidden || !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="pets:write"`) || !strings.Contains(ch, "resource_metadata=") {
				t.Fatalf("status %d, challenge %q", r.status, ch)
			}
		}
	})
	t.Run("write scope creates", func(t *testing.T) {
		write := as.Mint(t, as.AccessClaims(url, "pets:read", "pets:write"))
		r := modern(t, url, write, "tools/call", map[string]any{"name": "createPet", "arguments": map[string]any{"name": "Kit"}})
		if res := r.result(t); res["isError"] == true {
			t.Fatalf("createPet failed: %s", r.raw)
		}
	})
	t.Run("token in query string refused", func(t *testing.T) {
		r := modern(t, url+"?access_token="+read, "", "tools/list", nil)
		if r.status != http.StatusBadRequest && r.status != http.StatusUnauthorized {
			t.Fatalf("status %d", r.status)
		}
	})
}

func TestGrantedVisibility(t *testing.T) {
	as, base := protectedGateway(t, &policies.Config{Visibility: policies.VisibilityGranted}, nil)
	url := base + "/mcp/petstore"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))
	r := modern(t, url, read, "tools/list", nil)
	if diff := cmp.Diff([]string{"getPet", "listPets"}, toolNames(t, r)); diff != "" {
		t.Fatalf("granted list (-want +got):\n%s", diff)
	}
	if cs := r.result(t)["cacheScope"]; cs != "private" {
		t.Errorf("cacheScope = %v, want private", cs)
	}
}

func TestRateLimit(t *testing.T) {
	as, base := protectedGateway(t, nil, &authbridge.RateLimitConfig{RequestsPerMinute: 1, Burst: 2})
	url := base + "/mcp/petstore"
	tok := as.Mint(t, as.AccessClaims(url, "pets:read"))
	call := map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}}
	for i := 0; i < 2; i++ {
		if r := modern(t, url, tok, "tools/call", call); r.status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i, r.status, r.raw)
		}
	}
	r := modern(t, url, tok, "tools/call", call)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("third call: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if r := modern(t, url, tok, "tools/list", nil); r.status != http.StatusOK {
		t.Fatalf("tools/list is not rate limited, got %d", r.status)
	}
}

// TestDescriptionsStatePolicyScopes checks that tool descriptions name the
// scopes the policy requires (after scope mapping), and none when the API
// is served without authorization.
func TestDescriptionsStatePolicyScopes(t *testing.T) {
	descriptions := func(r rpc) map[string]string {
		out := map[string]string{}
		for _, v := range r.result(t)["tools"].([]any) {
			m := v.(map[string]any)
			out[m["name"].(string)] = m["description"].(string)
		}
		return out
	}
	as, base := protectedGateway(t, &policies.Config{ScopeMap: map[string]string{"pets:write": "api://pets/Write"}}, nil)
	url := base + "/mcp/petstore"
	d := descriptions(modern(t, url, as.Mint(t, as.AccessClaims(url, "pets:read")), "tools/list", nil))
	if !strings.Contains(d["createPet"], "Required OAuth scope: api://pets/Write.") || !strings.Contains(d["getPet"], "Required OAuth scope: pets:read.") {
		t.Errorf("protected descriptions: %q", d)
	}
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore"}}})
	for name, desc := range descriptions(modern(t, srv.URL+"/mcp/petstore", "", "tools/list", nil)) {
		if strings.Contains(desc, "OAuth") {
			t.Errorf("unprotected %s mentions scopes: %q", name, desc)
		}
	}
}
