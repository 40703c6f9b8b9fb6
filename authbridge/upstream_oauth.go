package authbridge

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// oauthBase holds what the token-endpoint strategies share.
type oauthBase struct {
	cfg     UpstreamAuthConfig
	name    string
	svc     tokenService
	ep      *tokenEndpoint
	cache   *TokenCache
	id      [32]byte // strategy part of every cache key
	place   tokenPlacement
	scopes  scopePolicy
	timeout time.Duration
	now     func() time.Time
	logger  *slog.Logger
}

// newOAuthStrategy builds the strategy of an OAuth-based cfg, resolving its
// secrets and keys.
func newOAuthStrategy(cfg UpstreamAuthConfig, opts CredentialsOptions) (strategy, error) {
	b, err := newOAuthBase(cfg, opts)
	if err != nil {
		return nil, err
	}
	switch cfg.kind() {
	case UpstreamAuthClientCredentials:
		return newClientCredentials(b), nil
	case UpstreamAuthTokenExchange:
		return newExchange(b, opts.LookupEnv)
	default:
		return newOBO(b), nil
	}
}

func newOAuthBase(cfg UpstreamAuthConfig, opts CredentialsOptions) (*oauthBase, error) {
	u, err := url.Parse(cfg.TokenURL)
	if err != nil {
		return nil, fmt.Errorf("upstreamAuth.tokenURL: %w", err)
	}
	svc := tokenService{api: opts.Name, host: u.Host, consentURL: cfg.ConsentURL}
	if svc.api == "" {
		svc.api = u.Host
	}
	b := &oauthBase{
		cfg:     cfg,
		name:    opts.Name,
		svc:     svc,
		cache:   opts.Cache,
		place:   cfg.placement(),
		scopes:  newScopePolicy(cfg.perOperationScopes(), cfg.ScopePrefix, cfg.Scopes),
		timeout: cfg.timeout(),
		now:     opts.Now,
		logger:  opts.Logger.With("component", "authbridge", "upstream", svc.api),
	}
	if b.cache == nil {
		b.cache = NewTokenCache(TokenCacheOptions{Size: cfg.CacheSize, Now: opts.Now})
	}
	ep := &tokenEndpoint{url: cfg.TokenURL, clientID: cfg.ClientID, auth: cfg.clientAuth(), svc: svc}
	switch ep.auth {
	case ClientAuthPrivateKeyJWT:
		pemKey, err := cfg.PrivateKey.Resolve(opts.LookupEnv)
		if err != nil {
			return nil, fmt.Errorf("upstreamAuth.privateKey: %w", err)
		}
		ep.signer, err = newAssertionSigner(pemKey, cfg.KeyID, cfg.Algorithm, cfg.ClientID, cfg.TokenURL, opts.Now)
		if err != nil {
			return nil, fmt.Errorf("upstreamAuth.privateKey: %w", err)
		}
	default:
		ep.secret, err = cfg.ClientSecret.Resolve(opts.LookupEnv)
		if err != nil {
			return nil, fmt.Errorf("upstreamAuth.clientSecret: %w", err)
		}
	}
	ep.client = tokenHTTPClient(opts.HTTPClient, b.timeout)
	b.ep = ep
	b.id = strategyID(opts.Name, cfg)
	return b, nil
}

// tokenHTTPClient returns a copy of c (or a new client) that never follows
// redirects: a redirected POST would resend client credentials elsewhere.
func tokenHTTPClient(c *http.Client, timeout time.Duration) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = timeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// strategyID hashes everything about a strategy that changes the token
// it obtains, so that APIs and per-operation overrides sharing a cache
// never share tokens. extra adds strategy-specific parts.
func strategyID(name string, c UpstreamAuthConfig, extra ...string) [32]byte {
	var b []byte
	for _, f := range []string{"strategy", name, c.kind(), c.TokenURL, c.ClientID, c.Audience,
		c.Resource, c.requestedTokenType(), c.clientAuth()} {
		b = appendField(b, f)
	}
	for _, f := range extra {
		b = appendField(b, f)
	}
	return sha256.Sum256(b)
}

// key returns the cache key for caller p (nil for the gateway's own
// tokens) and the requested scopes.
func (b *oauthBase) key(p *Principal, scopes []string) cacheKey {
	var k cacheKey
	clientID := ""
	if p != nil {
		clientID = p.ClientID
		if p.Subject != "" {
			k.owner = ownerKey(p.Issuer, p.Subject)
		} else {
			// Without a subject, the inbound token itself is the only
			// identity; hash it so that no raw token is kept in a key.
			k.owner = ownerKey(p.Issuer, "token:"+string(hashToken(p.Token())))
		}
	}
	var buf [512]byte
	kb := append(buf[:0], b.id[:]...)
	kb = append(kb, k.owner[:]...)
	kb = appendField(kb, clientID)
	for _, s := range scopes {
		kb = appendField(kb, s)
	}
	k.id = sha256.Sum256(kb)
	return k
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// requireSubject returns the caller's token, or an error if a delegated
// strategy has no usable caller.
func (b *oauthBase) requireSubject(p *Principal) (string, error) {
	if p == nil || p.Token() == "" {
		return "", &CredentialError{
			Code:    CredentialNoSubjectToken,
			Message: fmt.Sprintf("the upstream API %s acts on behalf of the signed-in user, but the call has no user token", b.svc.api),
		}
	}
	if !p.Expiry.IsZero() && !b.now().Before(p.Expiry) {
		return "", &CredentialError{
			Code:             CredentialInvalidGrant,
			NeedsInteraction: true,
			Message:          fmt.Sprintf("your session for %s has expired or was revoked; reconnect to sign in again", b.svc.api),
		}
	}
	return p.Token(), nil
}

// logGrant records a token request outcome without any token, with the
// context of the call (its request id, when logged by the gateway).
func (b *oauthBase) logGrant(ctx context.Context, g grant, scopes []string, start time.Time, err error) {
	attrs := []any{"type", b.cfg.kind(), "scopes", scopes, "duration", b.now().Sub(start)}
	var ce *CredentialError
	switch {
	case errors.As(err, &ce):
		b.logger.DebugContext(ctx, "upstream token request failed", append(attrs, "code", ce.Code, "status", ce.Status)...)
	case err != nil:
		b.logger.DebugContext(ctx, "upstream token request failed", append(attrs, "err", err)...)
	default:
		b.logger.DebugContext(ctx, "upstream token obtained", append(attrs, "granted_scope", g.scope,
			"issued_token_type", g.issuedTokenType, "expires_in", g.lifetime)...)
	}
}

// scopePolicy turns an operation's scopes into the scopes to request.
type scopePolicy struct {
	perOperation bool
	prefix       string
	static       []string // normalised
}

func newScopePolicy(perOperation bool, prefix string, static []string) scopePolicy {
	return scopePolicy{perOperation: perOperation, prefix: prefix, static: normalizeScopes(static)}
}

// forOperation returns the sorted, de-duplicated scopes to request: the
// operation's (prefixed) when per-operation scopes are on and it has any,
// else the static ones.
func (sp scopePolicy) forOperation(op []string) []string {
	if !sp.perOperation || len(op) == 0 {
		return sp.static
	}
	if sp.prefix == "" {
		return normalizeScopes(op)
	}
	out := make([]string, 0, len(op))
	for _, s := range op {
		if s != "" {
			out = append(out, sp.prefix+s)
		}
	}
	return normalizeScopes(out)
}

// normalizeScopes returns in sorted without duplicates or empty strings,
// reusing in when it is already so.
func normalizeScopes(in []string) []string {
	clean := true
	for i, s := range in {
		if s == "" || i > 0 && in[i-1] >= s {
			clean = false
			break
		}
	}
	if clean {
		return in
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
