package authbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// Defaults of the JWKS refresh policy, see [VerifierOptions].
const (
	DefaultJWKSMinRefreshInterval = 30 * time.Second
	DefaultJWKSMaxAge             = time.Hour
	DefaultRetryInterval          = 5 * time.Second
)

// fetchTimeout bounds one metadata or JWKS fetch even when the injected
// HTTP client has no timeout.
const fetchTimeout = 30 * time.Second

// keySet is the [oidc.KeySet] of one issuer. go-oidc's RemoteKeySet cannot
// be wrapped for this: it re-fetches the JWKS on every verification
// failure (unknown kid, but also a known kid with a bad signature), without
// rate limit, and exposes neither its cache nor a refresh method. keySet
// instead:
//   - refreshes on an unknown kid at most once per minRefresh; other
//     unknown kids meanwhile fail fast without network;
//   - never refreshes because a known kid failed to verify;
//   - refreshes every maxAge so that removed keys stop being trusted,
//     keeping the old keys if that refresh fails;
//   - until the first successful load, retries at most every retry and
//     reports [ErrUnavailable] (fail closed);
//   - fetches with a bounded body and the verifier's HTTP client, and
//     ignores symmetric keys, encryption keys and unsupported key types.
type keySet struct {
	url        string
	fetch      fetcher
	minRefresh time.Duration
	maxAge     time.Duration
	retry      time.Duration
	now        func() time.Time
	logger     *slog.Logger

	mu        sync.Mutex
	keys      []jose.JSONWebKey
	loaded    bool
	loadedAt  time.Time
	lastFetch time.Time
	lastErr   error
	inflight  chan struct{}
	// gen changes whenever the set of keys changes, and staleAt (Unix
	// nanoseconds) is when the keys are due for their periodic refresh;
	// the verified-token cache reads both without the lock.
	gen     atomic.Uint64
	staleAt atomic.Int64
}

var _ oidc.KeySet = (*keySet)(nil)

var errRefreshThrottled = errors.New("jwks refresh throttled")

// asymmetricAlgs is what keySet parses; the issuer's own allow-list was
// enforced before.
var asymmetricAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

type sigSinkKey struct{}

// sigSink carries the outcome of VerifySignature past go-oidc, which
// flattens key set errors into strings: the precise error, or whether the
// signature was verified.
type sigSink struct {
	err      error
	verified bool
}

// VerifySignature verifies jwt with the cached keys, refreshing them as
// described on [keySet], and returns the payload.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.verify(ctx, jwt)
	if s, ok := ctx.Value(sigSinkKey{}).(*sigSink); ok {
		s.err, s.verified = err, err == nil
	}
	return payload, err
}

func (k *keySet) verify(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, asymmetricAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, invalid(reasonMalformed)
	}
	hdr := jws.Signatures[0].Header
	keys, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	payload, matched := verifyWith(jws, keys, hdr.KeyID, hdr.Algorithm)
	if payload != nil {
		return payload, nil
	}
	if matched && hdr.KeyID != "" {
		// A published kid that does not verify is a forgery or a
		// corrupted token; refetching cannot help.
		return nil, invalid(reasonSignature)
	}
	keys, err = k.refresh(ctx, true)
	switch {
	case errors.Is(err, errRefreshThrottled):
		return nil, invalid(unknownOr(matched))
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	payload, matched = verifyWith(jws, keys, hdr.KeyID, hdr.Algorithm)
	if payload != nil {
		return payload, nil
	}
	return nil, invalid(unknownOr(matched))
}

func unknownOr(matched bool) string {
	if matched {
		return reasonSignature
	}
	return reasonUnknownKey
}

// verifyWith tries the keys that may have produced the signature. matched
// reports whether any key qualified by kid.
func verifyWith(jws *jose.JSONWebSignature, keys []jose.JSONWebKey, kid, alg string) (payload []byte, matched bool) {
	for i := range keys {
		key := &keys[i]
		if kid != "" && key.KeyID != kid {
			continue
		}
		matched = true
		if key.Algorithm != "" && key.Algorithm != alg {
			continue
		}
		if p, err := jws.Verify(key); err == nil {
			return p, true
		}
	}
	return nil, matched
}

// current returns the keys, loading them first if needed and refreshing
// them when older than maxAge.
func (k *keySet) current(ctx context.Context) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	keys, loaded, stale := k.keys, k.loaded, k.now().Sub(k.loadedAt) >= k.maxAge
	k.mu.Unlock()
	if loaded && !stale {
		return keys, nil
	}
	fresh, err := k.refresh(ctx, false)
	switch {
	case err == nil:
		return fresh, nil
	case loaded:
		if !errors.Is(err, errRefreshThrottled) {
			k.logger.WarnContext(ctx, "jwks refresh failed, keeping previous keys", "jwks_uri", k.url, "err", err)
		}
		return keys, nil
	case errors.Is(err, errRefreshThrottled):
		k.mu.Lock()
		err = k.lastErr
		k.mu.Unlock()
	}
	return nil, fmt.Errorf("%w: jwks %s: %w", ErrUnavailable, k.url, err)
}

// load fetches the keys unless they are loaded; used for warm-up.
func (k *keySet) load(ctx context.Context) error {
	_, err := k.current(ctx)
	return err
}

// refresh fetches the JWKS if the policy allows it now (force: an unknown
// kid), or waits for a fetch already in flight. It returns
// errRefreshThrottled when no fetch is allowed. The fetch runs in its own
// goroutine, bounded by fetchTimeout, so that a caller giving up (or the
// startup deadline) neither aborts it for the other waiters nor waits for
// it.
func (k *keySet) refresh(ctx context.Context, force bool) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	ch := k.inflight
	if ch == nil {
		now := k.now()
		if !k.due(now, force) {
			k.mu.Unlock()
			return nil, errRefreshThrottled
		}
		ch = make(chan struct{})
		k.inflight, k.lastFetch = ch, now
		go k.runFetch(context.WithoutCancel(ctx), ch, now)
	}
	k.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lastErr != nil {
		return nil, k.lastErr
	}
	return k.keys, nil
}

func (k *keySet) runFetch(ctx context.Context, done chan struct{}, started time.Time) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	keys, err := k.fetchKeys(ctx)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.inflight = nil
	k.lastErr = err
	if err == nil {
		if !sameKeys(k.keys, keys) {
			k.gen.Add(1)
		}
		k.keys, k.loaded, k.loadedAt = keys, true, started
		k.staleAt.Store(started.Add(k.maxAge).UnixNano())
	}
	close(done)
}

// due reports whether a fetch may start at now. k.mu is held.
func (k *keySet) due(now time.Time, force bool) bool {
	since := now.Sub(k.lastFetch)
	switch {
	case k.lastFetch.IsZero():
		return true
	case !k.loaded:
		return since >= k.retry
	case force:
		return since >= k.minRefresh
	default:
		return now.Sub(k.loadedAt) >= k.maxAge && since >= k.retry
	}
}

func (k *keySet) fetchKeys(ctx context.Context) ([]jose.JSONWebKey, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := k.fetch.getJSON(ctx, k.url, &raw); err != nil {
		return nil, err
	}
	if raw.Keys == nil {
		return nil, fmt.Errorf("jwks %s: no \"keys\" member", k.url)
	}
	var keys []jose.JSONWebKey
	for _, r := range raw.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(r); err != nil {
			// RFC 7517 §5: ignore keys that are not understood.
			continue
		}
		if !usableKey(&key) {
			continue
		}
		keys = append(keys, key.Public())
	}
	k.logger.Debug("jwks fetched", "jwks_uri", k.url, "keys", len(keys))
	return keys, nil
}

// usableKey keeps asymmetric signature keys only: a symmetric ("oct") key
// in a JWKS must never verify anything.
func usableKey(k *jose.JSONWebKey) bool {
	if k.Use != "" && k.Use != "sig" {
		return false
	}
	if _, sym := k.Key.([]byte); sym {
		return false
	}
	return k.Valid()
}
