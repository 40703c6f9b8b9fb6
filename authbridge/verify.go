package authbridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// MaxTokenBytes bounds the size of an accepted bearer token.
const MaxTokenBytes = 16 << 10

// DefaultStartupTimeout bounds the warm-up done by [NewVerifier].
const DefaultStartupTimeout = 5 * time.Second

// VerifierOptions configures [NewVerifier]. Zero values select the
// documented defaults.
type VerifierOptions struct {
	// Resource is the exact URL of the protected MCP endpoint, such as
	// https://gw.example.com/mcp/pets. Tokens must name it (or a configured
	// audience) in aud. Required.
	Resource string
	// Config is the API's auth section.
	Config Config
	// HTTPClient fetches metadata and JWKS and calls introspection
	// endpoints. Nil means a client with a 10s timeout. Redirects are
	// never followed, whatever the client's CheckRedirect: a redirected
	// introspection request would resend the token and the client
	// credentials, a redirected JWKS fetch would let another server supply
	// the keys. Production callers should pass a client with an SSRF-safe
	// dialer.
	HTTPClient *http.Client
	// Logger receives diagnostics; tokens are never logged. Nil discards.
	Logger *slog.Logger
	// LookupEnv resolves introspection secrets given as fromEnv.
	LookupEnv func(string) (string, bool)
	// Now is the clock for token times and refresh intervals. Nil means
	// time.Now.
	Now func() time.Time
	// MaxResponseBytes caps metadata, JWKS and introspection responses.
	// Zero means 1 MiB.
	MaxResponseBytes int64
	// JWKSMinRefreshInterval is the minimum time between two JWKS fetches
	// triggered by unknown key IDs. Zero means 30s.
	JWKSMinRefreshInterval time.Duration
	// JWKSMaxAge is how long fetched keys are used before a refresh drops
	// removed keys. Zero means 1h.
	JWKSMaxAge time.Duration
	// RetryInterval is the minimum time between attempts to reach an
	// authorization server whose metadata or keys were never loaded; in
	// between, verification fails fast with [ErrUnavailable]. Zero means 5s.
	RetryInterval time.Duration
	// StartupTimeout bounds the warm-up (discovery and JWKS) done by
	// NewVerifier; failures there are logged and retried lazily. Zero means
	// 5s; negative skips the warm-up.
	StartupTimeout time.Duration
}

// Verifier checks bearer tokens for one protected resource against its
// configured issuers. It is safe for concurrent use.
type Verifier struct {
	resource string
	issuers  []*issuer
	byIssuer map[string]*issuer
	opaque   bool // some issuer introspects opaque tokens
	logger   *slog.Logger
	now      func() time.Time
	// cache holds verified JWTs (verify_cache.go).
	cache *verifiedCache
}

// NewVerifier validates opts.Config, resolves introspection secrets and
// prepares one verifier per issuer. It then warms up (discovery, JWKS)
// within StartupTimeout; an unreachable authorization server is not an
// error here: it is retried on use, and tokens fail closed meanwhile.
func NewVerifier(ctx context.Context, opts VerifierOptions) (*Verifier, error) {
	if opts.Resource == "" {
		return nil, errors.New("new verifier: resource is required")
	}
	if err := opts.Config.Validate(opts.Resource); err != nil {
		return nil, fmt.Errorf("new verifier: %w", err)
	}
	o := opts.withDefaults()
	v := &Verifier{
		resource: o.Resource,
		byIssuer: map[string]*issuer{},
		logger:   o.Logger,
		now:      o.Now,
		cache:    newVerifiedCache(defaultVerifiedCacheSize),
	}
	for _, ic := range o.Config.Issuers {
		is, err := newIssuer(ic, o)
		if err != nil {
			return nil, fmt.Errorf("new verifier: issuer %s: %w", ic.Issuer, err)
		}
		v.issuers = append(v.issuers, is)
		v.byIssuer[ic.Issuer] = is
		v.opaque = v.opaque || is.intro != nil
	}
	if o.StartupTimeout > 0 {
		wctx, cancel := context.WithTimeout(ctx, o.StartupTimeout)
		defer cancel()
		if err := v.Ready(wctx); err != nil {
			v.logger.WarnContext(ctx, "authorization server not ready, will retry on first use", "err", err)
		}
	}
	return v, nil
}

func (o VerifierOptions) withDefaults() VerifierOptions {
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient()
	} else {
		o.HTTPClient = noRedirects(o.HTTPClient)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Logger = o.Logger.With("component", "authbridge")
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.JWKSMinRefreshInterval <= 0 {
		o.JWKSMinRefreshInterval = DefaultJWKSMinRefreshInterval
	}
	if o.JWKSMaxAge <= 0 {
		o.JWKSMaxAge = DefaultJWKSMaxAge
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = DefaultRetryInterval
	}
	if o.StartupTimeout == 0 {
		o.StartupTimeout = DefaultStartupTimeout
	}
	return o
}

// Resource returns the protected resource URL the verifier checks
// audiences against.
func (v *Verifier) Resource() string { return v.resource }

// Issuers returns the configured issuer identifiers, in configuration
// order (the authorization_servers of the resource metadata).
func (v *Verifier) Issuers() []string {
	out := make([]string, len(v.issuers))
	for i, is := range v.issuers {
		out[i] = is.cfg.Issuer
	}
	return out
}

// Ready loads the metadata and keys of every issuer that lacks them
// (subject to RetryInterval) and reports the issuers still unusable. It
// suits a readiness probe.
func (v *Verifier) Ready(ctx context.Context) error {
	errs := make([]error, len(v.issuers))
	var wg sync.WaitGroup
	for i, is := range v.issuers {
		wg.Go(func() { errs[i] = is.warm(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Verify checks raw and returns the caller it identifies. Errors match
// [ErrNoToken] (empty raw), [ErrInvalidToken] (see [InvalidTokenError] for
// the reason) or [ErrUnavailable] (an authorization server could not be
// reached: fail closed with 503).
//
// JWS tokens are routed by their unverified "iss" to the matching
// configured issuer; anything else is introspected at the issuers that
// configure introspection.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	if raw == "" {
		return nil, ErrNoToken
	}
	if len(raw) > MaxTokenBytes {
		return nil, invalid(reasonTooLarge)
	}
	switch strings.Count(raw, ".") {
	case 2:
		if p, ok := v.cache.get(raw, v.now()); ok {
			return p, nil
		}
		if tok, ok := parseJWT(raw); ok {
			return v.verifyJWTCached(ctx, raw, tok)
		}
	case 4:
		if !v.opaque {
			return nil, invalid(reasonEncrypted)
		}
	}
	if !v.opaque {
		return nil, invalid(reasonMalformed)
	}
	return v.verifyOpaque(ctx, raw)
}
