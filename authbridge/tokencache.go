package authbridge

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Token cache defaults, used for zero [TokenCacheOptions] fields.
const (
	// DefaultTokenCacheSkew is subtracted from every expiry so that a
	// token is never sent when it is about to expire.
	DefaultTokenCacheSkew = 30 * time.Second
	// DefaultTokenTTL is assumed when a token response has no expires_in.
	DefaultTokenTTL = 5 * time.Minute
)

// TokenCacheOptions configure a [TokenCache].
type TokenCacheOptions struct {
	// Size bounds the number of entries; the least recently used entry is
	// evicted first. Zero means [DefaultTokenCacheSize].
	Size int
	// Skew is subtracted from expiries; zero means [DefaultTokenCacheSkew].
	Skew time.Duration
	// DefaultTTL is the lifetime assumed without expires_in; zero means
	// [DefaultTokenTTL].
	DefaultTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// TokenCache holds upstream tokens obtained by [Credentials] strategies,
// bounded in size with LRU eviction. It is safe for concurrent use and may
// be shared by the credentials of many APIs.
//
// Entries are keyed by a SHA-256 hash of the strategy (API, token endpoint,
// client, audience, resource, token type), the caller (issuer, subject and
// client) and the sorted scope set, so keys never contain tokens. An entry
// is served until the earlier of the upstream token's expiry and the
// caller's inbound token expiry, minus the skew. Concurrent misses for the
// same key share one token request.
type TokenCache struct {
	size       int
	skew       time.Duration
	defaultTTL time.Duration
	now        func() time.Time

	mu      sync.Mutex
	lru     *list.List // of *cacheEntry, most recent first
	entries map[[32]byte]*list.Element

	flights singleflight.Group

	hits, misses, evictions atomic.Uint64
}

// NewTokenCache returns an empty cache.
func NewTokenCache(opts TokenCacheOptions) *TokenCache {
	c := &TokenCache{
		size:       opts.Size,
		skew:       opts.Skew,
		defaultTTL: opts.DefaultTTL,
		now:        opts.Now,
		lru:        list.New(),
		entries:    make(map[[32]byte]*list.Element),
	}
	if c.size <= 0 {
		c.size = DefaultTokenCacheSize
	}
	if c.skew <= 0 {
		c.skew = DefaultTokenCacheSkew
	}
	if c.defaultTTL <= 0 {
		c.defaultTTL = DefaultTokenTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Stats returns the number of lookups served from the cache, the number
// that were not, and the number of entries evicted to respect the size bound.
func (c *TokenCache) Stats() (hits, misses, evictions uint64) {
	return c.hits.Load(), c.misses.Load(), c.evictions.Load()
}

// Len returns the number of entries, expired ones included until they are
// looked up or evicted.
func (c *TokenCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Purge drops every entry obtained for the caller issuer/subject, e.g.
// after a sign-out or a revocation notice, and returns how many it dropped.
func (c *TokenCache) Purge(issuer, subject string) int {
	owner := ownerKey(issuer, subject)
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*cacheEntry); e.owner == owner {
			c.lru.Remove(el)
			delete(c.entries, e.id)
			n++
		}
		el = next
	}
	return n
}

// cacheKey identifies a cached token; owner identifies the caller for Purge.
type cacheKey struct {
	id    [32]byte
	owner [32]byte
}

type cacheEntry struct {
	cacheKey
	token      string
	validUntil time.Time
}

// fetchedToken is what a strategy obtained from a token endpoint.
type fetchedToken struct {
	token string
	// lifetime is expires_in; zero when the response had none.
	lifetime time.Duration
}

// fill fetches the token for k after a [TokenCache.lookup] miss and
// caches it. notAfter (zero for none) caps the entry's validity, e.g. the
// inbound token's expiry. Lookup and fill are separate so that the hit path
// allocates no fetch closure.
//
// The fetch runs once for all concurrent callers of k, with a context
// detached from any one caller's cancellation and bounded by timeout, so a
// caller that gives up does not fail the others.
func (c *TokenCache) fill(ctx context.Context, k cacheKey, notAfter time.Time, timeout time.Duration,
	fetch func(context.Context) (fetchedToken, error)) (string, error) {
	ch := c.flights.DoChan(string(k.id[:]), func() (any, error) {
		if tok, ok := c.lookup(k.id, false); ok {
			return tok, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		start := c.now()
		f, err := fetch(fctx)
		if err != nil {
			return "", err
		}
		c.store(k, f, start, notAfter)
		return f.token, nil
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	}
}

// lookup returns a valid entry's token; count records a hit or miss.
func (c *TokenCache) lookup(id [32]byte, count bool) (string, bool) {
	now := c.now()
	c.mu.Lock()
	el, ok := c.entries[id]
	if ok {
		e := el.Value.(*cacheEntry)
		if now.Before(e.validUntil) {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			if count {
				c.hits.Add(1)
			}
			return e.token, true
		}
		c.lru.Remove(el)
		delete(c.entries, id)
	}
	c.mu.Unlock()
	if count {
		c.misses.Add(1)
	}
	return "", false
}

// store caches f unless it is already too close to expiry to be reused.
func (c *TokenCache) store(k cacheKey, f fetchedToken, start, notAfter time.Time) {
	lifetime := f.lifetime
	if lifetime <= 0 {
		lifetime = c.defaultTTL
	}
	until := start.Add(lifetime)
	if !notAfter.IsZero() && notAfter.Before(until) {
		until = notAfter
	}
	until = until.Add(-c.skew)
	if !c.now().Before(until) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k.id]; ok {
		c.lru.Remove(el)
	}
	c.entries[k.id] = c.lru.PushFront(&cacheEntry{cacheKey: k, token: f.token, validUntil: until})
	for c.lru.Len() > c.size {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*cacheEntry).id)
		c.evictions.Add(1)
	}
}

// ownerKey hashes a caller identity for [TokenCache.Purge].
func ownerKey(issuer, subject string) [32]byte {
	var buf [256]byte
	b := appendField(buf[:0], "owner")
	b = appendField(b, issuer)
	b = appendField(b, subject)
	return sha256.Sum256(b)
}

// appendField appends s with a length prefix so that field boundaries
// cannot be forged by the field contents.
func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
