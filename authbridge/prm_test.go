package authbridge

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPRMPath(t *testing.T) {
	tests := []struct{ resource, want string }{
		{"https://gw.example.com/mcp/pets", "/.well-known/oauth-protected-resource/mcp/pets"},
		{"https://gw.example.com/mcp", "/.well-known/oauth-protected-resource/mcp"},
		{"https://gw.example.com/mcp/", "/.well-known/oauth-protected-resource/mcp/"},
		{"https://gw.example.com/", "/.well-known/oauth-protected-resource"},
		{"https://gw.example.com", "/.well-known/oauth-protected-resource"},
		{"https://gw.example.com/mcp/a%2Fb", "/.well-known/oauth-protected-resource/mcp/a%2Fb"},
		{"/relative", "/.well-known/oauth-protected-resource"},
	}
	for _, tc := range tests {
		if got := PRMPath(tc.resource); got != tc.want {
			t.Errorf("PRMPath(%q) = %q, want %q", tc.resource, got, tc.want)
		}
	}
	u, err := PRMURL("https://gw.example.com:8443/mcp/pets")
	if err != nil || u != "https://gw.example.com:8443/.well-known/oauth-protected-resource/mcp/pets" {
		t.Errorf("PRMURL = %q, %v", u, err)
	}
	if _, err := PRMURL("mcp/pets"); err == nil {
		t.Error("PRMURL accepted a relative resource")
	}
}

func TestPRMHandler(t *testing.T) {
	cfg := Config{
		Issuers:               []IssuerConfig{{Issuer: "https://login.example.com/t1"}, {Issuer: "https://idp.example.org/"}},
		Scopes:                []string{"pets:read", "offline_access", "pets:read", "bad scope"},
		ResourceName:          "Pets API",
		ResourceDocumentation: "https://docs.example.com/pets",
	}
	h := NewPRMHandler(NewPRM(testResource, cfg, nil))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PRMPath(testResource), nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET status %d", rec.Code)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"resource":                 testResource,
		"authorization_servers":    []any{"https://login.example.com/t1", "https://idp.example.org/"},
		"scopes_supported":         []any{"pets:read"},
		"bearer_methods_supported": []any{"header"},
		"resource_name":            "Pets API",
		"resource_documentation":   "https://docs.example.com/pets",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
	for k, v := range map[string]string{
		"Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "Cache-Control": "no-store",
	} {
		if rec.Header().Get(k) != v {
			t.Errorf("%s = %q, want %q", k, rec.Header().Get(k), v)
		}
	}

	for _, tc := range []struct {
		method string
		status int
		body   bool
	}{
		{http.MethodHead, http.StatusOK, false},
		{http.MethodOptions, http.StatusNoContent, false},
		{http.MethodPost, http.StatusMethodNotAllowed, true},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, PRMPath(testResource), nil))
		if rec.Code != tc.status || (rec.Body.Len() > 0) != tc.body {
			t.Errorf("%s: status %d body %q", tc.method, rec.Code, rec.Body)
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: no CORS header", tc.method)
		}
	}

	// Policy-supplied scopes replace the configured ones; an empty list
	// drops scopes_supported.
	if md := NewPRM(testResource, cfg, []string{"a", "b"}); !cmp.Equal(md.ScopesSupported, []string{"a", "b"}) {
		t.Errorf("policy scopes: %v", md.ScopesSupported)
	}
	if md := NewPRM(testResource, cfg, []string{}); md.ScopesSupported != nil {
		t.Errorf("empty policy scopes: %v", md.ScopesSupported)
	}
}
