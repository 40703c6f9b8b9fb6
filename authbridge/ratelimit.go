package authbridge

import (
	"container/list"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimiterOptions tunes [NewRateLimiter]. Nil means defaults.
type RateLimiterOptions struct {
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives a debug line per refusal. Nil discards.
	Logger *slog.Logger
}

// RateLimiter is a per-caller token bucket: each caller (issuer and
// subject) earns RequestsPerMinute tokens per minute up to Burst. The set
// of tracked callers is bounded; the least recently seen are forgotten
// first. It is safe for concurrent use.
type RateLimiter struct {
	perSec float64
	burst  float64
	max    int
	now    func() time.Time
	logger *slog.Logger

	mu      sync.Mutex
	ll      *list.List // front = most recently seen
	buckets map[string]*list.Element
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewRateLimiter returns a limiter for cfg, which must be valid (see
// [Config.Validate]); a non-positive rate is treated as one per minute.
func NewRateLimiter(cfg RateLimitConfig, opts *RateLimiterOptions) *RateLimiter {
	if opts == nil {
		opts = &RateLimiterOptions{}
	}
	rpm := max(cfg.RequestsPerMinute, 1)
	burst := cfg.Burst
	if burst <= 0 {
		burst = rpm
	}
	maxKeys := cfg.MaxSubjects
	if maxKeys <= 0 {
		maxKeys = DefaultMaxSubjects
	}
	l := &RateLimiter{
		perSec:  float64(rpm) / 60,
		burst:   float64(burst),
		max:     maxKeys,
		now:     opts.Now,
		logger:  opts.Logger,
		ll:      list.New(),
		buckets: map[string]*list.Element{},
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// Allow takes one token for key. When none is left it reports false and
// how long until one is available.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if el, ok := l.buckets[key]; ok {
		l.ll.MoveToFront(el)
		b = el.Value.(*bucket)
		if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
			b.tokens = math.Min(l.burst, b.tokens+elapsed*l.perSec)
		}
		b.last = now
	} else {
		b = &bucket{key: key, tokens: l.burst, last: now}
		l.buckets[key] = l.ll.PushFront(b)
		for l.ll.Len() > l.max {
			old := l.ll.Back()
			l.ll.Remove(old)
			delete(l.buckets, old.Value.(*bucket).key)
		}
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
	return false, wait
}

// PrincipalKey returns the rate-limit key of p: issuer and subject, or
// issuer and client ID for tokens without a subject.
func PrincipalKey(p *Principal) string {
	id := p.Subject
	if id == "" {
		id = "client:" + p.ClientID
	}
	return p.Issuer + "\x00" + id
}

// AllowPrincipal is Allow keyed by [PrincipalKey].
func (l *RateLimiter) AllowPrincipal(p *Principal) (bool, time.Duration) {
	return l.Allow(PrincipalKey(p))
}

// Middleware limits requests by the principal in their context (put there
// by [RequireBearer]); requests without one pass unchanged. To limit only
// tool calls, call [RateLimiter.AllowPrincipal] and
// [WriteTooManyRequests] from the gateway's tools/call pre-check instead.
func (l *RateLimiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := PrincipalFromContext(r.Context()); ok {
			if ok, wait := l.AllowPrincipal(p); !ok {
				l.logger.DebugContext(r.Context(), "rate limited", "subject", p.Subject)
				WriteTooManyRequests(w, wait)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// WriteTooManyRequests answers 429 with Retry-After in whole seconds
// (rounded up, at least 1).
func WriteTooManyRequests(w http.ResponseWriter, retryAfter time.Duration) {
	secs := max(int64(math.Ceil(retryAfter.Seconds())), 1)
	h := w.Header()
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"error":"rate_limited","error_description":"too many tool calls; retry later"}` + "\n"))
}
