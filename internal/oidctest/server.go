package oidctest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DiscoveryMode selects which metadata documents a [Server] publishes. The
// values combine with |.
type DiscoveryMode uint8

const (
	// ServeRFC8414 publishes /.well-known/oauth-authorization-server{path}.
	ServeRFC8414 DiscoveryMode = 1 << iota
	// ServeOIDCInserted publishes /.well-known/openid-configuration{path}.
	ServeOIDCInserted
	// ServeOIDCAppended publishes {path}/.well-known/openid-configuration.
	ServeOIDCAppended
	// ServeAll publishes all three documents.
	ServeAll = ServeRFC8414 | ServeOIDCInserted | ServeOIDCAppended
)

// Endpoint names one of the HTTP endpoints of a [Server], for [Server.SetFailing]
// and [Server.Hits].
type Endpoint string

// The endpoints of a [Server].
const (
	EndpointDiscovery     Endpoint = "discovery"
	EndpointJWKS          Endpoint = "jwks"
	EndpointIntrospection Endpoint = "introspection"
	EndpointToken         Endpoint = "token"
)

// Options configures a [Server]. The zero value (or nil) gives an issuer at
// the server root that publishes all discovery documents.
type Options struct {
	// Path is the issuer path, such as "/tenant1". Empty means the root.
	Path string
	// Discovery selects the metadata documents served. Zero means ServeAll.
	Discovery DiscoveryMode
	// MetadataIssuer, when set, replaces the "issuer" value written into the
	// metadata documents (to test issuer mismatch detection).
	MetadataIssuer string
	// NoIntrospection leaves introspection_endpoint out of the metadata.
	NoIntrospection bool
	// ClientID and ClientSecret are the credentials the introspection
	// endpoint requires. Empty means "rs-client" and "rs-secret".
	ClientID, ClientSecret string
	// Now is the clock used by AccessClaims. Nil means time.Now.
	Now func() time.Time
	// TokenHandler, when set, is served at {issuer}/token and advertised as
	// token_endpoint (e.g. to fake client credentials or token exchange).
	TokenHandler http.HandlerFunc
}

// Server is an in-process authorization server. Create it with [New]; all
// methods are safe for concurrent use.
type Server struct {
	srv          *httptest.Server
	issuer       string
	path         string
	mode         DiscoveryMode
	metaIssuer   string
	introspect   bool
	clientID     string
	clientSecret string
	now          func() time.Time
	tokenHandler http.HandlerFunc

	mu        sync.Mutex
	current   map[keyFamily]*signingKey
	published []*signingKey
	foreign   *rsa.PrivateKey
	opaque    map[string]map[string]any
	failing   map[Endpoint]int
	lastAuth  string
	hits      map[Endpoint]*atomic.Int64
	requests  []string
	seq       int
}

type keyFamily string

const (
	familyRSA keyFamily = "RSA"
	familyEC  keyFamily = "EC"
	familyEd  keyFamily = "OKP"
)

type signingKey struct {
	kid    string
	family keyFamily
	priv   any
	pub    any
	alg    string // published "alg"; empty for RSA so every RS*/PS* algorithm verifies
}

// New starts a server on 127.0.0.1 and registers its shutdown with
// t.Cleanup. It fails the test if key generation fails.
func New(t testing.TB, opts *Options) *Server {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	s := &Server{
		path:         strings.TrimSuffix(opts.Path, "/"),
		mode:         opts.Discovery,
		metaIssuer:   opts.MetadataIssuer,
		introspect:   !opts.NoIntrospection,
		clientID:     opts.ClientID,
		clientSecret: opts.ClientSecret,
		now:          opts.Now,
		tokenHandler: opts.TokenHandler,
		current:      map[keyFamily]*signingKey{},
		opaque:       map[string]map[string]any{},
		failing:      map[Endpoint]int{},
		hits:         map[Endpoint]*atomic.Int64{},
	}
	if s.mode == 0 {
		s.mode = ServeAll
	}
	if s.clientID == "" {
		s.clientID = "rs-client"
	}
	if s.clientSecret == "" {
		s.clientSecret = "rs-secret"
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, e := range []Endpoint{EndpointDiscovery, EndpointJWKS, EndpointIntrospection, EndpointToken} {
		s.hits[e] = &atomic.Int64{}
	}
	if err := s.rotate(); err != nil {
		t.Fatalf("oidctest: generate keys: %v", err)
	}
	s.srv = httptest.NewServer(s.routes())
	t.Cleanup(s.srv.Close)
	s.issuer = s.srv.URL + s.path
	return s
}

// URL returns the server's base URL (scheme and host, no path).
func (s *Server) URL() string { return s.srv.URL }

// Issuer returns the issuer identifier: URL() followed by Options.Path.
func (s *Server) Issuer() string { return s.issuer }

// JWKSURL returns the URL of the JSON Web Key Set.
func (s *Server) JWKSURL() string { return s.issuer + "/jwks" }

// IntrospectionURL returns the URL of the RFC 7662 introspection endpoint.
func (s *Server) IntrospectionURL() string { return s.issuer + "/introspect" }

// TokenURL returns the URL at which Options.TokenHandler is served.
func (s *Server) TokenURL() string { return s.issuer + "/token" }

// MetadataURL returns the RFC 8414 metadata URL of the issuer.
func (s *Server) MetadataURL() string {
	return s.srv.URL + "/.well-known/oauth-authorization-server" + s.path
}

// ClientCredentials returns the client ID and secret the introspection
// endpoint accepts.
func (s *Server) ClientCredentials() (id, secret string) { return s.clientID, s.clientSecret }

// Close stops the server early, so that every later request fails to
// connect.
func (s *Server) Close() { s.srv.Close() }

// Hits returns how many requests endpoint e has received, failed ones
// included.
func (s *Server) Hits(e Endpoint) int { return int(s.hits[e].Load()) }

// Requests returns "METHOD /path" for every request received so far, in
// order, including those answered 404.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// JWKSFetches returns how many times the JWKS was requested.
func (s *Server) JWKSFetches() int { return s.Hits(EndpointJWKS) }

// IntrospectionCalls returns how many introspection requests were made.
func (s *Server) IntrospectionCalls() int { return s.Hits(EndpointIntrospection) }

// SetFailing makes endpoint e answer with the given HTTP status; status 0
// restores normal operation.
func (s *Server) SetFailing(e Endpoint, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.failing, e)
		return
	}
	s.failing[e] = status
}

// LastIntrospectionAuth returns the client authentication method of the last
// successful introspection request: "client_secret_basic" or
// "client_secret_post".
func (s *Server) LastIntrospectionAuth() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuth
}

// AddOpaqueToken registers an opaque token for the introspection endpoint.
// The endpoint answers with resp plus "active": true; tokens never added
// answer {"active": false}. resp may set "active" itself to override.
func (s *Server) AddOpaqueToken(token string, resp map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]any{"active": true}
	for k, v := range resp {
		m[k] = v
	}
	s.opaque[token] = m
}

// Rotate generates new current keys for every key type. The previous keys
// stay published until [Server.RetireOld].
func (s *Server) Rotate(t testing.TB) {
	t.Helper()
	if err := s.rotate(); err != nil {
		t.Fatalf("oidctest: rotate keys: %v", err)
	}
}

// RetireOld removes every key that is not current from the JWKS.
func (s *Server) RetireOld() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.published[:0]
	for _, k := range s.published {
		if s.current[k.family] == k {
			kept = append(kept, k)
		}
	}
	s.published = kept
}

// KeyID returns the kid of the current key used for alg (e.g. "RS256",
// "ES256", "EdDSA").
func (s *Server) KeyID(alg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.current[familyFor(alg)]; k != nil {
		return k.kid
	}
	return ""
}

func (s *Server) rotate() error {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	epub, epriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	for _, k := range []*signingKey{
		{family: familyRSA, priv: rk, pub: &rk.PublicKey},
		{family: familyEC, priv: ek, pub: &ek.PublicKey, alg: "ES256"},
		{family: familyEd, priv: epriv, pub: epub, alg: "EdDSA"},
	} {
		k.kid = strings.ToLower(string(k.family)) + "-" + strconv.Itoa(s.seq)
		s.current[k.family] = k
		s.published = append(s.published, k)
	}
	return nil
}

func (s *Server) jwks() jose.JSONWebKeySet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, k := range s.published {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.pub, KeyID: k.kid, Algorithm: k.alg, Use: "sig"})
	}
	return set
}

func (s *Server) failure(e Endpoint) int {
	s.hits[e].Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failing[e]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
