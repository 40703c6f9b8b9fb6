package mcpgen

import (
	"io"
	"net/http"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// BenchmarkCall compares a tool call (argument mapping, request building,
// response mapping) with a bare http.Client.Do of the same request, both
// against the same local upstream, so the invoker's overhead is the
// difference between the two sub-benchmarks.
func BenchmarkCall(b *testing.B) {
	const payload = `{"id":42,"name":"Rex","tags":["good","dog"],"owner":{"id":7,"name":"Ann"}}`
	up := invUpstream(b, reply(http.StatusOK, "application/json", payload))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.Cleanup(client.CloseIdleConnections)
	inv := newInvokerForTest(b, up.URL, func(o *InvokerOptions) { o.Client = client })
	tool := invTool("GET", "/pets/{id}",
		invBind(invParam("id", openapi.InPath, invInt), true),
		invBind(invParam("fields", openapi.InQuery, invArr), false),
		invBind(invParam("X-Request-Tag", openapi.InHeader, invStr), false))
	tool.Operation.Success = &openapi.Response{Status: "200", ContentType: "application/json"}
	tool.OutputSchema = []byte(`{"type":"object"}`)
	args := map[string]any{"id": 42.0, "fields": []any{"name", "tags"}, "X-Request-Tag": "bench"}

	b.Run("invoker", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res := inv.Call(b.Context(), tool, args)
			if res.MCP.IsError {
				b.Fatal(invText(res.MCP))
			}
		}
	})
	// The same call with the default response shaping: the body is under
	// the limit, so it must cost what "invoker" costs.
	shaped := *tool
	if err := shaped.SetShape(ShapeOptions{}); err != nil {
		b.Fatal(err)
	}
	b.Run("invoker_shaping_on", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res := inv.Call(b.Context(), &shaped, args)
			if res.MCP.IsError || res.MCP.Meta != nil {
				b.Fatal(invText(res.MCP))
			}
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		target := up.URL + "/pets/42?fields=name&fields=tags"
		for b.Loop() {
			req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, target, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("X-Request-Tag", "bench")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadAll(resp.Body); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
	b.Run("build_request_only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inv.BuildRequest(b.Context(), tool, args); err != nil {
				b.Fatal(err)
			}
		}
	})
}
