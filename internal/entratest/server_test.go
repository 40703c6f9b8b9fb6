package entratest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

const redirect = "http://127.0.0.1:8976/callback"

// fixture registers an API with two App ID URIs, a public client and a
// confidential middle tier with a downstream API.
type fixture struct {
	s                 *Server
	api, client, down App
	endpoint          string
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{s: New(t, nil), endpoint: "http://127.0.0.1:9999/mcp/pets"}
	f.api = f.s.Register(App{Name: "petstore", AppIDURIs: []string{"api://petstore", f.endpoint},
		Scopes: []string{"Pets.Read", "Pets.Write"}, AppRoles: []string{"Pets.Sync"}, AccessTokenVersion: 2, ClientSecret: "api-secret"})
	f.client = f.s.Register(App{Name: "mcp client", RedirectURIs: []string{"http://127.0.0.1/callback"}})
	f.down = f.s.Register(App{Name: "backend", AppIDURIs: []string{"api://downstream"}, Scopes: []string{"Pets.Read", "Pets.Write"}, AccessTokenVersion: 2})
	return f
}

func payload(t *testing.T, tok string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	var h, c map[string]any
	for i, dst := range []*map[string]any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return h, c
}

func aadCode(err error) int {
	var e *ErrorResponse
	if errors.As(err, &e) {
		desc := e.Description
		if i := strings.Index(desc, "AADSTS"); i >= 0 {
			var n int
			for _, r := range desc[i+6:] {
				if r < '0' || r > '9' {
					break
				}
				n = n*10 + int(r-'0')
			}
			return n
		}
	}
	return 0
}

func TestMetadataAndKeys(t *testing.T) {
	s := New(t, &Options{Tenants: []string{DefaultTenant, "22222222-0000-0000-0000-000000000000"}})
	tid := s.Tenant()
	st, md := oidctest.GetJSON(t, s.MetadataURL(tid))
	if st != 200 || md["issuer"] != s.Issuer(tid) || md["jwks_uri"] != s.URL()+"/"+tid+"/discovery/v2.0/keys" {
		t.Fatalf("v2 metadata %d %v", st, md)
	}
	for _, absent := range []string{"registration_endpoint", "code_challenge_methods_supported"} {
		if _, ok := md[absent]; ok {
			t.Errorf("v2 metadata has %s", absent)
		}
	}
	if st, md := oidctest.GetJSON(t, s.MetadataURLV1(tid)); st != 200 || md["issuer"] != "https://sts.windows.net/"+tid+"/" {
		t.Errorf("v1 metadata %d %v", st, md)
	}
	for _, p := range []string{
		"/.well-known/oauth-authorization-server/" + tid + "/v2.0",
		"/.well-known/openid-configuration/" + tid + "/v2.0",
		"/" + tid + "/v2.0/.well-known/oauth-authorization-server",
		"/common/v2.0/.well-known/openid-configuration",
	} {
		if st, _ := oidctest.GetJSON(t, s.URL()+p); st != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, st)
		}
	}
	if st, _ := oidctest.GetJSON(t, s.MetadataURL("99999999-0000-0000-0000-000000000000")); st != http.StatusBadRequest {
		t.Errorf("unknown tenant = %d, want 400 (AADSTS90002)", st)
	}
	old := s.KeyID()
	s.Rotate(t)
	var sets []string
	for _, p := range []string{"/" + tid + "/discovery/v2.0/keys", "/22222222-0000-0000-0000-000000000000/discovery/v2.0/keys", "/common/discovery/keys"} {
		resp, err := http.Get(s.URL() + p)
		if err != nil {
			t.Fatal(err)
		}
		var raw struct{ Keys []map[string]any }
		var set jose.JSONWebKeySet
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_ = json.Unmarshal(b, &raw)
		if err := json.Unmarshal(b, &set); err != nil {
			t.Fatalf("%s: go-jose rejects the key set (x5c/x5t consistency): %v", p, err)
		}
		if len(raw.Keys) != 2 || raw.Keys[0]["kid"] != s.KeyID() || raw.Keys[1]["kid"] != old {
			t.Errorf("%s: keys %v, want new then old", p, raw.Keys)
		}
		for _, k := range raw.Keys {
			if _, ok := k["alg"]; ok || k["x5t"] != k["kid"] || k["use"] != "sig" {
				t.Errorf("%s: key %v: want no alg, x5t = kid, use sig", p, k)
			}
		}
		var kids []string
		for _, k := range set.Keys {
			kids = append(kids, k.KeyID)
		}
		sets = append(sets, strings.Join(kids, ","))
	}
	if sets[0] != sets[1] || sets[1] != sets[2] {
		t.Errorf("tenants do not share keys: %v", sets)
	}
	s.RetireOldKeys()
	_, ks := oidctest.GetJSON(t, s.URL()+"/common/discovery/v2.0/keys")
	if n := len(ks["keys"].([]any)); n != 1 {
		t.Errorf("after RetireOldKeys: %d keys", n)
	}
}

func TestTokenShapes(t *testing.T) {
	f := newFixture(t)
	h, c := payload(t, f.s.Token(t, TokenRequest{Client: f.client.ClientID, API: f.api.ClientID, Scopes: []string{"Pets.Read"}}))
	if h["typ"] != "JWT" || h["alg"] != "RS256" || h["kid"] != f.s.KeyID() || h["x5t"] != nil {
		t.Errorf("v2 header %v", h)
	}
	if c["aud"] != f.api.ClientID || c["iss"] != f.s.Issuer(DefaultTenant) || c["scp"] != "Pets.Read" || c["ver"] != "2.0" || c["azp"] != f.client.ClientID {
		t.Errorf("v2 delegated claims %v", c)
	}
	_, c = payload(t, f.s.Token(t, TokenRequest{Client: f.client.ClientID, API: f.api.ClientID, AppOnly: true, Roles: []string{"Pets.Sync"}}))
	if _, ok := c["scp"]; ok || c["idtyp"] != "app" || !slices.Equal(c["roles"].([]any), []any{"Pets.Sync"}) {
		t.Errorf("app-only claims %v", c)
	}
	v1 := f.s.Register(App{Name: "legacy", AppIDURIs: []string{"api://legacy"}, Scopes: []string{"Read"}})
	h, c = payload(t, f.s.Token(t, TokenRequest{Client: f.client.ClientID, API: v1.ClientID, Scopes: []string{"Read"}}))
	if h["x5t"] != h["kid"] || c["iss"] != "https://sts.windows.net/"+DefaultTenant+"/" || c["aud"] != "api://legacy" || c["ver"] != "1.0" || c["appid"] != f.client.ClientID {
		t.Errorf("v1 token %v %v", h, c)
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	tests := []struct {
		name     string
		req      LoginRequest
		wantCode int
		wantScp  string
	}{
		{name: "api:// scopes, no resource (VS Code)", req: LoginRequest{Scopes: []string{"api://petstore/Pets.Read"}}, wantScp: "Pets.Read"},
		{name: "endpoint URL is an App ID URI and the scope prefix (RFC 8707 client)",
			req: LoginRequest{Scopes: []string{f.endpoint + "/Pets.Read", "offline_access"}, Resource: f.endpoint}, wantScp: "Pets.Read"},
		{name: "endpoint URL scopes without resource (VS Code with the endpoint URL App ID URI)",
			req: LoginRequest{Scopes: []string{f.endpoint + "/Pets.Write"}}, wantScp: "Pets.Write"},
		{name: "resource with api:// scopes", req: LoginRequest{Scopes: []string{"api://petstore/Pets.Read"}, Resource: f.endpoint}, wantCode: 9010010},
		{name: "resource not an App ID URI", req: LoginRequest{Scopes: []string{"http://127.0.0.1:1/mcp/x/Pets.Read"}, Resource: "http://127.0.0.1:1/mcp/x"}, wantCode: 500011},
		{name: "unqualified scope is Graph's", req: LoginRequest{Scopes: []string{"Pets.Read"}}, wantCode: 650053},
		{name: "two resources", req: LoginRequest{Scopes: []string{"api://petstore/Pets.Read", "api://downstream/Pets.Read"}}, wantCode: 28000},
		{name: "unknown permission", req: LoginRequest{Scopes: []string{"api://petstore/Pets.Admin"}}, wantCode: 650053},
		{name: "unknown client", req: LoginRequest{ClientID: "00000000-0000-0000-0000-00000000dead", Scopes: []string{"api://petstore/Pets.Read"}}, wantCode: 700016},
		{name: "redirect mismatch", req: LoginRequest{RedirectURI: "http://127.0.0.1:8976/other", Scopes: []string{"api://petstore/Pets.Read"}}, wantCode: 50011},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.req.ClientID == "" {
				tc.req.ClientID = f.client.ClientID
			}
			if tc.req.RedirectURI == "" {
				tc.req.RedirectURI = redirect
			}
			tr, err := f.s.Login(ctx, tc.req)
			if tc.wantCode != 0 {
				if got := aadCode(err); got != tc.wantCode {
					t.Fatalf("err = %v (AADSTS%d), want AADSTS%d", err, got, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, c := payload(t, tr.AccessToken)
			if c["aud"] != f.api.ClientID || c["scp"] != tc.wantScp {
				t.Errorf("claims %v", c)
			}
		})
	}
	t.Run("PKCE and single use", func(t *testing.T) {
		q := url.Values{"client_id": {f.client.ClientID}, "response_type": {"code"}, "redirect_uri": {redirect},
			"scope": {"api://petstore/Pets.Read"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
		nr := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := nr.Get(f.s.AuthorizeURL(DefaultTenant) + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		form := url.Values{"grant_type": {"authorization_code"}, "client_id": {f.client.ClientID}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirect}, "code_verifier": {"wrong"}}
		if _, err := f.s.PostToken(t.Context(), DefaultTenant, form); aadCode(err) != 501481 {
			t.Errorf("bad verifier: %v", err)
		}
		form.Set("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
		if _, err := f.s.PostToken(t.Context(), DefaultTenant, form); aadCode(err) != 54005 {
			t.Errorf("reused code: %v", err)
		}
	})
}

func TestClientCredentialsAndOBO(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.s.AssignRoles(f.api.ClientID, f.api.ClientID, "Pets.Sync")
	cc := func(scope, secret string) (*TokenResponse, error) {
		return f.s.PostToken(ctx, DefaultTenant, url.Values{"grant_type": {"client_credentials"}, "client_id": {f.api.ClientID}, "client_secret": {secret}, "scope": {scope}})
	}
	tr, err := cc("api://petstore/.default", "api-secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, c := payload(t, tr.AccessToken); c["idtyp"] != "app" || c["roles"] == nil {
		t.Errorf("app-only token %v", c)
	}
	if _, err := cc("api://petstore/Pets.Read", "api-secret"); aadCode(err) != 1002012 {
		t.Errorf("without /.default: %v", err)
	}
	if _, err := cc("api://petstore/.default", "nope"); aadCode(err) != 7000215 {
		t.Errorf("bad secret: %v", err)
	}

	user, err := f.s.Login(ctx, LoginRequest{ClientID: f.client.ClientID, RedirectURI: redirect, Scopes: []string{"api://petstore/Pets.Read"}})
	if err != nil {
		t.Fatal(err)
	}
	obo := func(assertion, scope string) (*TokenResponse, error) {
		return f.s.PostToken(ctx, DefaultTenant, url.Values{"grant_type": {GrantJWTBearer}, "client_id": {f.api.ClientID}, "client_secret": {"api-secret"},
			"assertion": {assertion}, "requested_token_use": {"on_behalf_of"}, "scope": {scope}})
	}
	if _, err := obo(user.AccessToken, "api://downstream/.default"); aadCode(err) != 65001 {
		t.Errorf("without consent: %v", err)
	} else if e := (*ErrorResponse)(nil); errors.As(err, &e) && e.Suberror != "consent_required" {
		t.Errorf("suberror %q", e.Suberror)
	}
	f.s.Consent(f.api.ClientID, f.down.ClientID, "Pets.Read")
	if _, err := obo(user.AccessToken, "api://downstream/Pets.Write"); aadCode(err) != 65001 {
		t.Errorf("unconsented per-operation scope: %v", err)
	}
	tr, err = obo(user.AccessToken, "api://downstream/.default")
	if err != nil {
		t.Fatal(err)
	}
	_, c := payload(t, tr.AccessToken)
	_, uc := payload(t, user.AccessToken)
	if c["aud"] != f.down.ClientID || c["scp"] != "Pets.Read" || c["oid"] != uc["oid"] || c["azp"] != f.api.ClientID {
		t.Errorf("OBO token %v", c)
	}
	// An assertion for another audience, a tampered one, an app token.
	other := f.s.Token(t, TokenRequest{Client: f.client.ClientID, API: f.down.ClientID, Scopes: []string{"Pets.Read"}})
	app := f.s.Token(t, TokenRequest{Client: f.client.ClientID, API: f.api.ClientID, AppOnly: true})
	for name, a := range map[string]string{"wrong audience": other, "tampered": user.AccessToken[:len(user.AccessToken)-4] + "AAAA", "app token": app} {
		if _, err := obo(a, "api://downstream/.default"); aadCode(err) != 50013 {
			t.Errorf("%s: %v, want AADSTS50013", name, err)
		}
	}
	if got := f.s.Issued(); len(got) == 0 || got[len(got)-1].Assertion != user.AccessToken || got[len(got)-1].Grant != GrantJWTBearer {
		t.Errorf("issued log %+v", got)
	}
}

func TestRefreshAndV1(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.s.Register(App{Name: "legacy", AppIDURIs: []string{"api://legacy"}, Scopes: []string{"Read"}})
	tr, err := f.s.Login(ctx, LoginRequest{ClientID: f.client.ClientID, RedirectURI: redirect, Scopes: []string{"api://legacy/Read", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.RefreshToken == "" || tr.Scope != "api://legacy/Read" {
		t.Fatalf("token response %+v: want a refresh token and scope api://legacy/Read", tr)
	}
	h, c := payload(t, tr.AccessToken)
	if c["iss"] != f.s.IssuerV1(DefaultTenant) || c["aud"] != "api://legacy" || c["appid"] != f.client.ClientID || h["x5t"] == nil {
		t.Errorf("v1 token %v %v", h, c)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {f.client.ClientID}, "refresh_token": {tr.RefreshToken}}
	again, err := f.s.PostToken(ctx, DefaultTenant, refresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, c := payload(t, again.AccessToken); c["scp"] != "Read" || c["aud"] != "api://legacy" {
		t.Errorf("refreshed token %v", c)
	}
	if _, err := f.s.PostToken(ctx, DefaultTenant, refresh); aadCode(err) != 70008 {
		t.Errorf("reused refresh token: %v", err)
	}
}
