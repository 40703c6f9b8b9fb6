package authbridge

import (
	"context"
	"crypto"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Verified-token cache.
//
// Verifying a JWT costs an RSA or ECDSA signature check (about a third of
// the CPU of a protected tool call), and a client sends the same token
// with every request until it expires. The verifier therefore remembers
// each JWT it accepted, keyed by the SHA-256 of the token (the token
// itself is not kept as a key), until the token's exp — never past it, no
// leeway — and forgets it as soon as its issuer's key set changes (a key
// rotated out no longer vouches for anything) or is due for its periodic
// refresh. The cache is bounded;
// rejected tokens are never cached. Introspected (opaque) tokens have
// their own cache (introspect_cache.go).

// defaultVerifiedCacheSize bounds the verified-token cache.
const defaultVerifiedCacheSize = 10000

// verifiedEntry is a cached accepted JWT: a principal template (without
// the token) and what keeps it valid.
type verifiedEntry struct {
	p       *Principal
	keys    *keySet
	gen     uint64
	expires time.Time
}

// fresh reports whether the issuer's keys are those the token was
// verified with and are not due for their periodic refresh (a hit must not
// postpone it: that refresh is what stops trusting removed keys).
func (e verifiedEntry) fresh(now time.Time) bool {
	return e.keys.gen.Load() == e.gen && now.UnixNano() < e.keys.staleAt.Load()
}

// verifiedCache maps token hashes to accepted principals.
type verifiedCache struct {
	max   int
	mu    sync.RWMutex
	items map[[32]byte]verifiedEntry
}

func newVerifiedCache(max int) *verifiedCache {
	return &verifiedCache{max: max, items: make(map[[32]byte]verifiedEntry)}
}

// get returns a copy of the cached principal for raw, carrying raw, if the
// token is cached, unexpired at now and its issuer's keys are unchanged.
func (c *verifiedCache) get(raw string, now time.Time) (*Principal, bool) {
	if c == nil {
		return nil, false
	}
	key := sha256.Sum256([]byte(raw))
	c.mu.RLock()
	e, ok := c.items[key]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) || !e.fresh(now) {
		c.mu.Lock()
		if cur, ok := c.items[key]; ok && cur == e {
			delete(c.items, key)
		}
		c.mu.Unlock()
		return nil, false
	}
	p := *e.p
	p.token = raw
	return &p, true
}

// put remembers an accepted token until expires, as long as keys stays at
// generation gen.
func (c *verifiedCache) put(raw string, p *Principal, keys *keySet, gen uint64, expires time.Time, now time.Time) {
	if c == nil || keys == nil || !now.Before(expires) {
		return
	}
	tmpl := *p
	tmpl.token = ""
	key := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) >= c.max {
		c.evict(now)
	}
	c.items[key] = verifiedEntry{p: &tmpl, keys: keys, gen: gen, expires: expires}
}

// evict makes room: expired and stale entries first, then arbitrary ones
// until a tenth of the cache is free. c.mu is held.
func (c *verifiedCache) evict(now time.Time) {
	for k, e := range c.items {
		if !now.Before(e.expires) || !e.fresh(now) {
			delete(c.items, k)
		}
	}
	for k := range c.items {
		if len(c.items) < c.max-c.max/10 {
			break
		}
		delete(c.items, k)
	}
}

// len returns the number of cached tokens.
func (c *verifiedCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

// verifyJWTCached verifies a JWT and caches the accepted principal. The
// key set generation is read before verification, so a rotation during it
// leaves an entry that is already stale.
func (v *Verifier) verifyJWTCached(ctx context.Context, raw string, tok unverifiedJWT) (*Principal, error) {
	var keys *keySet
	var gen uint64
	if iss, _ := tok.claims["iss"].(string); v.byIssuer[iss] != nil {
		is := v.byIssuer[iss]
		is.mu.Lock()
		keys = is.keys
		is.mu.Unlock()
		if keys != nil {
			gen = keys.gen.Load()
		}
	}
	p, err := v.verifyJWT(ctx, raw, tok)
	if err == nil && keys != nil && !p.Expiry.IsZero() {
		v.cache.put(raw, p, keys, gen, p.Expiry, v.now())
	}
	return p, err
}

// sameKeys reports whether two key sets hold the same keys (by key id,
// algorithm and RFC 7638 thumbprint), in any order.
func sameKeys(a, b []jose.JSONWebKey) bool {
	if len(a) != len(b) {
		return false
	}
	fa, fb := keyFingerprints(a), keyFingerprints(b)
	return fa != nil && fb != nil && slices.Equal(fa, fb)
}

func keyFingerprints(keys []jose.JSONWebKey) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		tp, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil
		}
		out = append(out, k.KeyID+"\x00"+k.Algorithm+"\x00"+string(tp))
	}
	slices.Sort(out)
	return out
}
