package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// TestTokenExchangeNeverForwardsInboundToken runs a tool call through the
// whole gateway with an RFC 8693 token exchange and checks what the token
// endpoint received and what reached the upstream.
func TestTokenExchangeNeverForwardsInboundToken(t *testing.T) {
	var (
		mu       sync.Mutex
		exchange []map[string][]string
		inbound  string
	)
	as := oidctest.New(t, &oidctest.Options{TokenHandler: func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		mu.Lock()
		exchange = append(exchange, r.PostForm)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": "exchanged-for-" + r.PostForm.Get("scope"), "token_type": "Bearer",
			"issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "expires_in": 300,
		})
	}})
	var seen []string
	store := demoapi.New().Handler()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		mu.Lock()
		tok := inbound
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		dump := r.URL.String() + string(body)
		for _, v := range r.Header {
			dump += strings.Join(v, " ")
		}
		if tok != "" && strings.Contains(dump, tok) {
			t.Errorf("the upstream received the inbound MCP token")
		}
		store.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)

	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name:     "petstore",
		Upstream: up.URL + "/v1",
		Auth:     &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
		UpstreamAuth: &authbridge.UpstreamAuthConfig{
			Type: "tokenExchange", TokenURL: as.TokenURL(), ClientID: "gw",
			ClientSecret: &authbridge.Secret{Value: "gw-secret"}, Audience: "https://petstore.internal",
		},
	}}})
	url := srv.URL + "/mcp/petstore"
	tok := as.Mint(t, as.AccessClaims(url, "pets:read", "pets:write"))
	mu.Lock()
	inbound = tok
	mu.Unlock()

	for i := 0; i < 2; i++ { // the second call is served from the token cache
		r := modern(t, url, tok, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
		if r.result(t)["isError"] == true {
			t.Fatalf("getPet: %s", r.raw)
		}
	}
	r := modern(t, url, tok, "tools/call", map[string]any{"name": "createPet", "arguments": map[string]any{"name": "Kit"}})
	if r.result(t)["isError"] == true {
		t.Fatalf("createPet: %s", r.raw)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(exchange) != 2 {
		t.Fatalf("token endpoint called %d times, want 2 (one per scope set, cached)", len(exchange))
	}
	want := map[string]string{
		"grant_type":         "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token":      tok,
		"subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
		"audience":           "https://petstore.internal",
		"scope":              "pets:read",
	}
	for k, v := range want {
		if got := strings.Join(exchange[0][k], ","); got != v {
			t.Errorf("exchange %s = %q, want %q", k, got, v)
		}
	}
	if got := strings.Join(exchange[1]["scope"], ","); got != "pets:write" {
		t.Errorf("createPet exchanged for scope %q, want pets:write (least privilege)", got)
	}
	wantSeen := []string{"Bearer exchanged-for-pets:read", "Bearer exchanged-for-pets:read", "Bearer exchanged-for-pets:write"}
	if strings.Join(seen, "|") != strings.Join(wantSeen, "|") {
		t.Errorf("upstream saw Authorization %q, want %q", seen, wantSeen)
	}
}

// TestStaticKeyUpstream checks the static strategy end to end.
func TestStaticKeyUpstream(t *testing.T) {
	store := demoapi.New().Handler()
	var got string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("X-API-Key")
		store.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name:     "petstore",
		Upstream: up.URL + "/v1",
		UpstreamAuth: &authbridge.UpstreamAuthConfig{Type: "static", Static: &authbridge.StaticConfig{
			Header: "X-API-Key", Value: &authbridge.Secret{Value: "k-123"},
		}},
	}}})
	r := modern(t, srv.URL+"/mcp/petstore", "", "tools/call", map[string]any{"name": "listPets", "arguments": map[string]any{}})
	if r.result(t)["isError"] == true {
		t.Fatalf("listPets: %s", r.raw)
	}
	if got != "k-123" {
		t.Fatalf("upstream X-API-Key = %q", got)
	}
}
