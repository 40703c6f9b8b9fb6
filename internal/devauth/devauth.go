// Package devauth is the development authorization server of
// `rest2mcp dev`: an OAuth 2.1 authorization server, built on
// github.com/ory/fosite, that runs on the gateway's own loopback listener
// so that the whole protected MCP flow (protected resource metadata →
// authorization server metadata → client registration → authorization
// code with PKCE → JWT access token for the endpoint → step-up) can be
// tried without an identity provider.
//
// It issues RFC 9068 JWT access tokens (typ at+jwt, aud = the MCP
// endpoint's resource URL) signed with a key generated at start or loaded
// from a data directory, and supports RFC 8414 metadata, dynamic client
// registration (RFC 7591), Client ID Metadata Documents, authorization
// code + PKCE (S256 only), resource indicators (RFC 8707), refresh tokens,
// client credentials and token exchange (RFC 8693). Users are simulated:
// a default user who may have every scope, and named users limited to
// some scopes. It refuses to serve anything but loopback issuers; it is
// not an identity provider and must never be exposed.
package devauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/token/jwt"

	"github.com/rest2mcp/rest2mcp/internal/loopback"
)

// Path is the path of the issuer below the gateway's base URL; it names
// the server as a development one in every token's iss.
const Path = "/dev-as"

// DefaultUser is the name of the built-in user who may have every scope.
const DefaultUser = "dev"

// Token lifetimes.
const (
	AccessTokenLifetime  = 15 * time.Minute
	RefreshTokenLifetime = 24 * time.Hour
	codeLifetime         = 2 * time.Minute
)

// Grant types beyond fosite's names.
const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	grantClientCredentials = "client_credentials"
	grantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	scopeOfflineAccess     = "offline_access"
)

// Resource is one protected MCP endpoint the server issues tokens for.
type Resource struct {
	// URL is the resource identifier (the MCP endpoint URL); it becomes
	// the token's aud.
	URL string
	// Name is the API name shown on the consent page.
	Name string
	// Scopes lists the scopes the API knows, each with the tools it
	// unlocks, for the consent page.
	Scopes []Scope
}

// Scope is one scope of a resource and the tools that need it.
type Scope struct {
	// Name is the scope as it appears in tokens.
	Name string
	// Tools are the tools whose policy requirement names the scope.
	Tools []string
}

// User is a simulated user.
type User struct {
	// Name is the token's sub.
	Name string
	// Scopes are the only scopes the user may ever be granted; nil means
	// every scope.
	Scopes []string
}

// may reports whether the user may be granted scope.
func (u User) may(scope string) bool {
	return u.Scopes == nil || scope == scopeOfflineAccess || slices.Contains(u.Scopes, scope)
}

// Client is a pre-registered confidential client, for example the
// gateway's own client for token exchange.
type Client struct {
	// ID and Secret authenticate the client (client_secret_basic or
	// client_secret_post).
	ID, Secret string
	// Audiences are the audiences the client may request besides the
	// resources (for example an upstream API's audience).
	Audiences []string
}

// Options configure [New].
type Options struct {
	// Issuer is the issuer URL: a loopback http(s) URL ending in [Path].
	Issuer string
	// Resources returns the protected resources; it is called on every
	// request, so reloaded policies show on the next consent page.
	Resources func() []Resource
	// Users are the named users besides the default user.
	Users []User
	// AutoConsent signs AutoUser in and consents for them without a page.
	AutoConsent bool
	// AutoUser is the user of AutoConsent; empty means [DefaultUser].
	AutoUser string
	// Clients are pre-registered confidential clients.
	Clients []Client
	// DataDir, when set, keeps the signing key (dev-as-key.pem) and the
	// dynamically registered clients (dev-as-clients.json) across
	// restarts, so that tokens and client registrations stay valid.
	DataDir string
	// AllowLoopbackClientIDs accepts client ID metadata documents at
	// http://127.0.0.1, http://localhost or http://[::1] URLs, for clients
	// developed on the same machine.
	AllowLoopbackClientIDs bool
	// HTTPClient fetches client ID metadata documents; nil builds one that
	// refuses private and loopback addresses and redirects.
	HTTPClient *http.Client
	// Logger receives diagnostics; never tokens or secrets.
	Logger *slog.Logger
}

// Server is the development authorization server.
type Server struct {
	issuer    string
	path      string // the issuer's path, where cookies are scoped
	resources func() []Resource
	users     []User
	auto      bool
	autoUser  string
	log       *slog.Logger

	key      *ecdsa.PrivateKey
	kid      string
	secret   []byte // HMAC key for cookies and CSRF tokens
	config   *fosite.Config
	provider fosite.OAuth2Provider
	store    *store
	strategy *oauth2.DefaultJWTStrategy

	consentMu sync.Mutex
	consents  map[string][]string // user + "\x00" + client → granted scopes
}

// New builds the server. It refuses an issuer that is not on a loopback
// host.
func New(opts Options) (*Server, error) {
	u, err := url.Parse(opts.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("devauth: issuer %q is not an http(s) URL", opts.Issuer)
	}
	if !loopback.Host(u.Hostname()) {
		return nil, fmt.Errorf("devauth: issuer %q is not on a loopback host: the development authorization server only serves this machine", opts.Issuer)
	}
	if !strings.HasSuffix(u.Path, Path) {
		return nil, fmt.Errorf("devauth: issuer %q must end in %s", opts.Issuer, Path)
	}
	if opts.Resources == nil {
		return nil, errors.New("devauth: no resources")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		issuer:    opts.Issuer,
		path:      u.Path,
		resources: opts.Resources,
		users:     append([]User{{Name: DefaultUser}}, opts.Users...),
		auto:      opts.AutoConsent,
		autoUser:  opts.AutoUser,
		log:       log.With("component", "devauth"),
		consents:  map[string][]string{},
	}
	if s.autoUser == "" {
		s.autoUser = DefaultUser
	}
	seen := map[string]bool{}
	for _, usr := range s.users {
		if usr.Name == "" || seen[usr.Name] {
			return nil, fmt.Errorf("devauth: user names must be unique and not empty (%q)", usr.Name)
		}
		seen[usr.Name] = true
	}
	if !seen[s.autoUser] {
		return nil, fmt.Errorf("devauth: unknown user %q", s.autoUser)
	}
	var keyFile, clientsFile string
	if opts.DataDir != "" {
		keyFile, clientsFile = filepath.Join(opts.DataDir, "dev-as-key.pem"), filepath.Join(opts.DataDir, "dev-as-clients.json")
	}
	if s.key, err = loadOrCreateKey(keyFile); err != nil {
		return nil, err
	}
	if s.kid, err = keyID(&s.key.PublicKey); err != nil {
		return nil, err
	}
	s.secret = make([]byte, 32)
	if _, err := rand.Read(s.secret); err != nil {
		return nil, err
	}
	globalSecret := make([]byte, 32)
	if _, err := rand.Read(globalSecret); err != nil {
		return nil, err
	}
	s.config = &fosite.Config{
		AccessTokenLifespan:            AccessTokenLifetime,
		RefreshTokenLifespan:           RefreshTokenLifetime,
		AuthorizeCodeLifespan:          codeLifetime,
		AccessTokenIssuer:              s.issuer,
		IDTokenIssuer:                  s.issuer,
		GlobalSecret:                   globalSecret,
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:       fosite.ExactAudienceMatchingStrategy,
		EnforcePKCE:                    true,
		EnforcePKCEForPublicClients:    true,
		EnablePKCEPlainChallengeMethod: false,
		RefreshTokenScopes:             []string{}, // any client allowed the refresh_token grant gets one
		JWTScopeClaimKey:               jwt.JWTScopeFieldString,
		HashCost:                       4, // development secrets; keeps registration fast
		SendDebugMessagesToClients:     true,
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = metadataClient(opts.AllowLoopbackClientIDs)
	}
	s.store = newStore(s, hc, opts.AllowLoopbackClientIDs, clientsFile)
	if err := s.store.load(); err != nil {
		return nil, err
	}
	for _, c := range opts.Clients {
		if err := s.store.addConfidential(context.Background(), c); err != nil {
			return nil, err
		}
	}
	keyGetter := func(context.Context) (any, error) { return s.key, nil }
	s.strategy = compose.NewOAuth2JWTStrategy(keyGetter, compose.NewOAuth2HMACStrategy(s.config), s.config)
	s.provider = compose.Compose(s.config, s.store, &compose.CommonStrategy{CoreStrategy: s.strategy, Signer: s.strategy.Signer},
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2PKCEFactory,
	)
	s.config.TokenEndpointHandlers.Append(&exchangeHandler{s: s})
	return s, nil
}

// Issuer returns the issuer URL.
func (s *Server) Issuer() string { return s.issuer }

// JWKSURL returns the URL of the signing keys.
func (s *Server) JWKSURL() string { return s.issuer + "/jwks" }

// TokenURL returns the token endpoint.
func (s *Server) TokenURL() string { return s.issuer + "/token" }

// MetadataURL returns the RFC 8414 metadata URL.
func (s *Server) MetadataURL() string {
	u, _ := url.Parse(s.issuer)
	return u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + u.Path
}

// Routes returns the handlers to mount on the gateway's listener, keyed by
// echo path pattern.
func (s *Server) Routes() map[string]http.Handler {
	u, _ := url.Parse(s.issuer)
	h := s.Handler()
	return map[string]http.Handler{
		u.Path + "/*": h,
		"/.well-known/oauth-authorization-server" + u.Path: h,
		"/.well-known/openid-configuration" + u.Path:       h,
	}
}

// Handler serves every endpoint of the server (paths as in [Server.Routes]).
func (s *Server) Handler() http.Handler {
	u, _ := url.Parse(s.issuer)
	p := u.Path
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server"+p, s.serveMetadata)
	mux.HandleFunc("GET /.well-known/openid-configuration"+p, s.serveMetadata)
	mux.HandleFunc("GET "+p+"/.well-known/openid-configuration", s.serveMetadata)
	mux.HandleFunc("GET "+p+"/jwks", s.serveJWKS)
	mux.HandleFunc("POST "+p+"/register", s.serveRegister)
	mux.HandleFunc("GET "+p+"/authorize", s.serveAuthorize)
	mux.HandleFunc("POST "+p+"/consent", s.serveConsent)
	mux.HandleFunc("POST "+p+"/token", s.serveToken)
	mux.HandleFunc("GET "+p+"/{$}", s.serveHome)
	return securityHeaders(cors(p, mux))
}

// cors lets browser-based MCP clients read the metadata and keys and call
// the registration and token endpoints, which use no cookies. The
// authorization and consent pages are navigations, never CORS requests.
func cors(issuerPath string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		interactive := r.URL.Path == issuerPath+"/authorize" || r.URL.Path == issuerPath+"/consent"
		if r.Header.Get("Origin") == "" || interactive {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Transport returns a RoundTripper that answers requests for this
// server's URLs in process and sends the others to next. The gateway uses
// it to fetch the keys before its listener accepts connections.
func (s *Server) Transport(next http.RoundTripper) http.RoundTripper {
	u, _ := url.Parse(s.issuer)
	return &localTransport{host: u.Host, handler: s.Handler(), next: next}
}

type localTransport struct {
	host    string
	handler http.Handler
	next    http.RoundTripper
}

func (t *localTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host || (r.URL.Scheme != "http" && r.URL.Scheme != "https") {
		return t.next.RoundTrip(r)
	}
	rec := newRecorder()
	t.handler.ServeHTTP(rec, r.Clone(r.Context()))
	return rec.result(r), nil
}

// resource returns the resource with the given URL.
func (s *Server) resource(u string) (Resource, bool) {
	for _, r := range s.resources() {
		if r.URL == u {
			return r, true
		}
	}
	return Resource{}, false
}

// resourceURLs returns every resource URL.
func (s *Server) resourceURLs() []string {
	var out []string
	for _, r := range s.resources() {
		out = append(out, r.URL)
	}
	return out
}

// allScopes returns every scope of every resource, plus offline_access.
func (s *Server) allScopes() []string {
	set := map[string]bool{scopeOfflineAccess: true}
	for _, r := range s.resources() {
		for _, sc := range r.Scopes {
			set[sc.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// user returns the named user.
func (s *Server) user(name string) (User, bool) {
	for _, u := range s.users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// newSession returns an empty token session with the RFC 9068 header.
func (s *Server) newSession(subject, clientID string) *oauth2.JWTSession {
	return &oauth2.JWTSession{
		JWTClaims: &jwt.JWTClaims{
			Subject: subject,
			Issuer:  s.issuer,
			Extra:   map[string]any{"client_id": clientID},
		},
		JWTHeader: &jwt.Headers{Extra: map[string]any{"typ": "at+jwt", "kid": s.kid}},
		ExpiresAt: map[fosite.TokenType]time.Time{},
		Subject:   subject,
		Username:  subject,
	}
}

// sign returns an HMAC of parts under the server's secret.
func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// isLoopbackOrHTTPS reports whether a redirect URI may be registered:
// https anywhere, http only on a loopback host (RFC 8252 §7.3).
func isLoopbackOrHTTPS(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return loopback.Host(u.Hostname())
	}
	return false
}

// hostIsLoopback reports whether host:port names a loopback host.
func hostIsLoopback(hostport string) bool {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = hostport
	}
	return loopback.Host(h)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
