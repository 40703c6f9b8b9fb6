package bench

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
)

// BenchmarkGatewayCallTraced is [BenchmarkGatewayCall] with tracing on:
// every span recorded (always-on sampler) and handed to an exporter that
// drops it, so the difference to BenchmarkGatewayCall is the cost of the
// gateway's spans and traceparent propagation, not of exporting.
func BenchmarkGatewayCallTraced(b *testing.B) {
	root, err := FindModuleRoot(".")
	if err != nil {
		b.Skip(err)
	}
	upstream, stop, err := startUpstream()
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewNoopExporter()))
	defer func() { _ = tp.Shutdown(b.Context()) }()
	cfg := &config.Config{Listen: "127.0.0.1:8080", APIs: []config.API{{
		Name: "bench", Spec: filepath.Join(root, filepath.FromSlash(PetstoreSpecPath)), Upstream: upstream + "/v1",
	}}}
	cfg.ApplyDefaults()
	g, err := gateway.New(b.Context(), gateway.Options{Config: cfg, TracerProvider: tp})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	c := NewClient(srv.URL+"/mcp/bench", &ClientOptions{HTTPClient: NewHTTPClient(1)})
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
