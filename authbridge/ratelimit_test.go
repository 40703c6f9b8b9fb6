package authbridge

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	clk := newFakeClock()
	l := NewRateLimiter(RateLimitConfig{RequestsPerMinute: 60, Burst: 2}, &RateLimiterOptions{Now: clk.Now})
	for i := range 2 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within burst", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != time.Second {
		t.Fatalf("third request: ok=%v wait=%v, want refused for 1s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another subject shares the bucket")
	}
	clk.Advance(500 * time.Millisecond)
	if ok, wait := l.Allow("a"); ok || wait != 500*time.Millisecond {
		t.Errorf("after 0.5s: ok=%v wait=%v", ok, wait)
	}
	clk.Advance(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("token not refilled after 1s")
	}
}

func TestRateLimiterEviction(t *testing.T) {
	clk := newFakeClock()
	l := NewRateLimiter(RateLimitConfig{RequestsPerMinute: 1, Burst: 1, MaxSubjects: 2}, &RateLimiterOptions{Now: clk.Now})
	l.Allow("a")
	l.Allow("b")
	l.Allow("a") // refused, but marks a as recently seen
	l.Allow("c") // evicts b
	if got := len(l.buckets); got != 2 {
		t.Fatalf("tracked %d subjects, want 2", got)
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("recently seen subject a was evicted")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("evicted subject b should start with a full bucket")
	}
}

func TestRateLimiterMiddleware(t *testing.T) {
	clk := newFakeClock()
	l := NewRateLimiter(RateLimitConfig{RequestsPerMinute: 2, Burst: 1}, &RateLimiterOptions{Now: clk.Now})
	h := RequireBearer(stubVerifier{}, MiddlewareOptions{})(l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	if rec := serve(h, bearerRequest("good")); rec.Code != http.StatusOK {
		t.Fatalf("first: %d", rec.Code)
	}
	rec := serve(h, bearerRequest("good"))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "30" {
		t.Fatalf("second: %d Retry-After %q, want 429 and 30", rec.Code, rec.Header().Get("Retry-After"))
	}
	if k := PrincipalKey(&Principal{Issuer: "i", ClientID: "c"}); k != "i\x00client:c" {
		t.Errorf("PrincipalKey without subject = %q", k)
	}
}
