package gateway

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/policies"
)

// apiMetrics holds the label children of one API, resolved once.
type apiMetrics struct {
	m           *metrics
	api         string
	requestTime prometheus.Observer
	toolTime    prometheus.Observer
	requests    requestCounters
	// authFailures is indexed by authReason; nil for an API without auth.
	authFailures    []prometheus.Counter
	allowed, denied prometheus.Counter
	reloadOK        prometheus.Counter
	reloadErr       prometheus.Counter
	// tools maps tool names to their *toolSeries.
	tools sync.Map
}

// forAPI resolves the children of the API named api. The series of the
// authorization metrics exist (at zero) only for protected APIs.
func (m *metrics) forAPI(api string, protected bool) *apiMetrics {
	am := &apiMetrics{
		m:           m,
		api:         api,
		requestTime: m.requestTime.WithLabelValues(api),
		toolTime:    m.toolTime.WithLabelValues(api),
		requests:    requestCounters{vec: m.requests, api: api},
		reloadOK:    m.reloads.WithLabelValues(api, "ok"),
		reloadErr:   m.reloads.WithLabelValues(api, "error"),
	}
	if protected {
		am.authFailures = make([]prometheus.Counter, len(authReasons))
		for i, r := range authReasons {
			am.authFailures[i] = m.authFailures.WithLabelValues(api, r)
		}
		am.allowed = m.decisions.WithLabelValues(api, "allowed")
		am.denied = m.decisions.WithLabelValues(api, "denied")
	}
	return am
}

// decision counts one policy decision.
func (am *apiMetrics) decision(allow bool) {
	switch {
	case am.allowed == nil:
	case allow:
		am.allowed.Inc()
	default:
		am.denied.Inc()
	}
}

// reloaded counts one reload.
func (am *apiMetrics) reloaded(err error) {
	if err != nil {
		am.reloadErr.Inc()
		return
	}
	am.reloadOK.Inc()
}

// instrument counts and times every request of the API's chain. The
// refusals of the authorization stages are counted by the stages
// themselves, with their reason (authRejected, authFailed).
func (am *apiMetrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		am.requestTime.Observe(time.Since(start).Seconds())
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		am.requests.get(r.Method, status).Inc()
	})
}

// authReason indexes authReasons.
type authReason int

const (
	authMissingToken authReason = iota
	authInvalidToken
	authInvalidRequest
	authInsufficientScope
	authForbidden
	authRateLimited
	authUnavailable
)

// authReasons are the reason label values, indexed by authReason.
var authReasons = [...]string{
	authMissingToken:      "missing_token",
	authInvalidToken:      "invalid_token",
	authInvalidRequest:    "invalid_request",
	authInsufficientScope: "insufficient_scope",
	authForbidden:         "forbidden",
	authRateLimited:       "rate_limited",
	authUnavailable:       "unavailable",
}

// authFailed counts one refusal of an authorization stage of a protected
// API.
func (am *apiMetrics) authFailed(reason authReason) {
	if am != nil && am.authFailures != nil {
		am.authFailures[reason].Inc()
	}
}

// authRejected is authbridge's OnReject hook: it counts a refusal of
// bearer authentication by the reason authbridge gives, and marks the
// request span with it.
func (am *apiMetrics) authRejected(ctx context.Context, reason authbridge.RejectReason) {
	authRejected(ctx, reason)
	switch reason {
	case authbridge.RejectMissingToken:
		am.authFailed(authMissingToken)
	case authbridge.RejectInvalidRequest:
		am.authFailed(authInvalidRequest)
	case authbridge.RejectInvalidToken:
		am.authFailed(authInvalidToken)
	case authbridge.RejectUnavailable:
		am.authFailed(authUnavailable)
	}
}

// deniedReason is the reason label of a refused policy decision, as
// writeDenied answers it.
func deniedReason(d policies.Decision) authReason {
	if d.Denied || len(d.Required) == 0 {
		return authForbidden
	}
	return authInsufficientScope
}

// requestCounters caches the children of rest2mcp_http_requests_total of
// one API by method and status. Reads are lock-free; the few distinct
// keys are added copy-on-write.
type requestCounters struct {
	vec *prometheus.CounterVec
	api string
	mu  sync.Mutex
	m   atomic.Pointer[map[requestKey]prometheus.Counter]
}

type requestKey struct {
	method string
	code   int
}

func (rc *requestCounters) get(method string, code int) prometheus.Counter {
	k := requestKey{methodLabel(method), code}
	if m := rc.m.Load(); m != nil {
		if c, ok := (*m)[k]; ok {
			return c
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	old := rc.m.Load()
	if old != nil {
		if c, ok := (*old)[k]; ok {
			return c
		}
	}
	next := make(map[requestKey]prometheus.Counter, 1)
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	c := rc.vec.WithLabelValues(rc.api, k.method, strconv.Itoa(code))
	next[k] = c
	rc.m.Store(&next)
	return c
}

// methodLabel bounds the method label: a client may send any token.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPut, http.MethodPatch:
		return m
	}
	return "other"
}

// statusWriter records the status of a response. It implements
// http.Flusher, since mcp-go streams SSE through it, and Unwrap for
// http.ResponseController.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first final status and forwards it.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and forwards the bytes.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush records an implicit 200 and flushes the underlying writer, if it
// can be flushed.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
