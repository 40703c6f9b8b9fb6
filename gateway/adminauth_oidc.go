package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/web"
)

// OIDC sign-in of the UI: authorization code with PKCE (S256), state and
// nonce; the ID token is verified with go-oidc (issuer, audience = client
// id, signature, expiry, nonce) and must carry the admin role. The session
// is a cookie signed with HMAC-SHA256 (no server-side state, so replicas
// sharing admin.oidc.sessionKey share sign-ins); sign-out revokes its id
// in this process and deletes the cookie.
//
// Cookies: "__Host-" prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ when
// the admin URL is https. On a plain-http loopback URL (rest2mcp on a
// laptop) browsers refuse "__Host-" cookies, so the names lose the prefix
// and the Secure flag there; configuration validation allows http only on
// loopback.

// flowTTL bounds the time between the redirect to the provider and the
// callback.
const flowTTL = 10 * time.Minute

// Purposes of signed values: a value signed for one is refused for the
// others.
const (
	purposeSession = "session"
	purposeFlow    = "flow"
	purposeCSRF    = "csrf"
)

// oidcSignIn is the UI's OIDC client.
type oidcSignIn struct {
	cfg         config.AdminOIDC
	redirectURL string
	secret      string
	secure      bool // https admin URL: __Host- cookies with Secure
	key         []byte
	ttl         time.Duration
	client      *http.Client
	log         *slog.Logger
	audit       *slog.Logger
	now         func() time.Time
	ui          *web.Handler

	// provMu guards the provider, discovered at the first sign-in (held
	// during discovery, so it is not the session checks' lock).
	provMu   sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier

	mu      sync.Mutex
	revoked map[string]time.Time // session id → its expiry
}

// adminSession is the content of the session cookie.
type adminSession struct {
	ID      string `json:"sid"`
	Subject string `json:"sub"`
	Name    string `json:"name,omitempty"`
	Expires int64  `json:"exp"`
}

func (s *adminSession) subject() string { return "oidc:" + s.Subject }

func (s *adminSession) display() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Subject
}

// signInFlow is the content of the short-lived cookie that carries the
// state, nonce and PKCE verifier from the redirect to the callback.
type signInFlow struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
	Expires  int64  `json:"exp"`
}

// newOIDCSignIn prepares the sign-in of cfg.Admin.OIDC (nil without one).
// Secrets are resolved now, so that a missing one fails the start; the
// provider is discovered at the first sign-in.
func newOIDCSignIn(g *Gateway) (*oidcSignIn, error) {
	if g.cfg.Admin == nil || g.cfg.Admin.OIDC == nil {
		return nil, nil
	}
	o := *g.cfg.Admin.OIDC
	base := strings.TrimRight(g.cfg.AdminPublicURL(), "/")
	s := &oidcSignIn{
		cfg:         o,
		redirectURL: base + callbackPath,
		secure:      strings.HasPrefix(base, "https://"),
		ttl:         o.EffectiveSessionTTL(),
		client:      g.outboundClient,
		log:         g.log.With("component", "admin-signin"),
		audit:       g.audit,
		now:         time.Now,
		revoked:     map[string]time.Time{},
	}
	if o.ClientSecret != nil {
		v, err := o.ClientSecret.Resolve(g.lookupEnv)
		if err != nil {
			return nil, fmt.Errorf("admin.oidc.clientSecret: %w", err)
		}
		s.secret = v
	}
	if o.SessionKey != nil {
		v, err := o.SessionKey.Resolve(g.lookupEnv)
		if err != nil {
			return nil, fmt.Errorf("admin.oidc.sessionKey: %w", err)
		}
		if len(v) < 32 {
			return nil, errors.New("admin.oidc.sessionKey: use at least 32 bytes (e.g. openssl rand -hex 32)")
		}
		s.key = []byte(v)
	} else {
		s.key = make([]byte, 32)
		_, _ = rand.Read(s.key)
	}
	return s, nil
}

// cookieName is the name of the session ("admin") or flow ("signin")
// cookie: "__Host-" prefixed except on plain-http loopback.
func (s *oidcSignIn) cookieName(kind string) string {
	if s.secure {
		return "__Host-rest2mcp-" + kind
	}
	return "rest2mcp-" + kind
}

func (s *oidcSignIn) setCookie(w http.ResponseWriter, kind, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: s.cookieName(kind), Value: value, Path: "/",
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		MaxAge: int(maxAge / time.Second),
	}
	if maxAge <= 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// sign returns base64(json(v)) + "." + base64(HMAC(key, purpose, payload)).
func (s *oidcSignIn) sign(purpose string, v any) string {
	b, _ := json.Marshal(v)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, p))
}

func (s *oidcSignIn) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// open checks a signed value and decodes it into v.
func (s *oidcSignIn) open(purpose, value string, v any) error {
	p, sig, ok := strings.Cut(value, ".")
	if !ok {
		return errors.New("malformed")
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(purpose, p)) {
		return errors.New("bad signature")
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return errors.New("malformed")
	}
	return json.Unmarshal(b, v)
}

// session returns the valid session of req: signed by this key, not
// expired, not signed out.
func (s *oidcSignIn) session(req *http.Request) (*adminSession, error) {
	c, err := req.Cookie(s.cookieName("admin"))
	if err != nil {
		return nil, errors.New("not signed in")
	}
	var as adminSession
	if err := s.open(purposeSession, c.Value, &as); err != nil {
		return nil, fmt.Errorf("session cookie: %w", err)
	}
	if as.ID == "" || as.Subject == "" || s.now().Unix() >= as.Expires {
		return nil, errors.New("session expired")
	}
	s.mu.Lock()
	_, revoked := s.revoked[as.ID]
	s.mu.Unlock()
	if revoked {
		return nil, errors.New("signed out")
	}
	return &as, nil
}

// csrfToken is the session's CSRF token: a MAC of its id.
func (s *oidcSignIn) csrfToken(as *adminSession) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(purposeCSRF, as.ID))
}

func (s *oidcSignIn) csrfOK(as *adminSession, got string) bool {
	want := s.csrfToken(as)
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

// oauth returns the OAuth client, discovering the provider on first use
// (a failed discovery is retried at the next sign-in).
func (s *oidcSignIn) oauth(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	s.provMu.Lock()
	defer s.provMu.Unlock()
	if s.provider == nil {
		// The provider keeps this context for its key set: no deadline.
		pctx := oidc.ClientContext(context.WithoutCancel(ctx), s.client)
		dctx, cancel := context.WithTimeout(pctx, 15*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(dctx, s.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("discover the OpenID Provider %s: %w", s.cfg.Issuer, err)
		}
		s.provider = p
		s.verifier = p.VerifierContext(pctx, &oidc.Config{ClientID: s.cfg.ClientID, Now: s.now})
	}
	return &oauth2.Config{
		ClientID:     s.cfg.ClientID,
		ClientSecret: s.secret,
		Endpoint:     s.provider.Endpoint(),
		RedirectURL:  s.redirectURL,
		Scopes:       append([]string{oidc.ScopeOpenID}, s.cfg.Scopes...),
	}, s.verifier, nil
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// localPath returns next when it is a path on this site ("/…", not "//…"
// nor "/\…"), else "/": the sign-in never redirects elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// handleSignIn redirects to the provider's authorization endpoint with a
// fresh state, nonce and PKCE challenge, kept in the flow cookie.
func (s *oidcSignIn) handleSignIn(w http.ResponseWriter, req *http.Request) {
	oc, _, err := s.oauth(req.Context())
	if err != nil {
		s.log.ErrorContext(req.Context(), "admin sign-in unavailable", "err", err)
		s.ui.ServeNotice(w, req, http.StatusBadGateway, web.Notice{Title: "Sign-in unavailable", Message: "The OpenID Provider " + s.cfg.Issuer + " could not be reached or its discovery document is invalid; the gateway log has the details. Try again later.", Link: signInPath, LinkText: "Try again"})
		return
	}
	f := signInFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Next: localPath(req.URL.Query().Get("next")), Expires: s.now().Add(flowTTL).Unix()}
	s.setCookie(w, "signin", s.sign(purposeFlow, f), flowTTL)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, req, oc.AuthCodeURL(f.State, oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce)), http.StatusFound)
}

// signInFailed answers a failed callback with a page that says why and
// offers to sign in again.
func (s *oidcSignIn) signInFailed(w http.ResponseWriter, req *http.Request, status int, why string) {
	s.audit.WarnContext(req.Context(), "admin sign-in refused", "reason", why)
	s.setCookie(w, "signin", "", 0)
	s.ui.ServeNotice(w, req, status, web.Notice{Title: "Sign-in failed", Message: why, Link: signInPath, LinkText: "Sign in again"})
}

// handleCallback completes the sign-in: it checks the state against the
// flow cookie, redeems the code with the PKCE verifier, verifies the ID
// token (and its nonce), checks the admin role and sets the session.
func (s *oidcSignIn) handleCallback(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	c, err := req.Cookie(s.cookieName("signin"))
	if err != nil {
		s.signInFailed(w, req, http.StatusBadRequest, "No sign-in is in progress in this browser (the sign-in cookie is missing or expired). Start again.")
		return
	}
	var f signInFlow
	if err := s.open(purposeFlow, c.Value, &f); err != nil || s.now().Unix() >= f.Expires {
		s.signInFailed(w, req, http.StatusBadRequest, "The sign-in cookie is invalid or expired. Start again.")
		return
	}
	if !hmac.Equal([]byte(q.Get("state")), []byte(f.State)) {
		s.signInFailed(w, req, http.StatusBadRequest, "The sign-in answer does not belong to the sign-in started in this browser (state mismatch). Start again.")
		return
	}
	if e := q.Get("error"); e != "" {
		s.signInFailed(w, req, http.StatusForbidden, fmt.Sprintf("The OpenID Provider refused the sign-in: %s %s", e, q.Get("error_description")))
		return
	}
	code := q.Get("code")
	if code == "" {
		s.signInFailed(w, req, http.StatusBadRequest, "The sign-in answer has no authorization code.")
		return
	}
	oc, verifier, err := s.oauth(req.Context())
	if err != nil {
		s.log.ErrorContext(req.Context(), "admin sign-in unavailable", "err", err)
		s.signInFailed(w, req, http.StatusBadGateway, "The OpenID Provider could not be reached; try again later.")
		return
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(req.Context(), s.client), 15*time.Second)
	defer cancel()
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		s.log.WarnContext(req.Context(), "admin sign-in: code exchange failed", "err", err)
		s.signInFailed(w, req, http.StatusBadGateway, "The OpenID Provider did not redeem the authorization code; start again.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.signInFailed(w, req, http.StatusBadGateway, "The OpenID Provider answered without an ID token (is the openid scope allowed for this client?).")
		return
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		s.log.WarnContext(req.Context(), "admin sign-in: ID token refused", "err", err)
		s.signInFailed(w, req, http.StatusForbidden, "The ID token could not be verified.")
		return
	}
	if !hmac.Equal([]byte(idt.Nonce), []byte(f.Nonce)) {
		s.signInFailed(w, req, http.StatusForbidden, "The ID token does not belong to this sign-in (nonce mismatch).")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		s.signInFailed(w, req, http.StatusForbidden, "The ID token's claims could not be read.")
		return
	}
	as := &adminSession{ID: randomString(), Subject: idt.Subject, Name: displayName(claims), Expires: s.now().Add(s.ttl).Unix()}
	if !hasRole(claims[s.cfg.EffectiveRoleClaim()], s.cfg.RoleValue) {
		s.audit.WarnContext(req.Context(), "admin sign-in refused", "reason", "no admin role", "admin", as.subject(), "role_claim", s.cfg.EffectiveRoleClaim())
		s.setCookie(w, "signin", "", 0)
		s.ui.ServeNotice(w, req, http.StatusForbidden, web.Notice{
			Title:   "Not an admin",
			Message: fmt.Sprintf("You are signed in at the OpenID Provider as %s, but you are not an admin of this registry: your ID token's %q claim does not contain %q. Ask an administrator of the provider to grant it, then sign in again.", as.display(), s.cfg.EffectiveRoleClaim(), s.cfg.RoleValue),
			Link:    signInPath, LinkText: "Sign in again",
		})
		return
	}
	s.setCookie(w, "signin", "", 0)
	s.setCookie(w, "admin", s.sign(purposeSession, as), s.ttl)
	s.audit.InfoContext(req.Context(), "admin signed in", "admin", as.subject(), "name", as.Name)
	http.Redirect(w, req, f.Next, http.StatusSeeOther)
}

// handleSignOut ends the session (POST with its CSRF token).
func (s *oidcSignIn) handleSignOut(w http.ResponseWriter, req *http.Request) {
	as, err := s.session(req)
	if err != nil {
		s.setCookie(w, "admin", "", 0)
		s.ui.ServeNotice(w, req, http.StatusOK, web.Notice{Title: "Signed out", Message: "You are not signed in.", Link: signInPath, LinkText: "Sign in"})
		return
	}
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil || !s.csrfOK(as, req.PostFormValue(web.CSRFField)) {
		s.ui.ServeNotice(w, req, http.StatusForbidden, web.Notice{Title: "Sign-out refused", Message: "The sign-out form carried no valid CSRF token; use the Sign out button of the UI.", Link: "/", LinkText: "Back to the APIs"})
		return
	}
	now := s.now()
	s.mu.Lock()
	for id, exp := range s.revoked {
		if now.Unix() >= exp.Unix() {
			delete(s.revoked, id)
		}
	}
	s.revoked[as.ID] = time.Unix(as.Expires, 0)
	s.mu.Unlock()
	s.setCookie(w, "admin", "", 0)
	s.audit.InfoContext(req.Context(), "admin signed out", "admin", as.subject())
	s.ui.ServeNotice(w, req, http.StatusOK, web.Notice{Title: "Signed out", Message: "You are signed out of the rest2mcp registry.", Link: signInPath, LinkText: "Sign in"})
}

// displayName picks a readable name from ID token claims.
func displayName(claims map[string]any) string {
	for _, k := range []string{"email", "preferred_username", "name"} {
		if v, ok := claims[k].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

// hasRole reports whether a claim value (a space-separated string or an
// array of strings) contains want.
func hasRole(v any, want string) bool {
	switch t := v.(type) {
	case string:
		return slices.Contains(strings.Fields(t), want)
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}
