package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// The fault suite: what a caller sees when something the gateway depends
// on misbehaves, and that the gateway serves on afterwards. The PostgreSQL
// and replica faults are in store/postgres (TestOutage) and
// e2e/replicas_test.go.

// faultyUpstream serves the demo API, except GET /v1/pets/{id} for the ids
// below, which misbehave.
func faultyUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	demo := demoapi.New().Handler()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/pets/901": // slow: longer than the API's timeout
			select {
			case <-release:
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case "/v1/pets/902": // reset: the connection closes without an answer
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		case "/v1/pets/903": // a server error
			http.Error(w, "database on fire", http.StatusInternalServerError)
		case "/v1/pets/904": // garbage that claims to be JSON
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("{\"id\": 1, \"name\": \x00\xff garbage"))
		case "/v1/pets/905": // huge: more than the API's response cap
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id": 5, "name": "`))
			chunk := []byte(strings.Repeat("x", 64<<10))
			for range (4 << 20) / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte(`"}`))
		default:
			demo.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

// TestFaultUpstream: every upstream fault is a tool error (isError) with a
// message that says what happened, within the API's timeout, and the next
// normal call works.
func TestFaultUpstream(t *testing.T) {
	up := faultyUpstream(t)
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name: "petstore", Upstream: up.URL + "/v1",
		Timeout: config.Duration(500 * time.Millisecond), MaxResponseBytes: 1 << 20,
	}}})
	url := srv.URL + "/mcp/petstore"
	for _, c := range []struct {
		name string
		id   int
		want string
	}{
		{"slow", 901, "timed out"},
		{"reset", 902, "request to upstream host"},
		{"5xx", 903, "500"},
		{"garbage", 904, "not valid JSON"},
		{"huge", 905, "larger than the response size limit"},
	} {
		for _, era := range []string{"2026-07-28", "2025-11-25"} {
			t.Run(c.name+"/"+era, func(t *testing.T) {
				start := time.Now()
				params := map[string]any{"name": "getPet", "arguments": map[string]any{"petId": c.id}}
				var r rpc
				if era == "2026-07-28" {
					r = modern(t, url, "", "tools/call", params)
				} else {
					r = legacy(t, url, "", "tools/call", params)
				}
				res := r.result(t)
				if res["isError"] != true {
					t.Errorf("want isError, got %s", r.raw)
				}
				if !strings.Contains(strings.ToLower(string(r.raw)), strings.ToLower(c.want)) {
					t.Errorf("result lacks %q: %.400s", c.want, r.raw)
				}
				if len(r.raw) > 2<<20 {
					t.Errorf("the result is %d bytes; the API caps responses at 1 MiB", len(r.raw))
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("the call took %v; the API's timeout is 500ms", d)
				}
				ok := modern(t, url, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
				if res := ok.result(t); res["isError"] == true {
					t.Errorf("a normal call after the fault failed: %s", ok.raw)
				}
			})
		}
	}
}

// TestFaultJWKSDown: while the JWKS endpoint fails, tokens signed with a
// cached key keep working; tokens with a key the gateway has not seen are
// refused (fail closed), and work once the endpoint is back.
func TestFaultJWKSDown(t *testing.T) {
	as := oidctest.New(t, nil)
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name: "petstore",
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true, JWKSMinRefresh: authbridge.Duration(time.Second)}}},
	}}})
	url := srv.URL + "/mcp/petstore"
	mint := func() string { return as.Mint(t, as.AccessClaims(url, "pets:read"), oidctest.WithTyp("at+jwt")) }
	list := func(tok string) rpc { return modern(t, url, tok, "tools/list", nil) }
	if r := list(mint()); r.status != http.StatusOK {
		t.Fatalf("before the fault: %d %s", r.status, r.raw)
	}
	as.SetFailing(oidctest.EndpointJWKS, http.StatusServiceUnavailable)
	if r := list(mint()); r.status != http.StatusOK {
		t.Errorf("cached key while the JWKS fails: %d %s", r.status, r.raw)
	}
	as.Rotate(t) // a key the gateway has never seen
	r := list(mint())
	if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("unknown key while the JWKS fails: %d %q %s, want 401 invalid_token", r.status, r.header.Get("WWW-Authenticate"), r.raw)
	}
	as.SetFailing(oidctest.EndpointJWKS, 0)
	deadline := time.Now().Add(5 * time.Second)
	for r = list(mint()); r.status != http.StatusOK && time.Now().Before(deadline); r = list(mint()) {
		time.Sleep(20 * time.Millisecond)
	}
	if r.status != http.StatusOK {
		t.Errorf("the new key after the JWKS recovered: %d %s", r.status, r.raw)
	}
}

// TestFaultTokenEndpointDown: when the upstream's token endpoint is
// unreachable or failing, a call is a tool error that names the token
// endpoint (never a protocol error or a hang); calls recover with it.
func TestFaultTokenEndpointDown(t *testing.T) {
	var failing atomicStatus
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := failing.get(); st != 0 {
			http.Error(w, `{"error":"temporarily_unavailable"}`, st)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"upstream-token","token_type":"Bearer","expires_in":1}`))
	}))
	t.Cleanup(tokens.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/token"
	dead.Close() // nothing listens there any more
	cc := func(tokenURL string) *authbridge.UpstreamAuthConfig {
		return &authbridge.UpstreamAuthConfig{Type: authbridge.UpstreamAuthClientCredentials, TokenURL: tokenURL,
			ClientID: "gw", ClientSecret: &authbridge.Secret{Value: "gw-secret"}, Scopes: []string{"pets"}}
	}
	_, srv := testGateway(t, &config.Config{APIs: []config.API{
		{Name: "down", UpstreamAuth: cc(deadURL)},
		{Name: "flaky", UpstreamAuth: cc(tokens.URL + "/token")},
	}})
	callPet := func(api string) rpc {
		return modern(t, srv.URL+"/mcp/"+api, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
	}
	for _, c := range []struct {
		name, api string
		status    int
	}{
		{"unreachable", "down", 0},
		{"503", "flaky", http.StatusServiceUnavailable},
		{"400", "flaky", http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			failing.set(c.status)
			r := callPet(c.api)
			res := r.result(t)
			if res["isError"] != true || !strings.Contains(strings.ToLower(string(r.raw)), "token") {
				t.Errorf("want a tool error naming the token request: %.500s", r.raw)
			}
			t.Logf("%s: %.300s", c.name, r.raw)
			if strings.Contains(string(r.raw), "gw-secret") {
				t.Error("the client secret leaked into the result")
			}
		})
	}
	failing.set(0)
	if res := callPet("flaky").result(t); res["isError"] == true {
		t.Errorf("after the token endpoint recovered: %v", res)
	}
}

// atomicStatus is an HTTP status shared with a handler.
type atomicStatus struct{ v atomic.Int64 }

func (a *atomicStatus) get() int  { return int(a.v.Load()) }
func (a *atomicStatus) set(s int) { a.v.Store(int64(s)) }
