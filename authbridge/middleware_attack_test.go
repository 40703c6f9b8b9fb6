package authbridge

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

type attackEnv struct {
	clk   *fakeClock
	as    *oidctest.Server // the configured issuer (path-aware)
	rogue *oidctest.Server // a well-formed issuer nobody configured
	down  *oidctest.Server // a configured issuer whose introspection fails
	apis  map[string]http.Handler
}

func newAttackEnv(t *testing.T) *attackEnv {
	t.Helper()
	e := &attackEnv{clk: newFakeClock()}
	e.as = newAS(t, e.clk, &oidctest.Options{Path: "/tenant1"})
	e.rogue = newAS(t, e.clk, nil)
	e.down = newAS(t, e.clk, nil)
	e.down.SetFailing(oidctest.EndpointIntrospection, http.StatusBadGateway)

	strict := issuerFor(e.as)
	strict.RequireTyp = true
	withIntro := issuerFor(e.as)
	withIntro.Introspection = introspectionFor(e.as, "")
	downIntro := issuerFor(e.down)
	downIntro.Introspection = introspectionFor(e.down, "")

	e.apis = map[string]http.Handler{
		"jwt":   protect(newTestVerifier(t, e.clk, Config{Issuers: []IssuerConfig{strict}}, nil), "pets:read"),
		"intro": protect(newTestVerifier(t, e.clk, Config{Issuers: []IssuerConfig{withIntro}}, nil), "pets:read"),
		"down":  protect(newTestVerifier(t, e.clk, Config{Issuers: []IssuerConfig{downIntro}}, nil), "pets:read"),
	}
	e.as.AddOpaqueToken("opaque-inactive", map[string]any{"active": false})
	e.as.AddOpaqueToken("opaque-other-aud", map[string]any{"sub": "u", "aud": "https://gw.example.com/mcp/orders", "scope": "pets:read"})
	e.as.AddOpaqueToken("opaque-refresh", map[string]any{"aud": testResource, "sub": "u", "token_type": "refresh_token"})
	return e
}

// claims returns valid claims for the configured issuer after applying
// edit.
func (e *attackEnv) claims(edit func(oidctest.Claims)) oidctest.Claims {
	c := e.as.AccessClaims(testResource, "pets:read")
	if edit != nil {
		edit(c)
	}
	return c
}

func TestRequireBearerAttacks(t *testing.T) {
	e := newAttackEnv(t)
	now := e.clk.Now()
	bearer := func(tok string) func(*testing.T) *http.Request {
		return func(*testing.T) *http.Request { return bearerRequest(tok) }
	}
	mint := func(edit func(oidctest.Claims), opts ...oidctest.MintOption) func(*testing.T) *http.Request {
		return func(t *testing.T) *http.Request { return bearerRequest(e.as.Mint(t, e.claims(edit), opts...)) }
	}
	header := func(vals ...string) func(*testing.T) *http.Request {
		return func(*testing.T) *http.Request {
			r := httptest.NewRequest(http.MethodPost, testResource, nil)
			for _, v := range vals {
				r.Header.Add("Authorization", v)
			}
			return r
		}
	}
	setAud := func(aud any) func(oidctest.Claims) { return func(c oidctest.Claims) { c["aud"] = aud } }

	tests := []struct {
		name   string
		api    string // default "jwt"
		req    func(*testing.T) *http.Request
		status int
		code   string // error parameter of the challenge; "-" means absent
		desc   string // error_description; "" means not checked
	}{
		{name: "alg none", req: mint(nil, oidctest.WithAlgNone()), status: 401, code: "invalid_token", desc: reasonAlgorithm},
		{name: "HS256 keyed with the RSA public key", req: mint(nil, oidctest.WithHS256PublicKey()), status: 401, code: "invalid_token", desc: reasonAlgorithm},
		{name: "wrong audience", req: mint(setAud("https://other.example/api")), status: 401, code: "invalid_token", desc: reasonAudience},
		{name: "another API of the same gateway", req: mint(setAud("https://gw.example.com/mcp/orders")), status: 401, code: "invalid_token", desc: reasonAudience},
		{name: "audience with extra path", req: mint(setAud(testResource + "/extra")), status: 401, code: "invalid_token", desc: reasonAudience},
		{name: "audience path differs in case", req: mint(setAud("https://gw.example.com/MCP/pets")), status: 401, code: "invalid_token", desc: reasonAudience},
		{name: "audience prefix of resource", req: mint(setAud("https://gw.example.com/mcp")), status: 401, code: "invalid_token", desc: reasonAudience},
		{name: "no audience", req: mint(func(c oidctest.Claims) { delete(c, "aud") }), status: 401, code: "invalid_token", desc: reasonAudience},
		{name: "audience of wrong type", req: mint(setAud(42)), status: 401, code: "invalid_token", desc: reasonClaims},
		{name: "wrong issuer claim", req: mint(func(c oidctest.Claims) { c["iss"] = "https://evil.example" }), status: 401, code: "invalid_token", desc: reasonUnknownIssuer},
		{name: "issuer with trailing slash variant", req: mint(func(c oidctest.Claims) { c["iss"] = e.as.Issuer() + "/" }), status: 401, code: "invalid_token", desc: reasonUnknownIssuer},
		{name: "unconfigured issuer with its own JWKS", req: func(t *testing.T) *http.Request {
			return bearerRequest(e.rogue.Mint(t, e.rogue.AccessClaims(testResource, "pets:read")))
		}, status: 401, code: "invalid_token", desc: reasonUnknownIssuer},
		{name: "configured iss signed by another server's key", req: func(t *testing.T) *http.Request {
			return bearerRequest(e.rogue.Mint(t, e.claims(nil), oidctest.WithKID("rogue-kid")))
		}, status: 401, code: "invalid_token", desc: reasonUnknownKey},
		{name: "expired", req: mint(func(c oidctest.Claims) { c["exp"] = now.Add(-time.Minute).Unix() }), status: 401, code: "invalid_token", desc: reasonExpired},
		{name: "expired within leeway is accepted", req: mint(func(c oidctest.Claims) { c["exp"] = now.Add(-10 * time.Second).Unix() }), status: 200},
		{name: "nbf in the future", req: mint(func(c oidctest.Claims) { c["nbf"] = now.Add(10 * time.Minute).Unix() }), status: 401, code: "invalid_token", desc: reasonNotYetValid},
		{name: "nbf just beyond leeway", req: mint(func(c oidctest.Claims) { c["nbf"] = now.Add(time.Minute).Unix() }), status: 401, code: "invalid_token", desc: reasonNotYetValid},
		{name: "iat in the future", req: mint(func(c oidctest.Claims) { c["iat"] = now.Add(time.Hour).Unix() }), status: 401, code: "invalid_token", desc: reasonIssuedInFuture},
		{name: "missing exp", req: mint(func(c oidctest.Claims) { delete(c, "exp") }), status: 401, code: "invalid_token", desc: reasonNoExpiry},
		{name: "exp not a number", req: mint(func(c oidctest.Claims) { c["exp"] = "tomorrow" }), status: 401, code: "invalid_token"},
		{name: "unknown kid", req: mint(nil, oidctest.WithKID("no-such-kid")), status: 401, code: "invalid_token", desc: reasonUnknownKey},
		{name: "different key under a published kid", req: mint(nil, oidctest.WithForeignKey()), status: 401, code: "invalid_token", desc: reasonSignature},
		{name: "EC signature under the RSA kid", req: mint(nil, oidctest.WithAlg("ES256"), oidctest.WithKID(e.as.KeyID("RS256"))), status: 401, code: "invalid_token", desc: reasonSignature},
		{name: "ID token (typ JWT) when typ is enforced", req: mint(nil, oidctest.WithTyp("JWT")), status: 401, code: "invalid_token", desc: reasonTyp},
		{name: "no typ when typ is enforced", req: mint(nil, oidctest.WithTyp("")), status: 401, code: "invalid_token", desc: reasonTyp},
		{name: "critical header extension", req: mint(nil, oidctest.WithHeader("crit", []string{"exp"}), oidctest.WithHeader("exp", 1)), status: 401, code: "invalid_token", desc: reasonMalformed},
		{name: "JWE (5 parts)", req: bearer("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn"), status: 401, code: "invalid_token", desc: reasonEncrypted},
		{name: "garbage base64", req: bearer("abc.def.ghi"), status: 401, code: "invalid_token", desc: reasonMalformed},
		{name: "not a JWT at all", req: bearer("Zm9vYmFy"), status: 401, code: "invalid_token", desc: reasonMalformed},
		{name: "header without alg", req: bearer("eyJ0eXAiOiJKV1QifQ.eyJpc3MiOiJ4In0.c2ln"), status: 401, code: "invalid_token", desc: reasonMalformed},
		{name: "oversized token", req: bearer(strings.Repeat("a", MaxTokenBytes+1)), status: 401, code: "invalid_token", desc: reasonTooLarge},
		{name: "empty bearer", req: header("Bearer "), status: 400, code: "invalid_request"},
		{name: "bare Bearer scheme", req: header("Bearer"), status: 400, code: "invalid_request"},
		{name: "Bearer with two tokens", req: header("Bearer abc def"), status: 400, code: "invalid_request"},
		{name: "token with invalid characters", req: header(`Bearer abc"def`), status: 400, code: "invalid_request"},
		{name: "JWS JSON serialization", req: header(`Bearer {"payload":"e30","signatures":[]}`), status: 400, code: "invalid_request"},
		{name: "Basic scheme", req: header("Basic dXNlcjpwYXNz"), status: 401, code: "-"},
		{name: "no Authorization header", req: header(), status: 401, code: "-"},
		{name: "two Authorization headers", req: func(t *testing.T) *http.Request {
			tok := e.as.Mint(t, e.claims(nil))
			return header("Bearer "+tok, "Bearer "+tok)(t)
		}, status: 400, code: "invalid_request"},
		{name: "token in query string", req: func(t *testing.T) *http.Request {
			return httptest.NewRequest(http.MethodGet, testResource+"?access_token="+e.as.Mint(t, e.claims(nil)), nil)
		}, status: 400, code: "invalid_request"},
		{name: "token in query string next to a valid header", req: func(t *testing.T) *http.Request {
			tok := e.as.Mint(t, e.claims(nil))
			r := httptest.NewRequest(http.MethodGet, testResource+"?a=1&access_token="+tok, nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			return r
		}, status: 400, code: "invalid_request"},
		{name: "token in form body", req: func(t *testing.T) *http.Request {
			body := url.Values{"access_token": {e.as.Mint(t, e.claims(nil))}}.Encode()
			r := httptest.NewRequest(http.MethodPost, testResource, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			return r
		}, status: 400, code: "invalid_request"},
		{name: "audience with trailing slash is accepted", req: mint(setAud(testResource + "/")), status: 200},
		{name: "audience with uppercase scheme and host is accepted", req: mint(setAud("HTTPS://GW.EXAMPLE.COM/mcp/pets")), status: 200},
		{name: "audience array containing the resource", req: mint(setAud([]string{"https://other.example", testResource})), status: 200},
		{name: "typ at+jwt accepted", req: mint(nil), status: 200},
		{name: "typ application/at+jwt accepted", req: mint(nil, oidctest.WithTyp("application/at+jwt")), status: 200},
		{name: "lowercase scheme accepted", req: func(t *testing.T) *http.Request {
			return header("bearer " + e.as.Mint(t, e.claims(nil)))(t)
		}, status: 200},
		{name: "introspection active false", api: "intro", req: bearer("opaque-inactive"), status: 401, code: "invalid_token", desc: reasonInactive},
		{name: "introspection unknown token", api: "intro", req: bearer("opaque-never-issued"), status: 401, code: "invalid_token", desc: reasonInactive},
		{name: "introspection other audience", api: "intro", req: bearer("opaque-other-aud"), status: 401, code: "invalid_token", desc: reasonAudience},
		{name: "introspection of a refresh token", api: "intro", req: bearer("opaque-refresh"), status: 401, code: "invalid_token", desc: reasonTokenType},
		{name: "introspection endpoint down", api: "down", req: bearer("opaque-anything"), status: 503},
		{name: "JWT still verified locally when introspection is configured", api: "intro", req: mint(nil, oidctest.WithAlgNone()), status: 401, code: "invalid_token", desc: reasonAlgorithm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := tc.api
			if api == "" {
				api = "jwt"
			}
			rec := serve(e.apis[api], tc.req(t))
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d (WWW-Authenticate %q, body %q)", rec.Code, tc.status, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
			}
			if tc.status == 200 || tc.status == 503 {
				if got := rec.Header().Get("WWW-Authenticate"); got != "" {
					t.Errorf("unexpected challenge %q", got)
				}
				return
			}
			params, ok := parseChallenge(rec.Header().Get("WWW-Authenticate"))
			if !ok {
				t.Fatalf("malformed challenge %q", rec.Header().Get("WWW-Authenticate"))
			}
			if got := params["resource_metadata"]; got != "https://gw.example.com/.well-known/oauth-protected-resource/mcp/pets" {
				t.Errorf("resource_metadata = %q", got)
			}
			code, hasCode := params["error"]
			switch {
			case tc.code == "-" && hasCode:
				t.Errorf("challenge has error %q, want none", code)
			case tc.code != "-" && code != tc.code:
				t.Errorf("error = %q, want %q", code, tc.code)
			}
			if tc.desc != "" && params["error_description"] != tc.desc {
				t.Errorf("error_description = %q, want %q", params["error_description"], tc.desc)
			}
			wantScope := "pets:read"
			if tc.code == "invalid_request" {
				wantScope = ""
			}
			if diff := cmp.Diff(wantScope, params["scope"]); diff != "" {
				t.Errorf("scope (-want +got):\n%s", diff)
			}
			if body := rec.Body.String(); strings.Contains(body, "eyJ") {
				t.Errorf("response body echoes a token: %q", body)
			}
		})
	}
	if n := len(tests); n < 28 {
		t.Errorf("only %d attack cases", n)
	}
}
