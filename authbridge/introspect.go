package authbridge

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"
)

// negativeIntrospectionTTL bounds how long an inactive or rejected token is
// remembered.
const negativeIntrospectionTTL = 10 * time.Second

// introspector calls one RFC 7662 endpoint and caches the outcomes, keyed
// by the SHA-256 of the token (the token itself is never stored).
type introspector struct {
	clientID string
	secret   string
	method   string
	ttl      time.Duration
	fetch    fetcher
	now      func() time.Time
	cache    *introspectionCache
	group    singleflight.Group
}

func newIntrospector(c IntrospectionConfig, secret string, f fetcher, now func() time.Time) *introspector {
	return &introspector{
		clientID: c.ClientID,
		secret:   secret,
		method:   c.authMethod(),
		ttl:      c.cacheTTL(),
		fetch:    f,
		now:      now,
		cache:    newIntrospectionCache(defaultIntrospectionCacheSize),
	}
}

// verifyOpaque introspects raw at every issuer that supports it and
// accepts the first active result valid for this resource.
func (v *Verifier) verifyOpaque(ctx context.Context, raw string) (*Principal, error) {
	var invalidErr, unavailable error
	for _, is := range v.issuers {
		if is.intro == nil {
			continue
		}
		p, err := is.introspect(ctx, raw)
		switch {
		case err == nil:
			return p, nil
		case errors.Is(err, ErrUnavailable):
			unavailable = err
		default:
			invalidErr = err
		}
	}
	if unavailable != nil {
		// An issuer that could not answer may have issued the token.
		return nil, unavailable
	}
	return nil, invalidErr
}

// introspect returns the principal for raw from the cache or from the
// endpoint.
func (is *issuer) introspect(ctx context.Context, raw string) (*Principal, error) {
	key := sha256.Sum256([]byte(raw))
	now := is.now()
	if e, ok := is.intro.cache.get(key, now); ok {
		return e.principal(raw)
	}
	_, endpoint, err := is.ready(ctx)
	if err != nil {
		return nil, err
	}
	if endpoint == "" {
		return nil, fmt.Errorf("%w: issuer %s has no introspection endpoint", ErrUnavailable, is.cfg.Issuer)
	}
	ch := is.intro.group.DoChan(string(key[:]), func() (any, error) {
		return is.introspectRemote(context.WithoutCancel(ctx), endpoint, raw, key)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(introspectionEntry).principal(raw)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// introspectRemote calls the endpoint, evaluates and caches the answer.
// Only infrastructure failures are returned as errors; rejections are
// entries so that they are cached too.
func (is *issuer) introspectRemote(ctx context.Context, endpoint, raw string, key [32]byte) (introspectionEntry, error) {
	in := is.intro
	form := url.Values{"token": {raw}, "token_type_hint": {"access_token"}}
	user, pass := in.clientID, in.secret
	if in.method == AuthMethodPost {
		form.Set("client_id", in.clientID)
		form.Set("client_secret", in.secret)
		user, pass = "", ""
	}
	var resp map[string]any
	if err := in.fetch.postForm(ctx, endpoint, form, user, pass, &resp); err != nil {
		is.logger.WarnContext(ctx, "token introspection failed", "err", err)
		return introspectionEntry{}, fmt.Errorf("%w: introspection: %w", ErrUnavailable, err)
	}
	now := is.now()
	entry := introspectionEntry{expires: now.Add(min(negativeIntrospectionTTL, in.ttl))}
	p, err := is.evaluateIntrospection(resp)
	if err != nil {
		entry.err = err
	} else {
		entry.p = p
		entry.expires = now.Add(in.ttl)
		if !p.Expiry.IsZero() && p.Expiry.Before(entry.expires) {
			entry.expires = p.Expiry
		}
	}
	in.cache.put(key, entry)
	return entry, nil
}

// evaluateIntrospection applies RFC 7662 and the resource's rules to an
// introspection response: active, iss (if present), token type, audience
// (if present) and times.
func (is *issuer) evaluateIntrospection(resp map[string]any) (*Principal, error) {
	if active, _ := resp["active"].(bool); !active {
		return nil, invalid(reasonInactive)
	}
	if iss, ok := resp["iss"]; ok && iss != is.cfg.Issuer {
		return nil, invalid(reasonUnknownIssuer)
	}
	if tt, ok := resp["token_type"].(string); ok && isNonAccessTokenType(tt) {
		return nil, invalid(reasonTokenType)
	}
	// MCP requires proof that the token was issued for this resource: an
	// answer without "aud" proves nothing, unless the operator says the
	// authorization server only issues tokens for this resource.
	if _, ok := resp["aud"]; !ok && !is.cfg.Introspection.AllowMissingAudience {
		return nil, invalid(reasonAudience)
	}
	return is.principal("", resp, false)
}

func isNonAccessTokenType(tt string) bool {
	t := strings.ToLower(tt)
	return strings.Contains(t, "refresh") || strings.Contains(t, "id_token") || strings.Contains(t, "id-token")
}
