package authbridge

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// issuer is the compiled, per-issuer state of a [Verifier].
type issuer struct {
	cfg       IssuerConfig
	resource  string
	leeway    time.Duration
	algs      map[string]bool
	audiences map[string]bool
	fetch     fetcher
	now       func() time.Time
	retry     time.Duration
	logger    *slog.Logger
	intro     *introspector // nil without introspection
	// appIDURIs are, for Microsoft Entra ID issuers only, the prefixes
	// short "scp" scopes are also granted with (see qualifiedScopes).
	appIDURIs []string

	// keys and verifier exist from construction when jwksURL is
	// configured, otherwise after discovery.
	newKeySet func(jwksURL string) *keySet

	mu          sync.Mutex
	keys        *keySet
	verifier    *oidc.IDTokenVerifier
	introURL    string
	discovered  bool
	lastAttempt time.Time
	lastErr     error
	inflight    chan struct{}
}

func newIssuer(ic IssuerConfig, o VerifierOptions) (*issuer, error) {
	is := &issuer{
		cfg:       ic,
		resource:  o.Resource,
		leeway:    ic.leeway(),
		algs:      map[string]bool{},
		audiences: map[string]bool{},
		fetch:     fetcher{client: o.HTTPClient, maxBytes: o.MaxResponseBytes},
		now:       o.Now,
		retry:     o.RetryInterval,
		logger:    o.Logger.With("issuer", ic.Issuer),
	}
	for _, a := range ic.algorithms() {
		is.algs[a] = true
	}
	for _, a := range ic.Audiences {
		is.audiences[a] = true
	}
	if u, err := url.Parse(ic.Issuer); err == nil {
		if ic.profile(u) == ProfileEntra {
			is.appIDURIs = entraAppIDURIs(ic.Audiences, o.Resource)
		}
	}
	minRefresh := o.JWKSMinRefreshInterval
	if ic.JWKSMinRefresh > 0 {
		minRefresh = ic.JWKSMinRefresh.D()
	}
	is.newKeySet = func(jwksURL string) *keySet {
		return &keySet{
			url:        jwksURL,
			fetch:      is.fetch,
			minRefresh: minRefresh,
			maxAge:     o.JWKSMaxAge,
			retry:      o.RetryInterval,
			now:        o.Now,
			logger:     is.logger,
		}
	}
	if in := ic.Introspection; in != nil {
		secret, err := in.ClientSecret.Resolve(o.LookupEnv)
		if err != nil {
			return nil, fmt.Errorf("introspection client secret: %w", err)
		}
		is.intro = newIntrospector(*in, secret, is.fetch, o.Now)
		is.introURL = in.URL
	}
	if ic.JWKSURL != "" {
		is.setKeys(ic.JWKSURL)
	}
	is.discovered = !is.needsDiscovery()
	return is, nil
}

// needsDiscovery reports whether metadata must be fetched: for the JWKS
// URL, or for the introspection endpoint. is.mu is held or is unshared.
func (is *issuer) needsDiscovery() bool {
	return is.keys == nil || (is.intro != nil && is.introURL == "")
}

func (is *issuer) setKeys(jwksURL string) {
	is.keys = is.newKeySet(jwksURL)
	is.verifier = oidc.NewVerifier(is.cfg.Issuer, is.keys, &oidc.Config{
		// The audience rules (resource URL with trailing-slash tolerance,
		// extra audiences) are checked by checkAudience.
		SkipClientIDCheck:    true,
		SupportedSigningAlgs: is.cfg.algorithms(),
		// go-oidc checks exp without leeway; shifting its clock back by
		// the leeway applies ours, and keeps its "exp required" rule.
		Now: func() time.Time { return is.now().Add(-is.leeway) },
	})
}

// ready returns the JWT verifier and introspection URL once metadata is
// known, discovering it if needed. Failed attempts are retried at most
// every RetryInterval; in between, the last error is returned at once.
// Discovery runs in its own goroutine (bounded by fetchTimeout) that
// callers wait for until their context ends.
func (is *issuer) ready(ctx context.Context) (*oidc.IDTokenVerifier, string, error) {
	is.mu.Lock()
	if is.discovered {
		v, u := is.verifier, is.introURL
		is.mu.Unlock()
		return v, u, nil
	}
	ch := is.inflight
	if ch == nil {
		now := is.now()
		if !is.lastAttempt.IsZero() && now.Sub(is.lastAttempt) < is.retry {
			err := is.lastErr
			is.mu.Unlock()
			return nil, "", err
		}
		ch = make(chan struct{})
		is.inflight, is.lastAttempt = ch, now
		go is.runDiscovery(context.WithoutCancel(ctx), ch)
	}
	is.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return nil, "", fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	if !is.discovered {
		return nil, "", is.lastErr
	}
	return is.verifier, is.introURL, nil
}

func (is *issuer) runDiscovery(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	md, err := is.fetch.discover(ctx, is.cfg.Issuer, is.cfg.MetadataURL)
	is.mu.Lock()
	defer is.mu.Unlock()
	is.inflight = nil
	if err != nil {
		is.lastErr = fmt.Errorf("%w: %w", ErrUnavailable, err)
		is.logger.Warn("authorization server metadata unavailable", "err", err)
	} else {
		is.adopt(md)
	}
	close(done)
}

// adopt applies discovered metadata. is.mu is held.
func (is *issuer) adopt(md *asMetadata) {
	if is.keys == nil && md.JWKSURI != "" {
		is.setKeys(md.JWKSURI)
	}
	if is.intro != nil && is.introURL == "" {
		is.introURL = md.IntrospectionEndpoint
	}
	is.discovered = true
	is.lastErr = nil
	if is.keys == nil {
		is.logger.Warn("metadata has no jwks_uri: JWT access tokens of this issuer are rejected")
	}
	if is.intro != nil && is.introURL == "" {
		is.logger.Warn("metadata has no introspection_endpoint: opaque tokens of this issuer are rejected")
	}
}

// warm discovers metadata and loads keys.
func (is *issuer) warm(ctx context.Context) error {
	if _, _, err := is.ready(ctx); err != nil {
		return fmt.Errorf("issuer %s: %w", is.cfg.Issuer, err)
	}
	is.mu.Lock()
	ks := is.keys
	is.mu.Unlock()
	if ks == nil {
		return nil
	}
	if err := ks.load(ctx); err != nil {
		return fmt.Errorf("issuer %s: %w", is.cfg.Issuer, err)
	}
	return nil
}
