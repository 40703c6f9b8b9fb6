package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/store/sqlite"
)

// testAS is an oidctest issuer with an authorization-code token endpoint:
// the test plays the authorization endpoint (authorize), the gateway
// redeems the code with its PKCE verifier.
type testAS struct {
	*oidctest.Server
	t     *testing.T
	mu    sync.Mutex
	codes map[string]grant
}

// grant is what an authorization code stands for.
type grant struct {
	challenge, nonce, redirect string
	claims                     oidctest.Claims
}

const (
	adminClientID     = "rest2mcp-ui"
	adminClientSecret = "ui-secret"
)

func newTestAS(t *testing.T) *testAS {
	a := &testAS{t: t, codes: map[string]grant{}}
	a.Server = oidctest.New(t, &oidctest.Options{ClientID: adminClientID, ClientSecret: adminClientSecret, TokenHandler: a.token})
	return a
}

func (a *testAS) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret, _ := r.BasicAuth()
	if id == "" {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"`+code+`"}`)
	}
	if id != adminClientID || secret != adminClientSecret {
		fail("invalid_client")
		return
	}
	a.mu.Lock()
	g, ok := a.codes[r.PostForm.Get("code")]
	delete(a.codes, r.PostForm.Get("code"))
	a.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirect ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		fail("invalid_grant")
		return
	}
	claims := oidctest.Claims{"iss": a.Issuer(), "sub": "alice", "aud": adminClientID, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(), "nonce": g.nonce, "email": "alice@example.com", "roles": []string{"rest2mcp-admin"}}
	for k, v := range g.claims {
		if v == nil {
			delete(claims, k)
			continue
		}
		claims[k] = v
	}
	idt := a.Mint(a.t, claims, oidctest.WithTyp("JWT"))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idt})
}

// authorize checks the authorization request the gateway redirected to
// and returns a code for it; edit changes the grant (nil: as asked).
func (a *testAS) authorize(t *testing.T, location string, edit func(*grant)) (code, state string) {
	t.Helper()
	u, err := neturl.Parse(location)
	if err != nil || !strings.HasPrefix(location, a.Issuer()+"/authorize?") {
		t.Fatalf("redirect to %q, want the AS's authorization endpoint", location)
	}
	q := u.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": adminClientID, "code_challenge_method": "S256"} {
		if q.Get(k) != want {
			t.Errorf("authorization request %s = %q, want %q", k, q.Get(k), want)
		}
	}
	if len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("nonce") == "" || !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		t.Errorf("authorization request lacks PKCE, state, nonce or openid: %s", u.RawQuery)
	}
	g := grant{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri")}
	if edit != nil {
		edit(&g)
	}
	code = "code-" + randomString()[:8]
	a.mu.Lock()
	a.codes[code] = g
	a.mu.Unlock()
	return code, q.Get("state")
}

// signInEnv is a gateway whose UI needs OIDC sign-in, with a browser-like
// client (cookie jar, redirects not followed).
type signInEnv struct {
	g      *Gateway
	url    string
	as     *testAS
	jar    *cookiejar.Jar
	client *http.Client
	audit  *lockedBuffer
	clock  *testClock
}

type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func newSignInEnv(t *testing.T, token string, opts ...func(*RegistryOptions)) *signInEnv {
	t.Helper()
	as := newTestAS(t)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "registry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewUnstartedServer(nil)
	cfg := &config.Config{
		Listen: srv.Listener.Addr().String(), PublicURL: "http://" + srv.Listener.Addr().String(), CacheDir: "off", Store: "registry.db",
		Admin: &config.Admin{OIDC: &config.AdminOIDC{
			Issuer: as.Issuer(), ClientID: adminClientID, ClientSecret: &authbridge.Secret{FromEnv: "UI_SECRET"},
			Scopes: []string{"email"}, RoleValue: "rest2mcp-admin",
		}},
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	audit := &lockedBuffer{}
	env := func(k string) (string, bool) { return adminClientSecret, k == "UI_SECRET" }
	ro := &RegistryOptions{Store: st, AdminToken: token}
	for _, o := range opts {
		o(ro)
	}
	g, err := New(t.Context(), Options{Config: cfg, LookupEnv: env, Registry: ro, AuditLogger: slog.New(slog.NewTextHandler(audit, nil))})
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{}
	g.reg.signin.now = clock.now
	srv.Config.Handler = g.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	e := &signInEnv{g: g, url: srv.URL, as: as, audit: audit, clock: clock}
	e.newBrowser()
	return e
}

// newBrowser starts over with an empty cookie jar.
func (e *signInEnv) newBrowser() {
	e.jar, _ = cookiejar.New(nil)
	e.client = &http.Client{Jar: e.jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *signInEnv) do(t *testing.T, method, path, ctype string, body io.Reader, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (e *signInEnv) form(t *testing.T, path string, v neturl.Values) answer {
	t.Helper()
	return e.do(t, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
}

func (e *signInEnv) multipart(t *testing.T, path string, fields map[string]string, spec []byte, hdr map[string]string) answer {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("spec", "openapi.yaml")
	fw.Write(spec)
	mw.Close()
	return e.do(t, "POST", path, mw.FormDataContentType(), &b, hdr)
}

// signIn runs the whole code + PKCE flow from /signin?next=next; edit
// changes what the AS grants. It returns the callback's answer.
func (e *signInEnv) signIn(t *testing.T, next string, edit func(*grant)) answer {
	t.Helper()
	a := e.do(t, "GET", "/signin?next="+neturl.QueryEscape(next), "", nil, nil)
	wantStatus(t, "sign-in", a, http.StatusFound)
	code, state := e.as.authorize(t, a.header.Get("Location"), edit)
	return e.do(t, "GET", "/signin/callback?code="+code+"&state="+neturl.QueryEscape(state), "", nil, nil)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token from the APIs page.
func (e *signInEnv) csrf(t *testing.T) string {
	t.Helper()
	a := e.do(t, "GET", "/", "", nil, nil)
	wantStatus(t, "APIs page", a, http.StatusOK)
	m := csrfRE.FindStringSubmatch(a.raw)
	if m == nil {
		t.Fatalf("no CSRF field on the APIs page: %s", a.raw)
	}
	return m[1]
}

func (e *signInEnv) cookie(name string) *http.Cookie {
	u, _ := neturl.Parse(e.url)
	for _, c := range e.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setCookieHeader finds the Set-Cookie of name in a.
func setCookie(a answer, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestAdminSignIn(t *testing.T) {
	e := newSignInEnv(t, "0123456789abcdef-token")
	spec := petstore(t)

	// Not signed in: pages redirect to the sign-in, which redirects to the
	// AS; the admin API answers 401.
	a := e.do(t, "GET", "/apis/pets", "", nil, nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/signin?next=%2Fapis%2Fpets" {
		t.Fatalf("unsigned page: %d %q", a.status, a.header.Get("Location"))
	}
	wantStatus(t, "unsigned admin API", e.do(t, "GET", "/admin/api/apis", "", nil, nil), http.StatusUnauthorized)
	wantStatus(t, "unsigned UI post", e.multipart(t, "/upload", map[string]string{"name": "pets"}, spec, nil), http.StatusForbidden)

	// The code + PKCE flow: the session cookie is HttpOnly, SameSite=Lax,
	// Path=/ (no __Host- prefix on plain-http loopback).
	a = e.signIn(t, "/upload", nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/upload" {
		t.Fatalf("callback: %d %q %s", a.status, a.header.Get("Location"), a.raw)
	}
	c := setCookie(a, "rest2mcp-admin")
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != int((8*time.Hour).Seconds()) {
		t.Fatalf("session cookie: %+v", c)
	}
	if f := setCookie(a, "rest2mcp-signin"); f == nil || f.MaxAge >= 0 {
		t.Errorf("the flow cookie is not deleted: %+v", f)
	}
	page := e.do(t, "GET", "/upload", "", nil, nil)
	if page.status != 200 || !strings.Contains(page.raw, "Signed in as alice@example.com") || !strings.Contains(page.raw, `action="/signout"`) {
		t.Fatalf("signed-in page: %d %s", page.status, page.raw)
	}
	csrf := e.csrf(t)

	// UI changes need the form's CSRF token.
	a = e.multipart(t, "/upload", map[string]string{"name": "pets", "upstream": "http://127.0.0.1:1"}, spec, nil)
	if a.status != http.StatusForbidden || !strings.Contains(a.raw, "CSRF") {
		t.Fatalf("UI upload without CSRF token: %d %s", a.status, a.raw)
	}
	a = e.multipart(t, "/upload", map[string]string{"name": "pets", "upstream": "http://127.0.0.1:1", "csrf": "x" + csrf}, spec, nil)
	wantStatus(t, "UI upload with a wrong CSRF token", a, http.StatusForbidden)
	a = e.multipart(t, "/upload", map[string]string{"name": "pets", "upstream": "http://127.0.0.1:1", "csrf": csrf}, spec, nil)
	wantStatus(t, "UI upload with the CSRF token", a, http.StatusSeeOther)
	a = e.form(t, "/apis/pets/settings", neturl.Values{"upstream": {"http://127.0.0.1:2"}, "version": {"1"}})
	wantStatus(t, "UI settings without CSRF token", a, http.StatusForbidden)
	a = e.form(t, "/apis/pets/settings", neturl.Values{"upstream": {"http://127.0.0.1:2"}, "version": {"1"}, "csrf": {csrf}})
	wantStatus(t, "UI settings with the CSRF token", a, http.StatusSeeOther)

	// Unreadable forms are refused before their token is looked at.
	wantStatus(t, "UI post with a broken form", e.do(t, "POST", "/apis/pets/settings", "multipart/form-data; boundary=x", strings.NewReader("garbage"), nil), http.StatusBadRequest)

	// The admin API with the session: reads need no CSRF token, changes
	// need the X-CSRF-Token header.
	wantStatus(t, "admin API read with the session", e.do(t, "GET", "/admin/api/apis", "", nil, nil), http.StatusOK)
	patch := func(hdr map[string]string) answer {
		return e.do(t, "PATCH", "/admin/api/apis/pets", "application/json", strings.NewReader(`{"toolPrefix":"p_"}`), hdr)
	}
	a = patch(nil)
	if a.status != http.StatusForbidden || !strings.Contains(a.raw, "X-CSRF-Token") {
		t.Fatalf("admin API change without CSRF header: %d %s", a.status, a.raw)
	}
	wantStatus(t, "admin API change with a wrong CSRF header", patch(map[string]string{"X-CSRF-Token": "nope"}), http.StatusForbidden)
	wantStatus(t, "admin API change with the CSRF header", patch(map[string]string{"X-CSRF-Token": csrf}), http.StatusOK)
	// Cross-origin posts are refused before any token is looked at.
	wantStatus(t, "cross-origin UI post", e.do(t, "POST", "/apis/pets/delete", "application/x-www-form-urlencoded", strings.NewReader("csrf="+csrf), map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}), http.StatusForbidden)

	// Every change is audited with the signed-in subject.
	if log := waitAudit(e.audit, func(log string) bool {
		return strings.Count(log, `msg="registry change"`) == 3 && strings.Count(log, "admin=oidc:alice") == 4 && strings.Contains(log, `msg="admin signed in"`)
	}); log != "" {
		t.Errorf("audit log lacks the admin: %s", log)
	}

	// The static admin token still works (automation), and a wrong one is
	// refused even with a session.
	wantStatus(t, "admin token", e.do(t, "GET", "/admin/api/apis", "", nil, map[string]string{"Authorization": "Bearer 0123456789abcdef-token"}), http.StatusOK)
	wantStatus(t, "wrong admin token", e.do(t, "GET", "/admin/api/apis", "", nil, map[string]string{"Authorization": "Bearer wrong"}), http.StatusUnauthorized)
	wantStatus(t, "change with the admin token, no CSRF needed", patch(map[string]string{"Authorization": "Bearer 0123456789abcdef-token"}), http.StatusOK)
	if log := waitAudit(e.audit, func(log string) bool { return strings.Contains(log, "admin=admin-token") }); log != "" {
		t.Errorf("a change with the admin token is not audited as such: %s", log)
	}

	// A tampered cookie is refused.
	good := e.cookie("rest2mcp-admin")
	payload, sig, _ := strings.Cut(good.Value, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forged := base64.RawURLEncoding.EncodeToString(bytes.Replace(raw, []byte(`"alice"`), []byte(`"mallory"`), 1)) + "." + sig
	for name, v := range map[string]string{"forged payload": forged, "no signature": payload, "garbage": "%%%", "flow cookie as session": e.g.reg.signin.sign(purposeFlow, adminSession{ID: "x", Subject: "alice", Expires: time.Now().Add(time.Hour).Unix()})} {
		e.newBrowser()
		u, _ := neturl.Parse(e.url)
		e.jar.SetCookies(u, []*http.Cookie{{Name: "rest2mcp-admin", Value: v}})
		if a := e.do(t, "GET", "/", "", nil, nil); a.status != http.StatusSeeOther {
			t.Errorf("%s: UI %d, want a redirect to the sign-in", name, a.status)
		}
		if a := e.do(t, "GET", "/admin/api/apis", "", nil, nil); a.status != http.StatusUnauthorized {
			t.Errorf("%s: admin API %d, want 401", name, a.status)
		}
	}

	// Sign-out needs the CSRF token, deletes the cookie and revokes the
	// session: the old cookie no longer works.
	e.newBrowser()
	u, _ := neturl.Parse(e.url)
	e.jar.SetCookies(u, []*http.Cookie{good})
	wantStatus(t, "sign-out without CSRF", e.form(t, "/signout", nil), http.StatusForbidden)
	a = e.form(t, "/signout", neturl.Values{"csrf": {csrf}})
	if a.status != 200 || !strings.Contains(a.raw, "signed out") {
		t.Fatalf("sign-out: %d %s", a.status, a.raw)
	}
	if c := setCookie(a, "rest2mcp-admin"); c == nil || c.MaxAge >= 0 {
		t.Errorf("sign-out does not delete the cookie: %+v", c)
	}
	e.jar.SetCookies(u, []*http.Cookie{good})
	if a := e.do(t, "GET", "/", "", nil, nil); a.status != http.StatusSeeOther {
		t.Errorf("the signed-out session still works: %d", a.status)
	}
	if log := waitAudit(e.audit, func(log string) bool { return strings.Contains(log, `msg="admin signed out"`) }); log != "" {
		t.Errorf("sign-out not audited: %s", log)
	}
}

// TestAdminSignInFormTooLarge: a form larger than the upload limit is
// refused with 413 before its token is looked at, and nothing is stored.
func TestAdminSignInFormTooLarge(t *testing.T) {
	e := newSignInEnv(t, "", func(o *RegistryOptions) { o.MaxSpecBytes = 1024 })
	if a := e.signIn(t, "/", nil); a.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", a.status, a.raw)
	}
	a := e.multipart(t, "/upload", map[string]string{"name": "big", "csrf": e.csrf(t)}, bytes.Repeat([]byte("x"), 3<<20), nil)
	if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.raw, "larger than 1 KiB") {
		t.Fatalf("too large: %d %s", a.status, a.raw)
	}
	wantStatus(t, "nothing stored", e.do(t, "GET", "/admin/api/apis/big", "", nil, nil), http.StatusNotFound)
}

func TestAdminSessionExpires(t *testing.T) {
	e := newSignInEnv(t, "")
	if a := e.signIn(t, "/", nil); a.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", a.status, a.raw)
	}
	wantStatus(t, "fresh session", e.do(t, "GET", "/", "", nil, nil), http.StatusOK)
	e.clock.offset.Store(int64(8*time.Hour + time.Second))
	wantStatus(t, "expired session", e.do(t, "GET", "/", "", nil, nil), http.StatusSeeOther)
	wantStatus(t, "expired session, admin API", e.do(t, "GET", "/admin/api/apis", "", nil, nil), http.StatusUnauthorized)
}

// TestAdminSignInRefusals: every way a sign-in can go wrong ends with a
// clear page and no session.
func TestAdminSignInRefusals(t *testing.T) {
	e := newSignInEnv(t, "")
	for _, tc := range []struct {
		name   string
		edit   func(*grant)
		status int
		want   string
	}{
		{"no admin role", func(g *grant) { g.claims = oidctest.Claims{"roles": []string{"reader"}} }, 403, "not an admin of this registry"},
		{"no role claim", func(g *grant) { g.claims = oidctest.Claims{"roles": nil} }, 403, "not an admin of this registry"},
		{"role as a space-separated string", func(g *grant) { g.claims = oidctest.Claims{"roles": "reader rest2mcp-admin"} }, 303, ""},
		{"nonce mismatch", func(g *grant) { g.nonce = "other" }, 403, "nonce mismatch"},
		{"ID token for another client", func(g *grant) { g.claims = oidctest.Claims{"aud": "someone-else"} }, 403, "could not be verified"},
		{"expired ID token", func(g *grant) { g.claims = oidctest.Claims{"exp": time.Now().Add(-time.Hour).Unix()} }, 403, "could not be verified"},
		{"ID token of another issuer", func(g *grant) { g.claims = oidctest.Claims{"iss": "https://evil.example"} }, 403, "could not be verified"},
		{"PKCE verifier does not match", func(g *grant) { g.challenge = "x" + g.challenge[1:] }, 502, "did not redeem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.newBrowser()
			a := e.signIn(t, "/", tc.edit)
			if a.status != tc.status || !strings.Contains(a.raw, tc.want) {
				t.Fatalf("%d %s; want %d %q", a.status, a.raw, tc.status, tc.want)
			}
			if tc.status != 303 && setCookie(a, "rest2mcp-admin") != nil {
				t.Error("a refused sign-in set a session cookie")
			}
		})
	}

	// Callback problems that never reach the AS's token endpoint.
	start := func(t *testing.T) (code, state string) {
		e.newBrowser()
		a := e.do(t, "GET", "/signin", "", nil, nil)
		return e.as.authorize(t, a.header.Get("Location"), nil)
	}
	t.Run("state mismatch", func(t *testing.T) {
		code, _ := start(t)
		a := e.do(t, "GET", "/signin/callback?code="+code+"&state=forged", "", nil, nil)
		if a.status != 400 || !strings.Contains(a.raw, "state mismatch") {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("no sign-in in progress", func(t *testing.T) {
		code, state := start(t)
		e.newBrowser()
		a := e.do(t, "GET", "/signin/callback?code="+code+"&state="+state, "", nil, nil)
		if a.status != 400 || !strings.Contains(a.raw, "No sign-in is in progress") {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("expired sign-in", func(t *testing.T) {
		code, state := start(t)
		e.clock.offset.Store(int64(flowTTL + time.Second))
		defer e.clock.offset.Store(0)
		a := e.do(t, "GET", "/signin/callback?code="+code+"&state="+state, "", nil, nil)
		wantStatus(t, "callback after the flow expired", a, 400)
	})
	t.Run("AS refused", func(t *testing.T) {
		_, state := start(t)
		a := e.do(t, "GET", "/signin/callback?error=access_denied&error_description=nope&state="+state, "", nil, nil)
		if a.status != 403 || !strings.Contains(a.raw, "access_denied") {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("no code", func(t *testing.T) {
		_, state := start(t)
		wantStatus(t, "callback without code", e.do(t, "GET", "/signin/callback?state="+state, "", nil, nil), 400)
	})
	t.Run("open redirect", func(t *testing.T) {
		e.newBrowser()
		for _, next := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`} {
			a := e.signIn(t, next, nil)
			if a.status != 303 || a.header.Get("Location") != "/" {
				t.Errorf("next=%q: %d %q, want a redirect to /", next, a.status, a.header.Get("Location"))
			}
		}
	})
	t.Run("AS unreachable", func(t *testing.T) {
		e2 := newSignInEnv(t, "")
		e2.as.SetFailing(oidctest.EndpointDiscovery, 503)
		a := e2.do(t, "GET", "/signin", "", nil, nil)
		if a.status != http.StatusBadGateway || !strings.Contains(a.raw, "could not be reached") {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		// Discovery is retried at the next sign-in.
		e2.as.SetFailing(oidctest.EndpointDiscovery, 0)
		wantStatus(t, "sign-in after the AS came back", e2.do(t, "GET", "/signin", "", nil, nil), http.StatusFound)
	})
}

// TestAdminSignInConfig: the sign-in's secrets must resolve at start.
func TestAdminSignInConfig(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		name string
		oidc config.AdminOIDC
		env  map[string]string
		want string
	}{
		{"client secret unset", config.AdminOIDC{ClientSecret: &authbridge.Secret{FromEnv: "NOPE"}}, nil, "admin.oidc.clientSecret: environment variable NOPE is not set"},
		{"short session key", config.AdminOIDC{SessionKey: &authbridge.Secret{FromEnv: "KEY"}}, map[string]string{"KEY": "short"}, "at least 32 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.oidc
			o.Issuer, o.ClientID, o.RoleValue = "https://idp.example", "ui", "admin"
			cfg := &config.Config{Store: "r.db", CacheDir: "off", Admin: &config.Admin{OIDC: &o}}
			cfg.ApplyDefaults()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			env := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			_, err := New(t.Context(), Options{Config: cfg, LookupEnv: env, Registry: &RegistryOptions{Store: st}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
}

// TestAdminListen: with adminListen the UI and admin API move to their own
// listener; the main one keeps the MCP endpoints and the MCP Registry API.
func TestAdminListen(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	up := httptest.NewServer(demoapi.New().Handler())
	defer up.Close()
	cfg := &config.Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", CacheDir: "off", Store: "r.db"}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	g, err := New(t.Context(), Options{Config: cfg, Registry: &RegistryOptions{Store: st}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, func(a net.Addr) { ready <- a }) }()
	defer func() { cancel(); <-done }()
	main := "http://" + (<-ready).String()
	admin := "http://" + g.AdminAddr().String()
	get := func(u string) int {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for path, want := range map[string][2]int{
		"/":                {404, 200},
		"/upload":          {404, 200},
		"/admin/api/apis":  {404, 200},
		"/static/app.css":  {404, 200},
		"/healthz":         {200, 404},
		"/v0.1/servers":    {200, 404},
		"/admin/api/nope":  {404, 404},
		"/mcp/nonexistent": {404, 404},
	} {
		if got := get(main + path); got != want[0] {
			t.Errorf("main listener %s: %d, want %d", path, got, want[0])
		}
		if got := get(admin + path); got != want[1] {
			t.Errorf("admin listener %s: %d, want %d", path, got, want[1])
		}
	}
	// An upload on the admin listener is served on the main one.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("name", "pets")
	mw.WriteField("upstream", up.URL+"/v1")
	fw, _ := mw.CreateFormFile("spec", "openapi.yaml")
	fw.Write(petstore(t))
	mw.Close()
	resp, err := http.Post(admin+"/admin/api/apis", mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload on the admin listener: %d", resp.StatusCode)
	}
	r := modern(t, main+"/mcp/pets", "", "tools/list", nil)
	if names := toolNames(t, r); len(names) != 4 {
		t.Errorf("tools on the main listener: %v", names)
	}
}

// TestAdminLoopbackOnly: with neither sign-in nor a token the UI and admin
// API are served on loopback only; a loopback adminListen keeps them there
// while the main listener is public.
func TestAdminLoopbackOnly(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		name, listen, adminListen string
		token                     string
		oidc                      bool
		wantErr                   string
	}{
		{"public listener, nothing", "0.0.0.0:18080", "", "", false, "need OIDC sign-in (admin.oidc) or an admin token"},
		{"public adminListen, nothing", "127.0.0.1:18080", "0.0.0.0:18081", "", false, "would listen on 0.0.0.0:18081"},
		{"public listener, loopback adminListen", "0.0.0.0:18080", "127.0.0.1:18081", "", false, ""},
		{"public listener, token", "0.0.0.0:18080", "", "0123456789abcdef", false, ""},
		{"public listener, OIDC", "0.0.0.0:18080", "", "", true, ""},
		{"loopback, nothing", "127.0.0.1:18080", "", "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &config.Config{Listen: tc.listen, AdminListen: tc.adminListen, PublicURL: "https://gw.example", InsecureNoAuth: true, CacheDir: "off", Store: "r.db"}
			if tc.oidc {
				cfg.Admin = &config.Admin{OIDC: &config.AdminOIDC{Issuer: "https://idp.example", ClientID: "ui", RoleValue: "admin"}}
			}
			cfg.ApplyDefaults()
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			g, err := New(t.Context(), Options{Config: cfg, Registry: &RegistryOptions{Store: st, AdminToken: tc.token}})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g.stopFeed()
			if got, want := g.reg.ui, tc.oidc || cfg.AdminListenIsLoopback(); got != want {
				t.Errorf("UI served: %v, want %v", got, want)
			}
		})
	}
}

// petstore returns the Petstore spec's bytes.
func petstore(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(petstoreSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitAudit waits up to 5 s for the audit log (written asynchronously) to
// satisfy ok; it returns "" when it does, else the log.
func waitAudit(b *lockedBuffer, ok func(string) bool) string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		log := b.String()
		if ok(log) {
			return ""
		}
		if time.Now().After(deadline) {
			return log
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAdminCookieAttributes: on an https admin URL the cookies are
// __Host- prefixed and Secure; on plain-http loopback neither.
func TestAdminCookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		secure bool
		want   string
	}{
		{true, "__Host-rest2mcp-admin=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax"},
		{false, "rest2mcp-admin=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"},
	} {
		s := &oidcSignIn{secure: tc.secure}
		rec := httptest.NewRecorder()
		s.setCookie(rec, "admin", "v", time.Minute)
		if got := rec.Header().Get("Set-Cookie"); got != tc.want {
			t.Errorf("secure %v: Set-Cookie %q, want %q", tc.secure, got, tc.want)
		}
	}
	cfg := &config.Config{PublicURL: "https://gw.example", Admin: &config.Admin{OIDC: &config.AdminOIDC{Issuer: "https://idp.example", ClientID: "ui", RoleValue: "a"}}}
	s, err := newOIDCSignIn(&Gateway{cfg: cfg, log: slog.New(slog.DiscardHandler)})
	if err != nil || !s.secure || s.redirectURL != "https://gw.example/signin/callback" {
		t.Errorf("https admin URL: %+v %v", s, err)
	}
}
