package authbridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// cacheRig is an exchange strategy with a fake clock and a shared cache.
type cacheRig struct {
	as    *fakeAS
	clock *fakeClock
	cache *TokenCache
	creds Credentials
}

func newCacheRig(t *testing.T, expiresIn any) *cacheRig {
	t.Helper()
	r := &cacheRig{as: newFakeAS(t), clock: newFakeClock()}
	r.as.setRespond(func(w http.ResponseWriter, _ tokenRequest, n int64) {
		body := map[string]any{"access_token": fmt.Sprintf("upstream-token-%d", n), "token_type": "Bearer"}
		if expiresIn != nil {
			body["expires_in"] = expiresIn
		}
		writeTokenJSON(w, http.StatusOK, body)
	})
	r.cache = NewTokenCache(TokenCacheOptions{Now: r.clock.Now})
	r.creds = mustCredentials(t, exchangeConfig(r.as.tokenURL()), CredentialsOptions{Name: "pets", Now: r.clock.Now, Cache: r.cache})
	return r
}

// apply returns the upstream Authorization value for p and scopes.
func (r *cacheRig) apply(t *testing.T, p *Principal, scopes ...string) string {
	t.Helper()
	req := newUpstreamRequest(t, "https://up.example.com/")
	if err := r.creds.Apply(t.Context(), req, p, scopes); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return req.Header.Get("Authorization")
}

func principalFor(subject string, now time.Time) *Principal {
	p := NewPrincipal(callerToken + "." + subject)
	p.Issuer, p.Subject, p.ClientID, p.Expiry = "https://idp.example.com", subject, "vscode", now.Add(time.Hour)
	return p
}

func TestCacheHitAndMiss(t *testing.T) {
	t.Parallel()
	r := newCacheRig(t, 3600)
	p := principalFor("alice", r.clock.Now())
	first := r.apply(t, p, "pets:read")
	second := r.apply(t, p, "pets:read")
	if first != second || first != "Bearer upstream-token-1" {
		t.Errorf("tokens = %q, %q; want the same cached token", first, second)
	}
	hits, misses, evictions := r.cache.Stats()
	if diff := cmp.Diff([3]uint64{1, 1, 0}, [3]uint64{hits, misses, evictions}); diff != "" {
		t.Errorf("stats (hits, misses, evictions) (-want +got):\n%s", diff)
	}
}

func TestCacheExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		expiresIn any
		validFor  time.Duration // expiry minus the 30 s skew
	}{
		{"expires_in number", 120, 90 * time.Second},
		{"expires_in string", "120", 90 * time.Second},
		{"no expires_in uses the 5 minute default", nil, 4*time.Minute + 30*time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newCacheRig(t, tc.expiresIn)
			p := principalFor("alice", r.clock.Now())
			r.apply(t, p)
			r.clock.Advance(tc.validFor - time.Second)
			if got := r.apply(t, p); got != "Bearer upstream-token-1" {
				t.Errorf("just before expiry: %q, want the cached token", got)
			}
			r.clock.Advance(2 * time.Second)
			if got := r.apply(t, p); got != "Bearer upstream-token-2" {
				t.Errorf("after expiry: %q, want a new token", got)
			}
		})
	}
}

func TestCacheShortLivedTokenNotCached(t *testing.T) {
	t.Parallel()
	r := newCacheRig(t, 20) // shorter than the skew
	p := principalFor("alice", r.clock.Now())
	r.apply(t, p)
	r.apply(t, p)
	if n := r.as.count.Load(); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestCacheKeys(t *testing.T) {
	t.Parallel()
	r := newCacheRig(t, 3600)
	now := r.clock.Now()
	alice, bob := principalFor("alice", now), principalFor("bob", now)
	aliceOtherToken := NewPrincipal(callerToken + ".refreshed")
	aliceOtherToken.Issuer, aliceOtherToken.Subject, aliceOtherToken.ClientID = alice.Issuer, alice.Subject, alice.ClientID
	aliceOtherClient := principalFor("alice", now)
	aliceOtherClient.ClientID = "claude"
	noSubject1, noSubject2 := NewPrincipal(callerToken+".1"), NewPrincipal(callerToken+".2")

	got := []string{
		r.apply(t, alice, "pets:read"),              // 1
		r.apply(t, alice, "pets:read", "pets:read"), // same set: 1
		r.apply(t, alice, "pets:write"),             // 2
		r.apply(t, alice, "pets:write", "pets:read"),
		r.apply(t, alice, "pets:read", "pets:write"), // same set: 3
		r.apply(t, bob, "pets:read"),                 // 4
		r.apply(t, aliceOtherToken, "pets:read"),     // same subject: 1
		r.apply(t, aliceOtherClient, "pets:read"),    // 5
		r.apply(t, noSubject1, "pets:read"),          // keyed by token: 6
		r.apply(t, noSubject2, "pets:read"),          // 7
		r.apply(t, noSubject1, "pets:read"),          // 6
	}
	want := []string{"1", "1", "2", "3", "3", "4", "1", "5", "6", "7", "6"}
	for i := range want {
		want[i] = "Bearer upstream-token-" + want[i]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
}

func TestCacheSharedAcrossAPIs(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	cache := NewTokenCache(TokenCacheOptions{})
	pets := mustCredentials(t, exchangeConfig(as.tokenURL()), CredentialsOptions{Name: "pets", Cache: cache})
	store := mustCredentials(t, exchangeConfig(as.tokenURL()), CredentialsOptions{Name: "store", Cache: cache})
	p := callerPrincipal(time.Now())
	for _, c := range []Credentials{pets, store, pets, store} {
		if err := c.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), p, []string{"s"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := as.count.Load(); n != 2 {
		t.Errorf("token requests = %d, want 2 (one per API)", n)
	}
	if cache.Len() != 2 {
		t.Errorf("cache entries = %d, want 2", cache.Len())
	}
}

func TestCacheHonoursInboundExpiry(t *testing.T) {
	t.Parallel()
	r := newCacheRig(t, 3600)
	p := principalFor("alice", r.clock.Now())
	p.Expiry = r.clock.Now().Add(90 * time.Second) // the upstream token lives an hour
	r.apply(t, p)
	r.clock.Advance(59 * time.Second)
	if got := r.apply(t, p); got != "Bearer upstream-token-1" {
		t.Errorf("while the inbound token is valid: %q, want the cached token", got)
	}
	r.clock.Advance(2 * time.Second) // within the skew of the inbound expiry
	refreshed := principalFor("alice", r.clock.Now())
	if got := r.apply(t, refreshed); got != "Bearer upstream-token-2" {
		t.Errorf("after the inbound token's expiry: %q, want a new exchange", got)
	}
}

func TestCachePurge(t *testing.T) {
	t.Parallel()
	r := newCacheRig(t, 3600)
	now := r.clock.Now()
	alice, bob := principalFor("alice", now), principalFor("bob", now)
	r.apply(t, alice, "a")
	r.apply(t, alice, "b")
	r.apply(t, bob, "a")
	if n := r.cache.Purge("https://idp.example.com", "alice"); n != 2 {
		t.Errorf("Purge = %d, want 2", n)
	}
	if got := r.apply(t, bob, "a"); got != "Bearer upstream-token-3" {
		t.Errorf("bob after purge: %q, want his cached token", got)
	}
	if got := r.apply(t, alice, "a"); got != "Bearer upstream-token-4" {
		t.Errorf("alice after purge: %q, want a new token", got)
	}
}

func TestCacheConcurrentMissesShareOneRequest(t *testing.T) {
	t.Parallel()
	r := newCacheRig(t, 3600)
	r.as.setRespond(func(w http.ResponseWriter, _ tokenRequest, n int64) {
		time.Sleep(50 * time.Millisecond) // keep the flight open while callers pile up
		writeTokenJSON(w, http.StatusOK, map[string]any{"access_token": fmt.Sprintf("upstream-token-%d", n), "expires_in": 3600})
	})
	p := principalFor("alice", r.clock.Now())
	const callers = 50
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			<-start
			req := newUpstreamRequest(t, "https://up/")
			errs[i] = r.creds.Apply(context.Background(), req, p, []string{"pets:read"})
			results[i] = req.Header.Get("Authorization")
		})
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || results[i] != "Bearer upstream-token-1" {
			t.Fatalf("caller %d: %q, %v", i, results[i], errs[i])
		}
	}
	if n := r.as.count.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestCacheCancelledFirstCallerDoesNotFailOthers(t *testing.T) {
	t.Parallel()
	cache := NewTokenCache(TokenCacheOptions{})
	release := make(chan struct{})
	var fetches atomic.Int32
	fetch := func(ctx context.Context) (fetchedToken, error) {
		fetches.Add(1)
		select {
		case <-release:
			return fetchedToken{token: "shared", lifetime: time.Hour}, nil
		case <-ctx.Done():
			return fetchedToken{}, ctx.Err()
		}
	}
	k := cacheKey{id: [32]byte{1}}
	firstCtx, cancelFirst := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := cacheGet(firstCtx, cache, k, time.Time{}, time.Minute, fetch)
		first <- err
	}()
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan string, 1)
	go func() {
		tok, err := cacheGet(t.Context(), cache, k, time.Time{}, time.Minute, fetch)
		if err != nil {
			tok = "error: " + err.Error()
		}
		second <- tok
	}()
	for _, misses, _ := cache.Stats(); misses < 2; _, misses, _ = cache.Stats() {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // let the second caller join the flight
	cancelFirst()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("first caller: %v, want context.Canceled", err)
	}
	close(release)
	if got := <-second; got != "shared" {
		t.Errorf("second caller got %q, want the shared token", got)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
}

func TestCacheLRUBound(t *testing.T) {
	t.Parallel()
	cache := NewTokenCache(TokenCacheOptions{Size: 3})
	var fetches atomic.Int32
	get := func(i byte) {
		t.Helper()
		_, err := cacheGet(t.Context(), cache, cacheKey{id: [32]byte{i}}, time.Time{}, time.Minute, func(context.Context) (fetchedToken, error) {
			fetches.Add(1)
			return fetchedToken{token: fmt.Sprint(i), lifetime: time.Hour}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []byte{1, 2, 3, 1, 4, 5} { // 1 is refreshed, so 2 and 3 go
		get(i)
	}
	if cache.Len() != 3 {
		t.Errorf("Len = %d, want 3", cache.Len())
	}
	before := fetches.Load()
	get(1)
	if fetches.Load() != before {
		t.Error("entry 1 was evicted although recently used")
	}
	get(2)
	if fetches.Load() != before+1 {
		t.Error("entry 2 was kept although least recently used")
	}
	if _, _, evictions := cache.Stats(); evictions != 3 {
		t.Errorf("evictions = %d, want 3", evictions)
	}
}

// TestCacheHitRatio measures a realistic mix: 10 subjects, 5 scope sets
// each, 1,000 calls per pair, all within the token lifetime.
func TestCacheHitRatio(t *testing.T) {
	t.Parallel()
	r := newCacheRig(t, 3600)
	now := r.clock.Now()
	scopeSets := [][]string{{"pets:read"}, {"pets:write"}, {"pets:read", "pets:write"}, {"store:read"}, {"admin"}}
	for subj := range 10 {
		p := principalFor(fmt.Sprintf("user-%d", subj), now)
		for _, scopes := range scopeSets {
			for range 1000 {
				if err := r.creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), p, scopes); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	hits, misses, _ := r.cache.Stats()
	ratio := float64(hits) / float64(hits+misses)
	t.Logf("hit ratio %.4f (%d hits, %d misses, %d token requests)", ratio, hits, misses, r.as.count.Load())
	if misses != 50 || r.as.count.Load() != 50 {
		t.Errorf("misses = %d, token requests = %d; want 50 each", misses, r.as.count.Load())
	}
}

// cacheGet is the lookup-then-fill sequence the strategies use.
func cacheGet(ctx context.Context, c *TokenCache, k cacheKey, notAfter time.Time, timeout time.Duration,
	fetch func(context.Context) (fetchedToken, error)) (string, error) {
	if tok, ok := c.lookup(k.id, true); ok {
		return tok, nil
	}
	return c.fill(ctx, k, notAfter, timeout, fetch)
}
