package authbridge

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// benchPrincipal holds a 1 KiB token, the size of a typical JWT with a
// few claims.
func benchPrincipal(subject string) *Principal {
	p := NewPrincipal("eyJ" + strings.Repeat("x", 1021) + subject)
	p.Issuer, p.Subject, p.ClientID, p.Expiry = "https://idp.example.com", subject, "vscode", time.Now().Add(time.Hour)
	return p
}

func benchApply(b *testing.B, creds Credentials, p *Principal, scopes []string) {
	b.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://up.example.com/pets?limit=10", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	ctx := b.Context()
	if err := creds.Apply(ctx, req, p, scopes); err != nil { // warm the cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := creds.Apply(ctx, req, p, scopes); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyNone is the baseline: the guard alone, no credential.
func BenchmarkApplyNone(b *testing.B) {
	creds, err := NewCredentials(b.Context(), UpstreamAuthConfig{}, CredentialsOptions{})
	if err != nil {
		b.Fatal(err)
	}
	benchApply(b, creds, benchPrincipal("alice"), []string{"pets:read"})
}

// BenchmarkExchangeCached is Apply for token exchange with a warm cache.
func BenchmarkExchangeCached(b *testing.B) {
	as := &fakeAS{}
	as.srv = newBenchAS(as)
	defer as.srv.Close()
	creds, err := NewCredentials(b.Context(), exchangeConfig(as.tokenURL()), CredentialsOptions{Name: "pets"})
	if err != nil {
		b.Fatal(err)
	}
	benchApply(b, creds, benchPrincipal("alice"), []string{"pets:write", "pets:read"})
	if n := as.count.Load(); n != 1 {
		b.Errorf("token requests = %d, want 1", n)
	}
}

// BenchmarkCacheHitRatioMix reports the hit ratio of 10 subjects × 5 scope
// sets × 1,000 interleaved calls against one exchange strategy.
func BenchmarkCacheHitRatioMix(b *testing.B) {
	as := &fakeAS{}
	as.srv = newBenchAS(as)
	defer as.srv.Close()
	scopeSets := [][]string{{"pets:read"}, {"pets:write"}, {"pets:read", "pets:write"}, {"store:read"}, {"admin"}}
	principals := make([]*Principal, 10)
	for i := range principals {
		principals[i] = benchPrincipal(fmt.Sprintf("user-%d", i))
	}
	req, _ := http.NewRequest(http.MethodGet, "https://up.example.com/pets", nil)
	var ratio float64
	for b.Loop() {
		cache := NewTokenCache(TokenCacheOptions{})
		creds, err := NewCredentials(b.Context(), exchangeConfig(as.tokenURL()), CredentialsOptions{Cache: cache})
		if err != nil {
			b.Fatal(err)
		}
		for range 1000 {
			for _, p := range principals {
				for _, scopes := range scopeSets {
					if err := creds.Apply(b.Context(), req, p, scopes); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		hits, misses, _ := cache.Stats()
		ratio = float64(hits) / float64(hits+misses)
	}
	b.ReportMetric(ratio, "hit-ratio")
}

// newBenchAS serves as without a *testing.T.
func newBenchAS(as *fakeAS) *httptest.Server { return httptest.NewServer(http.HandlerFunc(as.serve)) }
