package entratest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Well-known identifiers.
const (
	// DefaultTenant is the tenant ID used when [Options.Tenants] is empty.
	DefaultTenant = "11111111-2222-3333-4444-555555555555"
	// VSCodeClientID is the application (client) ID of Visual Studio
	// Code's built-in Microsoft authentication provider, which API owners
	// pre-authorize.
	VSCodeClientID = "aebc6443-996d-45c2-90f0-388ff96faa56"
	// GraphAppID is Microsoft Graph's application ID: the resource of
	// unqualified scopes.
	GraphAppID = "00000003-0000-0000-c000-000000000000"
	// V1IssuerHost is the host of v1.0 token issuers.
	V1IssuerHost = "https://sts.windows.net"
)

// oidcScopes are the OpenID Connect scopes that name no resource.
var oidcScopes = []string{"openid", "profile", "email", "offline_access"}

// Options configures a [Server]; nil gives the defaults.
type Options struct {
	// Tenants lists the tenant IDs the server knows. Empty means
	// [DefaultTenant] only.
	Tenants []string
	// User is the user who signs in at the authorization endpoint. Zero
	// means Alice.
	User User
	// Now is the clock for issued tokens and code lifetimes. Nil means
	// time.Now.
	Now func() time.Time
	// TokenLifetime is the access token lifetime. Zero means one hour.
	TokenLifetime time.Duration
}

// User is a directory user.
type User struct {
	// ObjectID is the user's object ID (oid).
	ObjectID string
	// Name is the display name.
	Name string
	// UPN is the user principal name (preferred_username, upn).
	UPN string
}

// App is an application registration (with its service principal).
type App struct {
	// ClientID is the application (client) ID. Empty means a random GUID.
	ClientID string
	// Name is the display name.
	Name string
	// AppIDURIs are the App ID URIs (identifierUris) of an API, such as
	// api://petstore or https://mcp.contoso.com/mcp/pets.
	AppIDURIs []string
	// Scopes are the delegated permissions the API exposes (values such as
	// Pets.Read).
	Scopes []string
	// AppRoles are the application permissions (app role values) the API
	// defines.
	AppRoles []string
	// AccessTokenVersion is the access token version the API accepts
	// (requestedAccessTokenVersion): 2 for v2.0 tokens; 0 or 1 for v1.0
	// tokens, Entra's default.
	AccessTokenVersion int
	// ClientSecret makes the application a confidential client; empty
	// means a public client.
	ClientSecret string
	// RedirectURIs are the registered redirect URIs. A loopback URI
	// (127.0.0.1, localhost, [::1]) matches any port.
	RedirectURIs []string
}

// Server is a running Entra emulator. Methods are safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	base     string
	tenants  []string
	user     User
	now      func() time.Time
	lifetime time.Duration

	mu       sync.Mutex
	apps     map[string]*App          // by client ID
	consents map[[2]string][]string   // (client, api) → delegated permissions granted
	roles    map[[2]string][]string   // (client, api) → app roles assigned
	keys     []*signingKey            // published, newest first; keys[0] signs
	codes    map[string]*authCode     // authorization codes
	refresh  map[string]*refreshGrant // refresh tokens
	issued   []Issued                 // every token issued by an endpoint
	requests []string                 // "METHOD path" of every request
}

// signingKey is one published RSA key with its self-signed certificate.
type signingKey struct {
	kid  string // = x5t, the base64url SHA-1 thumbprint of cert
	priv *rsa.PrivateKey
	cert []byte // DER
}

// Issued records a token issued by the token endpoint.
type Issued struct {
	// Grant is the grant type.
	Grant string
	// Client is the requesting client ID.
	Client string
	// Audience is the token's aud.
	Audience string
	// Scopes are the delegated permissions (scp); Roles the app roles.
	Scopes, Roles []string
	// Assertion is the user assertion of an on-behalf-of request.
	Assertion string
}

// New starts a server; it is closed by t.Cleanup.
func New(t testing.TB, opts *Options) *Server {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	s := &Server{
		tenants:  slices.Clone(opts.Tenants),
		user:     opts.User,
		now:      opts.Now,
		lifetime: opts.TokenLifetime,
		apps:     map[string]*App{},
		consents: map[[2]string][]string{},
		roles:    map[[2]string][]string{},
		codes:    map[string]*authCode{},
		refresh:  map[string]*refreshGrant{},
	}
	if len(s.tenants) == 0 {
		s.tenants = []string{DefaultTenant}
	}
	if s.user.ObjectID == "" {
		s.user = User{ObjectID: "a11ce000-0000-4000-8000-000000000001", Name: "Alice Example", UPN: "alice@contoso.example"}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.lifetime == 0 {
		s.lifetime = time.Hour
	}
	k, err := newSigningKey(s.now())
	if err != nil {
		t.Fatalf("entratest: %v", err)
	}
	s.keys = []*signingKey{k}
	s.apps[GraphAppID] = &App{ClientID: GraphAppID, Name: "Microsoft Graph", AppIDURIs: []string{"https://graph.microsoft.com"},
		Scopes: []string{"User.Read", "openid", "profile", "email", "offline_access"}, AccessTokenVersion: 1}
	s.apps[VSCodeClientID] = &App{ClientID: VSCodeClientID, Name: "Visual Studio Code",
		RedirectURIs: []string{"http://127.0.0.1/", "https://vscode.dev/redirect"}}
	s.srv = httptest.NewServer(s.routes())
	s.base = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func newSigningKey(now time.Time) (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("self-sign certificate: %w", err)
	}
	sum := sha1.Sum(der)
	return &signingKey{kid: base64.RawURLEncoding.EncodeToString(sum[:]), priv: priv, cert: der}, nil
}

// URL returns the base URL, the emulated https://login.microsoftonline.com.
func (s *Server) URL() string { return s.base }

// Tenant returns the first configured tenant ID.
func (s *Server) Tenant() string { return s.tenants[0] }

// Issuer returns the v2.0 issuer of tenant: {base}/{tenant}/v2.0.
func (s *Server) Issuer(tenant string) string { return s.base + "/" + tenant + "/v2.0" }

// IssuerV1 returns the v1.0 issuer of tenant:
// https://sts.windows.net/{tenant}/. Its metadata is served by this server
// at [Server.MetadataURLV1], so a verifier must be given that URL.
func (s *Server) IssuerV1(tenant string) string { return V1IssuerHost + "/" + tenant + "/" }

// MetadataURL returns the v2.0 OpenID configuration URL of tenant.
func (s *Server) MetadataURL(tenant string) string {
	return s.Issuer(tenant) + "/.well-known/openid-configuration"
}

// MetadataURLV1 returns the v1.0 OpenID configuration URL of tenant.
func (s *Server) MetadataURLV1(tenant string) string {
	return s.base + "/" + tenant + "/.well-known/openid-configuration"
}

// TokenURL returns the v2.0 token endpoint of tenant.
func (s *Server) TokenURL(tenant string) string { return s.base + "/" + tenant + "/oauth2/v2.0/token" }

// AuthorizeURL returns the v2.0 authorization endpoint of tenant.
func (s *Server) AuthorizeURL(tenant string) string {
	return s.base + "/" + tenant + "/oauth2/v2.0/authorize"
}

// Register adds (or replaces) an application and returns a copy with its
// client ID filled in.
func (s *Server) Register(a App) App {
	if a.ClientID == "" {
		a.ClientID = newGUID()
	}
	a.AppIDURIs = slices.Clone(a.AppIDURIs)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[a.ClientID] = &a
	return a
}

// Consent grants client the delegated permissions of api (admin consent,
// or pre-authorization of the client by the API). On-behalf-of requests
// need it; interactive sign-ins consent on the spot.
func (s *Server) Consent(client, api string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{client, api}
	for _, sc := range scopes {
		if !slices.Contains(s.consents[k], sc) {
			s.consents[k] = append(s.consents[k], sc)
		}
	}
}

// AssignRoles assigns app roles of api to client (application permissions
// with admin consent), for client credentials tokens.
func (s *Server) AssignRoles(client, api string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{client, api}
	for _, r := range roles {
		if !slices.Contains(s.roles[k], r) {
			s.roles[k] = append(s.roles[k], r)
		}
	}
}

// Rotate publishes a new signing key first in the key sets and signs
// every later token with it; earlier keys stay published.
func (s *Server) Rotate(t testing.TB) string {
	t.Helper()
	k, err := newSigningKey(s.now())
	if err != nil {
		t.Fatalf("entratest: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append([]*signingKey{k}, s.keys...)
	return k.kid
}

// RetireOldKeys unpublishes every key but the current signing key.
func (s *Server) RetireOldKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = s.keys[:1]
}

// KeyID returns the kid of the current signing key.
func (s *Server) KeyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[0].kid
}

// Issued returns the tokens issued by the token endpoint so far.
func (s *Server) Issued() []Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Requests returns "METHOD path" for every request served so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// app returns the registration with the given client ID. s.mu is held.
func (s *Server) app(clientID string) *App { return s.apps[clientID] }

// resourceApp returns the API whose App ID URI (or client ID) is prefix.
// s.mu is held.
func (s *Server) resourceApp(prefix string) *App {
	for _, a := range s.apps {
		if a.ClientID == prefix || slices.Contains(a.AppIDURIs, prefix) {
			return a
		}
	}
	return nil
}

func (s *Server) knownTenant(tenant string) bool { return slices.Contains(s.tenants, tenant) }

// newGUID returns a random version 4 UUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// opaque returns a random URL-safe string for codes, refresh tokens and
// opaque claims.
func opaque(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pairwiseSub is the "sub" of a user for one application: stable, unique
// per pair, as Entra's pairwise subject.
func pairwiseSub(userOID, appID string) string {
	sum := sha1.Sum([]byte(userOID + "|" + appID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// trimSlash removes one trailing slash.
func trimSlash(s string) string { return strings.TrimSuffix(s, "/") }
