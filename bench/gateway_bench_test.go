package bench

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
)

// startInProcess builds a gateway for spec in this process (what `rest2mcp
// serve` does after flag parsing) and serves it on a loopback test server.
func startInProcess(b *testing.B, spec string) (*gateway.Gateway, *httptest.Server, *Client) {
	b.Helper()
	return startInProcessUpstream(b, spec, "http://127.0.0.1:9/")
}

func startInProcessUpstream(b *testing.B, spec, upstream string) (*gateway.Gateway, *httptest.Server, *Client) {
	b.Helper()
	cfg := &config.Config{Listen: "127.0.0.1:8080", APIs: []config.API{{Name: "bench", Spec: spec, Upstream: upstream}}}
	cfg.ApplyDefaults()
	g, err := gateway.New(b.Context(), gateway.Options{Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	return g, srv, NewClient(srv.URL+"/mcp/bench", &ClientOptions{HTTPClient: NewHTTPClient(1)})
}

// BenchmarkGatewayColdStart measures, in-process, what a cold start does
// after the runtime is up: gateway.New (spec load, tool generation, MCP
// server assembly) and the first tools/list. It also reports the live heap
// once the gateway is serving ("live-MiB", after a forced GC), which
// separates memory the gateway keeps from transient garbage. Profile it
// with
//
//	go test ./bench -run '^$' -bench GatewayColdStart -benchtime 3x -cpuprofile cpu.out -memprofile mem.out
func BenchmarkGatewayColdStart(b *testing.B) {
	spec := benchSpec(b)
	var live uint64
	for b.Loop() {
		g, srv, c := startInProcess(b, spec)
		list, err := c.NewRequest("tools/list", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Call(b.Context(), list); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = max(live, ms.HeapAlloc)
		runtime.KeepAlive(g)
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MiB")
}

// BenchmarkGatewayToolsList measures a warm tools/list, in-process.
func BenchmarkGatewayToolsList(b *testing.B) {
	spec := benchSpec(b)
	_, srv, c := startInProcess(b, spec)
	defer srv.Close()
	list, err := c.NewRequest("tools/list", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		resp, err := c.Do(b.Context(), list)
		if err != nil {
			b.Fatal(err)
		}
		if resp.Status != 200 {
			b.Fatalf("tools/list: status %d", resp.Status)
		}
		b.SetBytes(int64(len(resp.Body)))
	}
}

// BenchmarkGatewayCall measures tools/call getPet through an in-process
// gateway to the in-process demo upstream, one call at a time: the
// gateway's per-call cost without a process boundary. Profile it with
//
//	go test ./bench -run '^$' -bench GatewayCall -benchtime 20000x -cpuprofile call.cpu
func BenchmarkGatewayCall(b *testing.B) {
	root, err := FindModuleRoot(".")
	if err != nil {
		b.Skip(err)
	}
	upstream, stop, err := startUpstream()
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	_, srv, c := startInProcessUpstream(b, filepath.Join(root, filepath.FromSlash(PetstoreSpecPath)), upstream+"/v1")
	defer srv.Close()
	loopGetPet(b, c)
}

// BenchmarkGatewayCallProtected is BenchmarkGatewayCall on a JWT-protected
// API (RS256 token from an in-process issuer, sent with every call):
//
//	go test ./bench -run '^$' -bench GatewayCallProtected -benchtime 20000x -cpuprofile call.cpu
func BenchmarkGatewayCallProtected(b *testing.B) {
	root, err := FindModuleRoot(".")
	if err != nil {
		b.Skip(err)
	}
	upstream, iss, stop, err := startUpstreamAndIssuer()
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg := &config.Config{Listen: srv.Listener.Addr().String(), PublicURL: base, APIs: []config.API{{
		Name: "bench", Spec: filepath.Join(root, filepath.FromSlash(PetstoreSpecPath)), Upstream: upstream + "/v1",
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: iss.url, JWKSURL: iss.url + "/jwks"}}},
	}}}
	cfg.ApplyDefaults()
	g, err := gateway.New(b.Context(), gateway.Options{Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	srv.Config.Handler = g.Handler()
	srv.Start()
	defer srv.Close()
	tok, err := iss.mint(base+"/mcp/bench", "pets:read pets:write")
	if err != nil {
		b.Fatal(err)
	}
	c := NewClient(srv.URL+"/mcp/bench", &ClientOptions{HTTPClient: NewHTTPClient(1), Header: http.Header{"Authorization": {"Bearer " + tok}}})
	loopGetPet(b, c)
}

// loopGetPet calls tools/call getPet through c once per benchmark
// iteration.
func loopGetPet(b *testing.B, c *Client) {
	call, err := c.NewToolCall(benchTool, map[string]any{"petId": 1})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Call(b.Context(), call); err != nil {
			b.Fatal(err)
		}
	}
}
