package devauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
)

const (
	verifier  = "dBjftJeZ4CVP-mJ0ZNgOD4S4Y7kU3yN3ZbSp3GMPcxzLpb0jLzMuBWcOyBwZ7wX"
	redirect  = "http://127.0.0.1:9999/callback"
	readScope = "pets:read"
	writeScp  = "pets:write"
)

func challenge(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// testServer runs a Server behind an httptest server whose URL is the
// issuer's origin.
type testServer struct {
	*Server
	ts       *httptest.Server
	resource string
}

func newTestServer(t *testing.T, mutate func(*Options)) *testServer {
	t.Helper()
	tsrv := &testServer{}
	var h http.Handler
	tsrv.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(tsrv.ts.Close)
	tsrv.resource = tsrv.ts.URL + "/mcp/pets"
	opts := Options{
		Issuer: tsrv.ts.URL + Path,
		Resources: func() []Resource {
			return []Resource{{URL: tsrv.resource, Name: "pets", Scopes: []Scope{
				{Name: readScope, Tools: []string{"getPet", "listPets"}},
				{Name: writeScp, Tools: []string{"createPet"}},
			}}}
		},
		Users: []User{{Name: "alice", Scopes: []string{readScope}}},
	}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tsrv.Server = s
	h = s.Handler()
	return tsrv
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (ts *testServer) register(t *testing.T, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(ts.issuer+"/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register %s: HTTP %d %v", body, resp.StatusCode, out)
	}
	return out
}

func (ts *testServer) publicClient(t *testing.T, grants ...string) string {
	t.Helper()
	if grants == nil {
		grants = []string{"authorization_code"}
	}
	g, _ := json.Marshal(grants)
	return ts.register(t, fmt.Sprintf(`{"client_name":"Test Client","redirect_uris":[%q],"token_endpoint_auth_method":"none","grant_types":%s}`, redirect, g))["client_id"].(string)
}

func authorizeQuery(clientID, scope string, extra url.Values) url.Values {
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "scope": {scope},
		"state": {"state-0123456789"}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

// authorize GETs the authorization endpoint (with the cookies of jar)
// and returns the response.
func (ts *testServer) authorize(t *testing.T, c *http.Client, q url.Values) *http.Response {
	t.Helper()
	resp, err := c.Get(ts.issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// redirected returns the query of the redirect to the client.
func redirected(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	loc, err := resp.Location()
	if err != nil {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("HTTP %d, want a redirect: %s", resp.StatusCode, b)
	}
	if !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("redirected to %s, want %s", loc, redirect)
	}
	return loc.Query()
}

func (ts *testServer) token(t *testing.T, form url.Values, basic ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// claims verifies an access token against the JWKS and returns its header
// typ and claims.
func (ts *testServer) claims(t *testing.T, token string) (string, map[string]any) {
	t.Helper()
	resp, err := http.Get(ts.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	tok, err := josejwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in the JWKS", tok.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature: %v", err)
	}
	typ, _ := tok.Headers[0].ExtraHeaders["typ"].(string)
	return typ, claims
}

func TestNewRefusesNonLoopbackIssuer(t *testing.T) {
	for _, iss := range []string{"https://gw.example.com/dev-as", "http://0.0.0.0:8080/dev-as", "http://192.168.1.2:8080/dev-as", "http://127.0.0.1:8080/as"} {
		_, err := New(Options{Issuer: iss, Resources: func() []Resource { return nil }})
		if err == nil {
			t.Errorf("New(%s) succeeded, want a refusal", iss)
		}
	}
}

func TestMetadata(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, p := range []string{"/.well-known/oauth-authorization-server/dev-as", "/.well-known/openid-configuration/dev-as", "/dev-as/.well-known/openid-configuration"} {
		resp, err := http.Get(ts.ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		var md map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&md)
		resp.Body.Close()
		if md["issuer"] != ts.issuer || fmt.Sprint(md["code_challenge_methods_supported"]) != "[S256]" || md["registration_endpoint"] != ts.issuer+"/register" ||
			md["client_id_metadata_document_supported"] != true {
			t.Errorf("%s: %v", p, md)
		}
	}
}

func TestCORS(t *testing.T) {
	ts := newTestServer(t, nil)
	req, _ := http.NewRequest(http.MethodOptions, ts.issuer+"/token", nil)
	req.Header.Set("Origin", "http://localhost:6274")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight of /token: HTTP %d %v", resp.StatusCode, resp.Header)
	}
	req, _ = http.NewRequest(http.MethodGet, ts.issuer+"/authorize", nil)
	req.Header.Set("Origin", "http://localhost:6274")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("the authorization endpoint answers CORS requests")
	}
}

func TestRegistrationRefusals(t *testing.T) {
	ts := newTestServer(t, nil)
	tests := []struct{ body, want string }{
		{`{"redirect_uris":["http://example.com/cb"],"token_endpoint_auth_method":"none"}`, "invalid_redirect_uri"},
		{`{"redirect_uris":["myapp:/cb"],"token_endpoint_auth_method":"none"}`, "invalid_redirect_uri"},
		{`{"redirect_uris":["http://10.0.0.1/cb"],"token_endpoint_auth_method":"none"}`, "invalid_redirect_uri"},
		{`{"redirect_uris":["https://app.example/cb#x"],"token_endpoint_auth_method":"none"}`, "invalid_redirect_uri"},
		{`{"token_endpoint_auth_method":"none"}`, "invalid_redirect_uri"},
		{`{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, "invalid_client_metadata"},
		{`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}`, "invalid_client_metadata"},
		{`{"redirect_uris":["https://app.example/cb"],"grant_types":["implicit"]}`, "invalid_client_metadata"},
		{`{"redirect_uris":["https://app.example/cb"],"response_types":["token"]}`, "invalid_client_metadata"},
		{`not json`, "invalid_client_metadata"},
	}
	for _, tc := range tests {
		resp, err := http.Post(ts.issuer+"/register", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tc.want) {
			t.Errorf("register %s: HTTP %d %s, want 400 %s", tc.body, resp.StatusCode, b, tc.want)
		}
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.AutoConsent = true })
	id := ts.publicClient(t, "authorization_code", "refresh_token")
	q := redirected(t, ts.authorize(t, noRedirect(), authorizeQuery(id, readScope+" "+writeScp, url.Values{"resource": {ts.resource}})))
	if q.Get("state") != "state-0123456789" || q.Get("code") == "" {
		t.Fatalf("redirect query %v, want the state and a code", q)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {redirect}, "client_id": {id}, "resource": {ts.resource}}

	bad := cloneValues(form)
	bad.Set("code_verifier", strings.Repeat("x", 43))
	if status, out := ts.token(t, bad); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Errorf("wrong code_verifier: HTTP %d %v, want invalid_grant", status, out)
	}
	// The failed attempt burnt that code's PKCE data; start again.
	q = redirected(t, ts.authorize(t, noRedirect(), authorizeQuery(id, readScope+" "+writeScp, url.Values{"resource": {ts.resource}})))
	form.Set("code", q.Get("code"))
	form.Set("code_verifier", verifier)
	status, out := ts.token(t, form)
	if status != http.StatusOK {
		t.Fatalf("token: HTTP %d %v", status, out)
	}
	typ, claims := ts.claims(t, out["access_token"].(string))
	if typ != "at+jwt" {
		t.Errorf("typ = %q, want at+jwt", typ)
	}
	if claims["iss"] != ts.issuer || claims["sub"] != DefaultUser || claims["client_id"] != id || claims["scope"] != readScope+" "+writeScp ||
		fmt.Sprint(claims["aud"]) != "["+ts.resource+"]" || claims["jti"] == nil || claims["exp"] == nil {
		t.Errorf("claims = %v", claims)
	}
	rt, _ := out["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token for a client with the refresh_token grant: %v", out)
	}
	status, out = ts.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}})
	if status != http.StatusOK {
		t.Fatalf("refresh: HTTP %d %v", status, out)
	}
	if _, c := ts.claims(t, out["access_token"].(string)); c["sub"] != DefaultUser || fmt.Sprint(c["aud"]) != "["+ts.resource+"]" {
		t.Errorf("refreshed claims = %v", c)
	}
	// Replaying the code fails, and revokes what it gave (RFC 6749 §4.1.2).
	if status, _ := ts.token(t, form); status == http.StatusOK {
		t.Error("the authorization code was accepted twice")
	}
	if status, _ := ts.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {out["refresh_token"].(string)}, "client_id": {id}}); status == http.StatusOK {
		t.Error("refresh token still valid after the code was replayed")
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func TestAuthorizeRefusals(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.AutoConsent = true })
	id := ts.publicClient(t)
	tests := []struct {
		name  string
		extra url.Values
		del   string
		want  string
	}{
		{"plain PKCE", url.Values{"code_challenge_method": {"plain"}}, "", "invalid_request"},
		{"no PKCE method", nil, "code_challenge_method", "invalid_request"},
		{"no PKCE", nil, "code_challenge", "invalid_request"},
		{"another resource", url.Values{"resource": {"https://elsewhere.example/mcp"}}, "", "invalid_target"},
		{"unknown scope", url.Values{"scope": {"admin"}}, "", "invalid_scope"},
		{"implicit flow", url.Values{"response_type": {"token"}}, "", "unsupported_response_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeQuery(id, readScope, tc.extra)
			if tc.del != "" {
				q.Del(tc.del)
			}
			resp := ts.authorize(t, noRedirect(), q)
			loc, err := resp.Location()
			if err != nil {
				t.Fatalf("HTTP %d, want a redirect with an error", resp.StatusCode)
			}
			got := loc.Query()
			if got.Get("code") != "" || (got.Get("error") != tc.want && !strings.Contains(loc.Fragment, tc.want)) {
				t.Errorf("redirect %s, want error %s and no code", loc, tc.want)
			}
		})
	}
	t.Run("unregistered redirect URI", func(t *testing.T) {
		q := authorizeQuery(id, readScope, url.Values{"redirect_uri": {"http://127.0.0.1:9999/other"}})
		resp := ts.authorize(t, noRedirect(), q)
		if loc, _ := resp.Location(); loc != nil && strings.HasPrefix(loc.String(), "http://127.0.0.1:9999/other") {
			t.Errorf("redirected to an unregistered URI: %s", loc)
		}
	})
	t.Run("unknown client", func(t *testing.T) {
		resp := ts.authorize(t, noRedirect(), authorizeQuery("nobody", readScope, nil))
		if resp.StatusCode < 400 {
			t.Errorf("unknown client: HTTP %d, want an error page", resp.StatusCode)
		}
	})
}

func TestConsentPage(t *testing.T) {
	ts := newTestServer(t, nil)
	id := ts.publicClient(t)
	jar := newJar()
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	page := func(q url.Values) (string, url.Values) {
		t.Helper()
		resp := ts.authorize(t, c, q)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("consent page: HTTP %d %s", resp.StatusCode, b)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("consent page may be framed: %v", resp.Header)
		}
		form := url.Values{}
		for _, m := range regexp.MustCompile(`name="(\w+)" value="([^"]*)"`).FindAllStringSubmatch(string(b), -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		return string(b), form
	}
	post := func(form url.Values) *http.Response {
		t.Helper()
		resp, err := c.PostForm(ts.issuer+"/consent", form)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	body, form := page(authorizeQuery(id, readScope, nil))
	for _, want := range []string{"Test Client", "pets:read", "getPet", "listPets", "Development authorization server"} {
		if !strings.Contains(body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if strings.Contains(body, "createPet") {
		t.Error("consent page lists createPet, which pets:read does not unlock")
	}

	forged := cloneValues(form)
	forged.Set("csrf", "forged")
	if resp := post(forged); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF token: HTTP %d, want 403", resp.StatusCode)
	}
	otherScope := cloneValues(form)
	otherScope.Set("q", authorizeQuery(id, readScope+" "+writeScp, nil).Encode())
	if resp := post(otherScope); resp.StatusCode != http.StatusForbidden {
		t.Errorf("CSRF token reused for another request: HTTP %d, want 403", resp.StatusCode)
	}
	form.Set("action", "allow")
	if q := redirected(t, post(form)); q.Get("code") == "" {
		t.Fatalf("allow: %v, want a code", q)
	}

	// Step-up: the page shows only the new scope, and what it unlocks.
	body, form = page(authorizeQuery(id, readScope+" "+writeScp, nil))
	if !strings.Contains(body, "Additional permissions requested") || !strings.Contains(body, "createPet") || !strings.Contains(body, "Allowed earlier") {
		t.Errorf("step-up page does not separate the new scope:\n%s", body)
	}
	form.Set("action", "deny")
	if q := redirected(t, post(form)); q.Get("error") != "access_denied" {
		t.Errorf("deny: %v, want access_denied", q)
	}

	// Already consented: no page.
	if q := redirected(t, ts.authorize(t, c, authorizeQuery(id, readScope, nil))); q.Get("code") == "" {
		t.Errorf("consented scopes asked again: %v", q)
	}

	// alice may never get pets:write: the page says so.
	body, _ = page(authorizeQuery(id, readScope+" "+writeScp, url.Values{userParam: {"alice"}}))
	if !strings.Contains(body, "Not available to alice") || !strings.Contains(body, "alice may never get this scope") {
		t.Errorf("page for alice does not explain the missing scope:\n%s", body)
	}
}

func TestUserWhoMayNotHaveAScope(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.AutoConsent, o.AutoUser = true, "alice" })
	id := ts.publicClient(t)
	q := redirected(t, ts.authorize(t, noRedirect(), authorizeQuery(id, readScope+" "+writeScp, nil)))
	status, out := ts.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {redirect}, "client_id": {id}, "code_verifier": {verifier}})
	if status != http.StatusOK {
		t.Fatalf("token: HTTP %d %v", status, out)
	}
	if _, c := ts.claims(t, out["access_token"].(string)); c["scope"] != readScope || c["sub"] != "alice" {
		t.Errorf("alice's claims = %v, want only pets:read", c)
	}
	// Step-up for a scope alice may never have: denied, saying why.
	q = redirected(t, ts.authorize(t, noRedirect(), authorizeQuery(id, readScope+" "+writeScp, nil)))
	if q.Get("error") != "access_denied" || !strings.Contains(q.Get("error_description"), "alice may never be granted pets:write") {
		t.Errorf("step-up for alice: %v, want access_denied naming the scope", q)
	}
}

// TestVSCodeLikeClient registers the way VS Code does (port-less
// loopback and vscode.dev redirect URIs, unknown extra metadata) and is
// redirected to the loopback port it listens on (RFC 8252 §7.3).
func TestVSCodeLikeClient(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.AutoConsent = true })
	reg := ts.register(t, `{"client_name":"Visual Studio Code","client_uri":"https://code.visualstudio.com","grant_types":["authorization_code","refresh_token"],`+
		`"response_types":["code"],"token_endpoint_auth_method":"none","redirect_uris":["https://vscode.dev/redirect","http://127.0.0.1/","http://localhost/"]}`)
	q := authorizeQuery(reg["client_id"].(string), readScope, url.Values{"redirect_uri": {"http://127.0.0.1:33418/"}})
	resp := ts.authorize(t, noRedirect(), q)
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), "http://127.0.0.1:33418/?code=") {
		t.Errorf("redirect %v (%v), want the code at http://127.0.0.1:33418/", loc, err)
	}
}

func TestClientCredentials(t *testing.T) {
	ts := newTestServer(t, nil)
	reg := ts.register(t, `{"client_name":"script","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"}`)
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	status, out := ts.token(t, url.Values{"grant_type": {"client_credentials"}, "scope": {readScope}}, id, secret)
	if status != http.StatusOK {
		t.Fatalf("client credentials: HTTP %d %v", status, out)
	}
	if _, c := ts.claims(t, out["access_token"].(string)); c["sub"] != id || c["client_id"] != id || fmt.Sprint(c["aud"]) != "["+ts.resource+"]" {
		t.Errorf("claims = %v (the only resource is the default audience)", c)
	}
	if status, out := ts.token(t, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://elsewhere.example/mcp"}}, id, secret); status != http.StatusBadRequest || out["error"] != "invalid_target" {
		t.Errorf("another resource: HTTP %d %v, want invalid_target", status, out)
	}
	if status, _ := ts.token(t, url.Values{"grant_type": {"client_credentials"}}, id, "wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong secret: HTTP %d, want 401", status)
	}
}

func TestTokenExchange(t *testing.T) {
	const upstream = "https://upstream.example/api"
	ts := newTestServer(t, func(o *Options) {
		o.AutoConsent = true
		o.Clients = []Client{{ID: "gateway", Secret: "gateway-secret", Audiences: []string{upstream}}}
	})
	id := ts.publicClient(t)
	q := redirected(t, ts.authorize(t, noRedirect(), authorizeQuery(id, readScope, nil)))
	_, out := ts.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {redirect}, "client_id": {id}, "code_verifier": {verifier}})
	subject, _ := out["access_token"].(string)
	if subject == "" {
		t.Fatalf("no user token: %v", out)
	}
	exchange := func(subjectToken, audience, scope string, creds ...string) (int, map[string]any) {
		return ts.token(t, url.Values{"grant_type": {grantTokenExchange}, "subject_token": {subjectToken},
			"subject_token_type": {tokenTypeAccessToken}, "audience": {audience}, "scope": {scope}}, creds...)
	}
	status, out := exchange(subject, upstream, readScope, "gateway", "gateway-secret")
	if status != http.StatusOK || out["issued_token_type"] != tokenTypeAccessToken {
		t.Fatalf("exchange: HTTP %d %v", status, out)
	}
	_, c := ts.claims(t, out["access_token"].(string))
	act, _ := c["act"].(map[string]any)
	if c["sub"] != DefaultUser || fmt.Sprint(c["aud"]) != "["+upstream+"]" || c["scope"] != readScope || act["sub"] != "gateway" {
		t.Errorf("exchanged claims = %v", c)
	}
	tests := []struct {
		name, token, audience string
		creds                 []string
		want                  string
	}{
		{"forged subject token", subject[:len(subject)-4] + "AAAA", upstream, []string{"gateway", "gateway-secret"}, "invalid_grant"},
		{"audience not allowed", subject, "https://other.example", []string{"gateway", "gateway-secret"}, "invalid_target"},
		{"public client", subject, upstream, nil, "invalid_client"},
	}
	for _, tc := range tests {
		form := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {tc.token}, "subject_token_type": {tokenTypeAccessToken}, "audience": {tc.audience}}
		if tc.creds == nil {
			form.Set("client_id", id)
		}
		status, out := ts.token(t, form, tc.creds...)
		if status < 400 || out["error"] != tc.want {
			t.Errorf("%s: HTTP %d %v, want %s", tc.name, status, out, tc.want)
		}
	}
}

func TestClientIDMetadataDocument(t *testing.T) {
	var docURL string
	doc := func(clientID string) string {
		return fmt.Sprintf(`{"client_id":%q,"client_name":"CIMD Client","redirect_uris":[%q],"token_endpoint_auth_method":"none"}`, clientID, redirect)
	}
	meta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/client.json":
			fmt.Fprint(w, doc(docURL))
		case "/mismatch.json":
			fmt.Fprint(w, doc("https://someone-else.example/client.json"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer meta.Close()
	docURL = meta.URL + "/client.json"

	ts := newTestServer(t, func(o *Options) { o.AutoConsent, o.AllowLoopbackClientIDs = true, true })
	q := redirected(t, ts.authorize(t, noRedirect(), authorizeQuery(docURL, readScope, nil)))
	if q.Get("code") == "" {
		t.Fatalf("metadata-document client: %v, want a code", q)
	}
	for _, bad := range []string{meta.URL + "/mismatch.json", meta.URL + "/missing.json"} {
		resp := ts.authorize(t, noRedirect(), authorizeQuery(bad, readScope, nil))
		if resp.StatusCode < 400 {
			t.Errorf("client %s: HTTP %d, want an error page", bad, resp.StatusCode)
		}
	}
	// Without the development exception, loopback http client IDs are
	// not fetched.
	strict := newTestServer(t, func(o *Options) { o.AutoConsent = true })
	if resp := strict.authorize(t, noRedirect(), authorizeQuery(docURL, readScope, nil)); resp.StatusCode < 400 {
		t.Errorf("loopback client ID without AllowLoopbackClientIDs: HTTP %d, want an error page", resp.StatusCode)
	}
}

func TestDataDirKeepsKeyAndClients(t *testing.T) {
	dir := t.TempDir()
	first := newTestServer(t, func(o *Options) { o.DataDir = dir })
	id := first.publicClient(t)
	kid := first.kid
	again, err := New(Options{Issuer: first.issuer, Resources: first.resources, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if again.kid != kid {
		t.Errorf("key id %s after restart, want %s", again.kid, kid)
	}
	if _, err := again.store.GetClient(t.Context(), id); err != nil {
		t.Errorf("registered client forgotten after restart: %v", err)
	}
}

// jar is a minimal cookie jar (net/http/cookiejar would do; this keeps
// cookies per path prefix only, which is all the tests need).
type jar struct{ cookies map[string]*http.Cookie }

func newJar() *jar { return &jar{cookies: map[string]*http.Cookie{}} }

func (j *jar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	for _, c := range cs {
		j.cookies[c.Name] = c
	}
}

func (j *jar) Cookies(u *url.URL) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range j.cookies {
		if strings.HasPrefix(u.Path, c.Path) {
			out = append(out, c)
		}
	}
	return out
}
