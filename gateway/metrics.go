package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rest2mcp/rest2mcp/store"
)

// Prometheus metrics.
//
// Every gateway has its own registry (never the global default one), with
// the Go runtime and process collectors on it. Label values are bounded:
// API and tool names come from the configuration and the loaded specs,
// methods and status codes are normalised; subjects, clients and tokens
// are never labels. Label children used per request are resolved once per
// API (and per tool of a snapshot) so that the hot path only increments.
// The README's "Metrics" section lists every metric.

// durationBuckets cover MCP requests and tool calls, from a cached
// tools/list to the 30 s default upstream timeout.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// metrics holds the collectors of one gateway.
type metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	requests     *prometheus.CounterVec   // api, method, code
	requestTime  *prometheus.HistogramVec // api
	toolCalls    *prometheus.CounterVec   // api, tool, outcome
	toolTime     *prometheus.HistogramVec // api
	authFailures *prometheus.CounterVec   // api, reason
	decisions    *prometheus.CounterVec   // api, decision
	reloads      *prometheus.CounterVec   // api, result
	feedLag      prometheus.Histogram     // registry change feed
}

// feedLagBuckets cover the registry's change feed, from a NOTIFY on the
// same host to a poll interval and a slow rebuild.
var feedLagBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// newMetrics builds the registry of g. The state collector reads g's APIs
// and token cache at scrape time.
func newMetrics(g *Gateway) (*metrics, error) {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rest2mcp_http_requests_total",
			Help: "HTTP requests to the MCP endpoints, by API, method and status code.",
		}, []string{"api", "method", "code"}),
		requestTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rest2mcp_http_request_duration_seconds",
			Help:    "Duration of HTTP requests to the MCP endpoints, until the response (or its SSE stream) ends.",
			Buckets: durationBuckets,
		}, []string{"api"}),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rest2mcp_tool_calls_total",
			Help: "Tool calls by outcome: ok, tool_error, upstream_4xx, upstream_5xx, transport_error or denied.",
		}, []string{"api", "tool", "outcome"}),
		toolTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rest2mcp_tool_call_duration_seconds",
			Help:    "Duration of tool calls that reached the tool handler, credentials and upstream call included.",
			Buckets: durationBuckets,
		}, []string{"api"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rest2mcp_auth_failures_total",
			Help: "Requests refused by the authorization stages, by reason.",
		}, []string{"api", "reason"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rest2mcp_policy_decisions_total",
			Help: "Policy decisions (allowed or denied) recorded in the audit stream.",
		}, []string{"api", "decision"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rest2mcp_reloads_total",
			Help: "Snapshot reloads by result (ok or error).",
		}, []string{"api", "result"}),
		feedLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rest2mcp_registry_change_lag_seconds",
			Help:    "Registry changes (by any replica) from their commit to the moment this replica applied them (API rebuilt and served, or removed).",
			Buckets: feedLagBuckets,
		}),
	}
	cs := []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newStateCollector(g),
		m.requests, m.requestTime, m.toolCalls, m.toolTime, m.authFailures, m.decisions, m.reloads, m.feedLag,
	}
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
	return m, nil
}

// changeApplied records the lag of a registry change applied at now. A
// change without a commit time (resync, written by an older version) is
// not counted; a commit time ahead of now (replica clocks apart) counts
// as no lag.
func (m *metrics) changeApplied(c store.Change, now time.Time) {
	if m == nil || c.At.IsZero() {
		return
	}
	m.feedLag.Observe(max(now.Sub(c.At), 0).Seconds())
}

// stateCollector reports gauges and counters read from the gateway's
// state at scrape time: tools per API and the upstream token cache.
type stateCollector struct {
	g                                *Gateway
	tools, hits, misses, evict, size *prometheus.Desc
}

func newStateCollector(g *Gateway) *stateCollector {
	return &stateCollector{
		g:      g,
		tools:  prometheus.NewDesc("rest2mcp_tools", "Tools in the API's current snapshot.", []string{"api"}, nil),
		hits:   prometheus.NewDesc("rest2mcp_token_cache_hits_total", "Upstream token lookups served from the cache.", nil, nil),
		misses: prometheus.NewDesc("rest2mcp_token_cache_misses_total", "Upstream token lookups not served from the cache.", nil, nil),
		evict:  prometheus.NewDesc("rest2mcp_token_cache_evictions_total", "Upstream tokens evicted to respect the cache size.", nil, nil),
		size:   prometheus.NewDesc("rest2mcp_token_cache_entries", "Upstream tokens in the cache, expired ones included until looked up or evicted.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.tools, c.hits, c.misses, c.evict, c.size} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	for _, a := range c.g.APIs() {
		if s := a.snap.Load(); s != nil {
			ch <- constMetric(c.tools, prometheus.GaugeValue, float64(len(s.list)), a.name)
		}
	}
	hits, misses, evictions := c.g.tokenCache.Stats()
	ch <- constMetric(c.hits, prometheus.CounterValue, float64(hits))
	ch <- constMetric(c.misses, prometheus.CounterValue, float64(misses))
	ch <- constMetric(c.evict, prometheus.CounterValue, float64(evictions))
	ch <- constMetric(c.size, prometheus.GaugeValue, float64(c.g.tokenCache.Len()))
}

// constMetric builds a sample; an error (a label count that does not match
// the description) is reported by the registry at scrape time.
func constMetric(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) prometheus.Metric {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
}

// serveMetrics serves /metrics on the configured metrics listener, when
// there is one, until the returned stop function is called. A scrape is
// short, so stopping closes the server at once.
func (g *Gateway) serveMetrics() (stop func(), err error) {
	if !g.cfg.Metrics || g.cfg.MetricsListen == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", g.cfg.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", g.metrics.handler)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
	g.log.Info("serving metrics", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("metrics listener stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// metricsOnMain returns the /metrics handler of the main listener: the
// Host check guards it against DNS rebinding like the MCP endpoints.
func (g *Gateway) metricsOnMain() http.Handler {
	return newOriginGuard(g.cfg.PublicURL, g.cfg.AllowedOrigins, g.cfg.ListenIsLoopback()).withMethods("GET, OPTIONS").wrap(g.metrics.handler)
}
