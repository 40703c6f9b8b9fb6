package gateway

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// scrape fetches a Prometheus text exposition and returns its samples by
// series ("name{label="value",...}").
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pick returns the samples of got named in want; absent ones stay absent.
func pick(got, want map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k := range want {
		if v, ok := got[k]; ok {
			out[k] = v
		}
	}
	return out
}

func TestMetricsScrape(t *testing.T) {
	as := oidctest.New(t, nil)
	g, srv := testGateway(t, &config.Config{Metrics: true, APIs: []config.API{{
		Name: "petstore",
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}},
	}}})
	url := srv.URL + "/mcp/petstore"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))
	other := as.Mint(t, as.AccessClaims(srv.URL+"/mcp/other", "pets:read"))

	steps := []struct {
		name, token, method string
		params              map[string]any
		status              int
	}{
		{"ok", read, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}}, http.StatusOK},
		{"upstream 404", read, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 999}}, http.StatusOK},
		{"no token", "", "tools/list", nil, http.StatusUnauthorized},
		{"other resource's token", other, "tools/list", nil, http.StatusUnauthorized},
		{"step-up", read, "tools/call", map[string]any{"name": "createPet", "arguments": map[string]any{"name": "Kit"}}, http.StatusForbidden},
		{"list", read, "tools/list", nil, http.StatusOK},
	}
	for _, s := range steps {
		if r := modern(t, url, s.token, s.method, s.params); r.status != s.status {
			t.Fatalf("%s: HTTP %d, want %d: %s", s.name, r.status, s.status, r.raw)
		}
	}
	if err := g.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}

	want := map[string]float64{
		`rest2mcp_http_requests_total{api="petstore",code="200",method="POST"}`:          3,
		`rest2mcp_http_requests_total{api="petstore",code="401",method="POST"}`:          2,
		`rest2mcp_http_requests_total{api="petstore",code="403",method="POST"}`:          1,
		`rest2mcp_http_request_duration_seconds_count{api="petstore"}`:                   6,
		`rest2mcp_tool_calls_total{api="petstore",outcome="ok",tool="getPet"}`:           1,
		`rest2mcp_tool_calls_total{api="petstore",outcome="upstream_4xx",tool="getPet"}`: 1,
		`rest2mcp_tool_calls_total{api="petstore",outcome="denied",tool="createPet"}`:    1,
		`rest2mcp_tool_call_duration_seconds_count{api="petstore"}`:                      2,
		`rest2mcp_auth_failures_total{api="petstore",reason="missing_token"}`:            1,
		`rest2mcp_auth_failures_total{api="petstore",reason="invalid_token"}`:            1,
		`rest2mcp_auth_failures_total{api="petstore",reason="insufficient_scope"}`:       1,
		`rest2mcp_auth_failures_total{api="petstore",reason="forbidden"}`:                0,
		`rest2mcp_auth_failures_total{api="petstore",reason="invalid_request"}`:          0,
		`rest2mcp_auth_failures_total{api="petstore",reason="rate_limited"}`:             0,
		`rest2mcp_auth_failures_total{api="petstore",reason="unavailable"}`:              0,
		`rest2mcp_policy_decisions_total{api="petstore",decision="allowed"}`:             2,
		`rest2mcp_policy_decisions_total{api="petstore",decision="denied"}`:              1,
		`rest2mcp_tools{api="petstore"}`:                                                 4,
		`rest2mcp_reloads_total{api="petstore",result="ok"}`:                             1,
		`rest2mcp_reloads_total{api="petstore",result="error"}`:                          0,
		`rest2mcp_token_cache_hits_total`:                                                0,
		`rest2mcp_token_cache_misses_total`:                                              0,
		`rest2mcp_token_cache_evictions_total`:                                           0,
		`rest2mcp_token_cache_entries`:                                                   0,
	}
	got := scrape(t, srv.URL+"/metrics")
	if diff := cmp.Diff(want, pick(got, want)); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no %s: the Go and process collectors are not registered", name)
		}
	}
	for series := range got {
		if strings.Contains(series, as.Issuer()) || strings.Contains(series, "subject") {
			t.Errorf("series %s names a caller", series)
		}
	}
}

func TestMetricsNotServedByDefault(t *testing.T) {
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore"}}})
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /metrics without metrics: true: HTTP %d, want 404", resp.StatusCode)
	}
}

func TestMetricsListener(t *testing.T) {
	up := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(up.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := l.Addr().String()
	l.Close()
	cfg := &config.Config{
		Listen:        "127.0.0.1:0",
		Metrics:       true,
		MetricsListen: metricsAddr,
		APIs:          []config.API{{Name: "petstore", Spec: petstoreSpec(t), Upstream: up.URL + "/v1"}},
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, func(a net.Addr) { ready <- a }) }()
	var main net.Addr
	select {
	case main = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}

	got := scrape(t, "http://"+metricsAddr+"/metrics")
	if got[`rest2mcp_tools{api="petstore"}`] != 4 {
		t.Errorf("metrics listener: rest2mcp_tools = %v, want 4", got[`rest2mcp_tools{api="petstore"}`])
	}
	for _, u := range []string{"http://" + main.String() + "/metrics", "http://" + metricsAddr + "/mcp/petstore"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: HTTP %d, want 404", u, resp.StatusCode)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if resp, err := http.Get("http://" + metricsAddr + "/metrics"); err == nil {
		resp.Body.Close()
		t.Error("metrics listener still serving after shutdown")
	}
}

func TestMetricsConfig(t *testing.T) {
	tests := []struct {
		name          string
		listen        string
		metrics       bool
		metricsListen string
		wantErr       string
		wantOnMain    bool
	}{
		{name: "off", listen: "127.0.0.1:8080"},
		{name: "loopback main listener", listen: "127.0.0.1:8080", metrics: true, wantOnMain: true},
		{name: "public main listener without metricsListen", listen: "0.0.0.0:8080", metrics: true, wantErr: "metricsListen: required with metrics"},
		{name: "public main listener with metricsListen", listen: "0.0.0.0:8080", metrics: true, metricsListen: "127.0.0.1:9090"},
		{name: "loopback main listener with metricsListen", listen: "127.0.0.1:8080", metrics: true, metricsListen: "127.0.0.1:9090"},
		{name: "metricsListen without metrics", listen: "127.0.0.1:8080", metricsListen: "127.0.0.1:9090", wantErr: "metricsListen: is set but metrics is false"},
		{name: "metricsListen equal to listen", listen: "127.0.0.1:8080", metrics: true, metricsListen: "127.0.0.1:8080", wantErr: "metricsListen: must differ from listen"},
		{name: "metricsListen not host:port", listen: "127.0.0.1:8080", metrics: true, metricsListen: "9090", wantErr: "metricsListen: must be host:port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &config.Config{
				Listen:         tc.listen,
				PublicURL:      "https://gw.example.com",
				InsecureNoAuth: true,
				Metrics:        tc.metrics,
				MetricsListen:  tc.metricsListen,
				APIs:           []config.API{{Name: "petstore", Spec: "petstore.yaml"}},
			}
			c.ApplyDefaults()
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if got := c.MetricsOnMainListener(); got != tc.wantOnMain {
				t.Errorf("MetricsOnMainListener() = %v, want %v", got, tc.wantOnMain)
			}
		})
	}
}

func TestOutcomeOf(t *testing.T) {
	fail := mcp.NewToolResultError("x")
	tests := []struct {
		name string
		res  mcpgen.Result
		want string
	}{
		{"success", mcpgen.Result{MCP: mcp.NewToolResultText("ok"), Status: 200}, "ok"},
		{"not found", mcpgen.Result{MCP: fail, Status: 404, Err: &mcpgen.UpstreamError{Status: 404}}, "upstream_4xx"},
		{"bad gateway", mcpgen.Result{MCP: fail, Status: 502, Err: &mcpgen.UpstreamError{Status: 502}}, "upstream_5xx"},
		{"redirect not followed", mcpgen.Result{MCP: fail, Status: 302, Err: &mcpgen.UpstreamError{Status: 302}}, "tool_error"},
		{"timeout", mcpgen.Result{MCP: fail, Err: &mcpgen.TransportError{Message: "timed out", Err: context.DeadlineExceeded}}, "transport_error"},
		{"broken body after 200", mcpgen.Result{MCP: fail, Status: 200, Err: &mcpgen.TransportError{Message: "broken", Err: errors.New("reset")}}, "transport_error"},
		{"policy", mcpgen.Result{MCP: fail, Err: &mcpgen.ForbiddenError{Err: errors.New("no")}}, "denied"},
		{"arguments", mcpgen.Result{MCP: fail, Err: &mcpgen.ArgumentError{Arg: "petId", Message: "is required"}}, "tool_error"},
		{"credentials", mcpgen.Result{MCP: fail, Err: &mcpgen.CredentialError{Message: "consent"}}, "tool_error"},
		{"2xx not fitting the output schema", mcpgen.Result{MCP: fail, Status: 200}, "tool_error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := outcomes[outcomeOf(&tc.res)]; got != tc.want {
				t.Errorf("outcome %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStatusWriter(t *testing.T) {
	tests := []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  int
	}{
		{"explicit status", func(w http.ResponseWriter) { w.WriteHeader(http.StatusForbidden); w.WriteHeader(http.StatusOK) }, http.StatusForbidden},
		{"implicit 200 on write", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, http.StatusOK},
		{"SSE flush", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }, http.StatusOK},
		{"informational first", func(w http.ResponseWriter) { w.WriteHeader(http.StatusEarlyHints); w.WriteHeader(http.StatusAccepted) }, http.StatusAccepted},
		{"nothing written", func(http.ResponseWriter) {}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			sw := &statusWriter{ResponseWriter: rec}
			tc.serve(sw)
			if sw.status != tc.want {
				t.Errorf("status %d, want %d", sw.status, tc.want)
			}
			if tc.name == "SSE flush" && !rec.Flushed {
				t.Error("Flush did not reach the underlying writer")
			}
		})
	}
	if got := http.NewResponseController(&statusWriter{ResponseWriter: httptest.NewRecorder()}).Flush(); got != nil {
		t.Errorf("ResponseController.Flush through the wrapper: %v", got)
	}
}

func TestMethodLabel(t *testing.T) {
	for in, want := range map[string]string{"POST": "POST", "GET": "GET", "DELETE": "DELETE", "BREW": "other", "post": "other"} {
		if got := methodLabel(in); got != want {
			t.Errorf("methodLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
