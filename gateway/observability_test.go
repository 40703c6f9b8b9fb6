package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/policies"
)

// obsGateway serves cfg (petstore spec by default; each API's upstream
// must be set) with opts, Config set to cfg.
func obsGateway(t *testing.T, cfg *config.Config, opts Options) *httptest.Server {
	t.Helper()
	srv, _ := obsGatewayG(t, cfg, opts)
	return srv
}

// obsGatewayG is obsGateway also returning the gateway.
func obsGatewayG(t *testing.T, cfg *config.Config, opts Options) (*httptest.Server, *Gateway) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg.Listen = srv.Listener.Addr().String()
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	for i := range cfg.APIs {
		if cfg.APIs[i].Spec == "" {
			cfg.APIs[i].Spec = petstoreSpec(t)
		}
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	opts.Config = cfg
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = g.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, g
}

// TestTracingSpanTree runs one tools/call with a token exchange through a
// traced gateway, on the fast path and through mcp-go, and checks the
// recorded span tree, its attributes, that no secret or argument appears
// in any span, and that the upstream got a traceparent of the caller's
// trace.
func TestTracingSpanTree(t *testing.T) {
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprintf("fast path %v", fast), func(t *testing.T) {
			if !fast {
				t.Setenv(fastPathEnv, "off")
			} else if os.Getenv(fastPathEnv) == "off" {
				t.Skip("fast path turned off by " + fastPathEnv)
			}
			testTracingSpanTree(t, fast)
		})
	}
}

func testTracingSpanTree(t *testing.T, fast bool) {
	const (
		exchanged = "exchanged-secret-token-77"
		clientSec = "gw-client-secret-88"
		argValue  = "Zanzibar-argument-99"
	)
	as := oidctest.New(t, &oidctest.Options{TokenHandler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": exchanged, "token_type": "Bearer",
			"issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "expires_in": 300,
		})
	}})
	var (
		mu          sync.Mutex
		traceparent []string
	)
	store := demoapi.New().Handler()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparent = append(traceparent, r.Header.Get("Traceparent"))
		mu.Unlock()
		store.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	srv, g := obsGatewayG(t, &config.Config{APIs: []config.API{{
		Name:     "petstore",
		Upstream: up.URL + "/v1",
		Auth:     &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
		UpstreamAuth: &authbridge.UpstreamAuthConfig{
			Type: "tokenExchange", TokenURL: as.TokenURL(), ClientID: "gw",
			ClientSecret: &authbridge.Secret{Value: clientSec}, Audience: "https://petstore.internal",
		},
	}}}, Options{TracerProvider: tp})
	url := srv.URL + "/mcp/petstore"
	tok := as.Mint(t, as.AccessClaims(url, "pets:write"))

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	h := http.Header{"Traceparent": {"00-" + traceID + "-" + parentID + "-01"}}
	r := modernWith(t, url, tok, h, "tools/call", map[string]any{"name": "createPet", "arguments": map[string]any{"name": argValue}})
	if r.status != http.StatusOK || r.result(t)["isError"] == true {
		t.Fatalf("createPet: HTTP %d %s", r.status, r.raw)
	}
	if n, want := g.apis["petstore"].fastCalls.Load(), map[bool]int64{true: 1, false: 0}[fast]; n != want {
		t.Fatalf("%d calls on the fast path, want %d", n, want)
	}

	// The server span ends as its handler returns, which may be just
	// after the client has the response.
	var spans []sdktrace.ReadOnlySpan
	var root sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(5 * time.Second); root == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		spans = rec.Ended()
		for _, s := range spans {
			if s.SpanKind() == trace.SpanKindServer {
				root = s
			}
		}
	}
	if root == nil {
		t.Fatalf("no server span among %d spans", len(spans))
	}
	if root.Name() != "POST /mcp/:api" || root.SpanContext().TraceID().String() != traceID || root.Parent().SpanID().String() != parentID || !root.Parent().IsRemote() {
		t.Fatalf("server span %q in trace %s, parent %s: not the caller's traceparent", root.Name(), root.SpanContext().TraceID(), root.Parent().SpanID())
	}

	// The tree, as "parent > child" edges by span name (client spans named
	// by their peer: token endpoint or upstream).
	name := func(s sdktrace.ReadOnlySpan) string {
		if s.SpanKind() != trace.SpanKindClient {
			return s.Name()
		}
		for _, a := range s.Attributes() {
			if a.Key == "server.port" && strings.HasSuffix(up.URL, fmt.Sprint(":", a.Value.AsInt64())) {
				return s.Name() + " upstream"
			}
		}
		return s.Name() + " " + "token endpoint"
	}
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
	}
	var edges []string
	keys := map[string][]string{}
	var upstreamSpan sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.SpanContext().TraceID().String() != traceID {
			continue // startup fetches (JWKS) are traces of their own
		}
		if name(s) == "POST upstream" {
			upstreamSpan = s
		}
		for _, a := range s.Attributes() {
			keys[name(s)] = append(keys[name(s)], string(a.Key))
		}
		if p, ok := byID[s.Parent().SpanID()]; ok {
			edges = append(edges, name(p)+" > "+name(s))
		}
	}
	wantEdges := []string{
		"POST /mcp/:api > auth.verify_token",
		"POST /mcp/:api > policy.decide",
		"POST /mcp/:api > upstream.credentials",
		"upstream.credentials > POST token endpoint",
		"POST /mcp/:api > POST upstream",
	}
	for _, e := range wantEdges {
		if !contains(edges, e) {
			t.Errorf("span tree lacks %q; edges: %q", e, edges)
		}
	}
	wantKeys := map[string][]string{
		"POST /mcp/:api":    {"http.request.method", "http.route", "rest2mcp.request_id", "rest2mcp.api", "rest2mcp.tool", "rest2mcp.operation_id", "rest2mcp.outcome", "mcp.method.name", "http.response.status_code"},
		"auth.verify_token": {"rest2mcp.auth.result"},
		"policy.decide":     {"rest2mcp.tool", "rest2mcp.operation_id", "rest2mcp.decision"},
		"POST upstream":     {"http.request.method", "server.address", "server.port", "http.response.status_code"},
	}
	for span, want := range wantKeys {
		for _, k := range want {
			if !contains(keys[span], k) {
				t.Errorf("span %s lacks attribute %s; has %q", span, k, keys[span])
			}
		}
	}

	// Nothing secret or caller-provided, anywhere in any span.
	for _, s := range spans {
		dump := s.Name() + " " + s.Status().Description
		for _, a := range s.Attributes() {
			dump += " " + string(a.Key) + "=" + a.Value.String()
		}
		for _, e := range s.Events() {
			dump += " " + e.Name
			for _, a := range e.Attributes {
				dump += " " + string(a.Key) + "=" + a.Value.String()
			}
		}
		for _, secret := range []string{tok, exchanged, clientSec, argValue, "Bearer"} {
			if strings.Contains(dump, secret) {
				t.Errorf("span %s records %q: %s", s.Name(), secret, dump)
			}
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if upstreamSpan == nil || len(traceparent) != 1 {
		t.Fatalf("upstream span %v, upstream traceparents %q", upstreamSpan != nil, traceparent)
	}
	want := "00-" + traceID + "-" + upstreamSpan.SpanContext().SpanID().String() + "-01"
	if traceparent[0] != want {
		t.Errorf("upstream traceparent %q, want %q (the upstream request span of the caller's trace)", traceparent[0], want)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// modernWith is modern with extra request headers.
func modernWith(t *testing.T, url, token string, extra http.Header, method string, params map[string]any) rpc {
	t.Helper()
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}
	h := http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {method}}
	if name, ok := params["name"].(string); ok {
		h.Set("Mcp-Name", name)
	}
	for k, v := range extra {
		h[k] = v
	}
	return post(t, url, token, h, map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
}

// logLines parses JSON log lines.
func logLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestRequestIDInLogs checks that one call's access, audit and upstream
// log lines carry the request id the response names, with the audit
// records in their own sink when one is configured.
func TestRequestIDInLogs(t *testing.T) {
	for _, sink := range []bool{false, true} {
		t.Run(fmt.Sprintf("audit sink %v", sink), func(t *testing.T) {
			up := httptest.NewServer(demoapi.New().Handler())
			t.Cleanup(up.Close)
			as := oidctest.New(t, nil)
			var logs syncBuffer
			cfg := &config.Config{APIs: []config.API{{
				Name: "petstore", Upstream: up.URL + "/v1",
				Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
			}}}
			auditFile := filepath.Join(t.TempDir(), "audit.jsonl")
			if sink {
				cfg.AuditLog = &config.AuditLog{Output: auditFile}
			}
			srv, g := obsGatewayG(t, cfg, Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			url := srv.URL + "/mcp/petstore"
			r := modern(t, url, as.Mint(t, as.AccessClaims(url, "pets:read")), "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
			rid := r.header.Get("X-Request-Id")
			if r.status != http.StatusOK || rid == "" {
				t.Fatalf("HTTP %d, request id %q: %s", r.status, rid, r.raw)
			}
			// Audit records are written by a goroutine: wait for them.
			g.auditAsync.flush(5 * time.Second)
			readAudit := func() string {
				if !sink {
					return logs.String()
				}
				b, err := os.ReadFile(auditFile)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			main := logLines(t, logs.String())
			audit := logLines(t, readAudit())
			if sink {
				for _, l := range main {
					if l["msg"] == "authorization decision" {
						t.Errorf("audit record in the main log with an audit sink: %v", l)
					}
				}
			}
			find := func(lines []map[string]any, what string, match func(map[string]any) bool) {
				t.Helper()
				for _, l := range lines {
					if match(l) {
						if l["request_id"] != rid {
							t.Errorf("%s line has request_id %v, want %s: %v", what, l["request_id"], rid, l)
						}
						return
					}
				}
				t.Errorf("no %s line in %v", what, lines)
			}
			find(main, "access", func(l map[string]any) bool { return l["msg"] == "request" && l["path"] == "/mcp/petstore" })
			find(audit, "audit", func(l map[string]any) bool { return l["msg"] == "authorization decision" && l["component"] == "audit" })
			find(main, "upstream", func(l map[string]any) bool { return l["msg"] == "tool call" && l["tool"] == "getPet" })
			for _, l := range append(main, audit...) {
				if n := strings.Count(fmt.Sprint(l), "request_id"); n > 1 {
					t.Errorf("request_id logged %d times: %v", n, l)
				}
			}
		})
	}
}

// TestContextHandler checks the handler adds the request id to records
// logged with its context, through With and WithGroup, and only then.
func TestContextHandler(t *testing.T) {
	var buf syncBuffer
	log := contextLogger(slog.New(slog.NewJSONHandler(&buf, nil))).With("api", "x")
	if contextLogger(log) != log {
		t.Error("wrapping a context logger again must return it")
	}
	log.InfoContext(WithRequestID(context.Background(), "rid-1"), "one")
	log.InfoContext(context.Background(), "two")
	log.WithGroup("g").InfoContext(WithRequestID(context.Background(), "rid-3"), "three", "k", "v")
	lines := logLines(t, buf.String())
	got := []any{lines[0]["request_id"], lines[1]["request_id"], lines[2]["g"].(map[string]any)["request_id"]}
	if diff := cmp.Diff([]any{"rid-1", nil, "rid-3"}, got); diff != "" {
		t.Errorf("request ids (-want +got):\n%s", diff)
	}
}

// TestAuthFailureReasons checks that every authorization stage counts its
// refusals with its own reason, and that other refusals (the Origin
// guard's 403) are not counted.
func TestAuthFailureReasons(t *testing.T) {
	up := httptest.NewServer(demoapi.New().Handler())
	t.Cleanup(up.Close)
	as := oidctest.New(t, nil)
	srv := obsGateway(t, &config.Config{Metrics: true, APIs: []config.API{{
		Name: "petstore", Upstream: up.URL + "/v1",
		Auth: &authbridge.Config{
			Issuers:   []authbridge.IssuerConfig{{Issuer: as.Issuer()}},
			RateLimit: &authbridge.RateLimitConfig{RequestsPerMinute: 1, Burst: 2},
		},
		Policy: &policies.Config{Rules: []policies.Rule{{Name: "no-deletes", Match: policies.Match{OperationIDs: []string{"deletePet"}}, Effect: policies.EffectDeny}}},
	}}}, Options{})
	url := srv.URL + "/mcp/petstore"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))
	steps := []struct {
		name   string
		url    string
		h      http.Header
		tool   string
		status int
	}{
		{"token in the query", url + "?access_token=x", nil, "getPet", http.StatusBadRequest},
		{"origin guard", url, http.Header{"Origin": {"https://evil.example"}}, "getPet", http.StatusForbidden},
		{"denied by a rule", url, nil, "deletePet", http.StatusForbidden},
		{"step-up", url, nil, "createPet", http.StatusForbidden},
		{"rate limited", url, nil, "getPet", http.StatusTooManyRequests},
	}
	for _, s := range steps {
		args := map[string]any{"petId": 1}
		if s.tool == "createPet" {
			args = map[string]any{"name": "Kit"}
		}
		r := modernWith(t, s.url, read, s.h, "tools/call", map[string]any{"name": s.tool, "arguments": args})
		if r.status != s.status {
			t.Fatalf("%s: HTTP %d, want %d: %s", s.name, r.status, s.status, r.raw)
		}
	}
	if r := modern(t, url, "", "tools/list", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("no token: HTTP %d", r.status)
	}
	want := map[string]float64{
		`rest2mcp_auth_failures_total{api="petstore",reason="missing_token"}`:      1,
		`rest2mcp_auth_failures_total{api="petstore",reason="invalid_token"}`:      0,
		`rest2mcp_auth_failures_total{api="petstore",reason="invalid_request"}`:    1,
		`rest2mcp_auth_failures_total{api="petstore",reason="insufficient_scope"}`: 1,
		`rest2mcp_auth_failures_total{api="petstore",reason="forbidden"}`:          1,
		`rest2mcp_auth_failures_total{api="petstore",reason="rate_limited"}`:       1,
		`rest2mcp_auth_failures_total{api="petstore",reason="unavailable"}`:        0,
	}
	if diff := cmp.Diff(want, pick(scrape(t, srv.URL+"/metrics"), want)); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
}

func TestTracingEnabled(t *testing.T) {
	tests := []struct {
		name string
		cfg  *config.Tracing
		env  map[string]string
		want bool
	}{
		{name: "default off"},
		{name: "configured", cfg: &config.Tracing{}, want: true},
		{name: "OTLP endpoint in the environment", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, want: true},
		{name: "traces endpoint in the environment", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, want: true},
		{name: "exporter otlp", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, want: true},
		{name: "exporter none", env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}},
		{name: "SDK disabled", cfg: &config.Tracing{}, env: map[string]string{"OTEL_SDK_DISABLED": "true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tracingEnabled(&config.Config{Tracing: tc.cfg}, func(k string) string { return tc.env[k] })
			if got != tc.want {
				t.Errorf("enabled = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTracingOTLPExport checks that a configured gateway exports its
// spans over OTLP/HTTP to the endpoint, flushed when Run returns.
func TestTracingOTLPExport(t *testing.T) {
	got := make(chan string, 16)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- r.URL.Path
	}))
	t.Cleanup(collector.Close)
	up := httptest.NewServer(demoapi.New().Handler())
	t.Cleanup(up.Close)
	ratio := 1.0
	cfg := &config.Config{Listen: "127.0.0.1:0", Tracing: &config.Tracing{Endpoint: collector.URL + "/v1/traces", SampleRatio: &ratio},
		APIs: []config.API{{Name: "petstore", Spec: petstoreSpec(t), Upstream: up.URL + "/v1"}}}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, func(a net.Addr) { addr <- a.String() }) }()
	url := "http://" + <-addr + "/mcp/petstore"
	if r := modern(t, url, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}}); r.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.status, r.raw)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "/v1/traces" {
			t.Errorf("exported to %s", p)
		}
	default:
		t.Fatal("no spans exported by the time Run returned")
	}
}

// TestTracingOffByDefault checks that without tracing configured the
// gateway has no tracer, wraps no client and sends no traceparent
// upstream, even when the caller sent one.
func TestTracingOffByDefault(t *testing.T) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER"} {
		t.Setenv(k, "")
	}
	var got []string
	var mu sync.Mutex
	store := demoapi.New().Handler()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Traceparent"))
		mu.Unlock()
		store.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	g, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore", Upstream: up.URL + "/v1"}}})
	if g.tracing != nil {
		t.Fatal("tracing is on without configuration")
	}
	if _, ok := g.upstreamClient.Transport.(*tracedTransport); ok {
		t.Fatal("the upstream client is wrapped with tracing off")
	}
	h := http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	if r := modernWith(t, srv.URL+"/mcp/petstore", "", h, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}}); r.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.status, r.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "" {
		t.Errorf("upstream traceparent %q with tracing off", got)
	}
}

// TestRequestContextPin: the request-id context of serveRoot takes the
// pinned snapshot in place, once; any other context (WithRequestID, or a
// pinnable one already pinned) gets a context of its own, unchanged.
func TestRequestContextPin(t *testing.T) {
	s1, s2 := &Snapshot{name: "one"}, &Snapshot{name: "two"}
	a := &API{}
	var got *Snapshot
	var gotID string
	var sameCtx bool
	h := a.pin(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got, gotID = snapshotFrom(r.Context()), RequestIDFrom(r.Context())
		sameCtx = r.Context() == r.Context().Value(ctxRequestIDKey{})
	}))
	serve := func(ctx context.Context, s *Snapshot) {
		t.Helper()
		a.snap.Store(s)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodPost, "/", nil))
	}

	root := newRequestContext(context.Background(), "rid-1")
	serve(root, s1)
	if got != s1 || gotID != "rid-1" || !sameCtx {
		t.Fatalf("serveRoot context: snapshot %v, id %q, pinned in place %v", got, gotID, sameCtx)
	}
	serve(root, s2) // already pinned: not changed again
	if got != s2 || snapshotFrom(root) != s1 || sameCtx {
		t.Fatalf("second pin: snapshot %v (want two), the first request's context now pins %v", got, snapshotFrom(root))
	}

	plain := WithRequestID(context.Background(), "rid-2")
	serve(plain, s1)
	if got != s1 || gotID != "rid-2" || sameCtx || snapshotFrom(plain) != nil {
		t.Fatalf("WithRequestID context: snapshot %v, id %q, pinned in place %v", got, gotID, sameCtx)
	}
}
