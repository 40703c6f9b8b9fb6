package mcpgen

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, reply(200, "application/json", `{"ok":true}`))
	inv := newInvokerForTest(t, up.URL, nil)
	tool := invTool("GET", "/pets/{id}", invBind(invParam("id", openapi.InPath, invInt), true), invBind(invParam("q", openapi.InQuery, nil), false))
	h := inv.Handler(tool)

	var req mcp.CallToolRequest
	raw := `{"name":"op","arguments":{"id":12345678901234567890,"q":1.5}}`
	if err := json.Unmarshal([]byte(raw), &req.Params); err != nil {
		t.Fatalf("unmarshal params: %v", err)
	}
	req.Header = http.Header{"Authorization": {"Bearer caller-token"}, "Cookie": {"a=b"}, "Mcp-Session-Id": {"s"}}
	res, err := h(t.Context(), req)
	if err != nil {
		t.Fatalf("handler returned error %v", err)
	}
	if res.IsError {
		t.Fatalf("result: %s", invText(res))
	}
	got := up.last(t)
	if got.RequestURI != "/pets/12345678901234567890?q=1.5" {
		t.Errorf("RequestURI = %q: the big integer lost digits", got.RequestURI)
	}
	for _, name := range []string{"Authorization", "Cookie", "Mcp-Session-Id"} {
		if v := got.Header.Get(name); v != "" {
			t.Errorf("inbound header %s leaked upstream: %q", name, v)
		}
	}
}

func TestHandlerArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params mcp.CallToolParams
		want   map[string]any
		ok     bool
	}{
		{"absent", mcp.CallToolParams{Name: "x"}, map[string]any{}, true},
		{"map", mcp.CallToolParams{Arguments: map[string]any{"a": 1.0}}, map[string]any{"a": 1.0}, true},
		{"raw null", mcp.CallToolParams{RawArguments: json.RawMessage("null")}, map[string]any{}, true},
		{"raw object", mcp.CallToolParams{RawArguments: json.RawMessage(`{"a":1}`)}, map[string]any{"a": json.Number("1")}, true},
		{"raw message argument", mcp.CallToolParams{Arguments: json.RawMessage(`{"a":"b"}`)}, map[string]any{"a": "b"}, true},
		{"raw array", mcp.CallToolParams{RawArguments: json.RawMessage(`[1]`)}, nil, false},
		{"raw trailing data", mcp.CallToolParams{RawArguments: json.RawMessage(`{} {}`)}, nil, false},
		{"string", mcp.CallToolParams{Arguments: "x"}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := callArguments(mcp.CallToolRequest{Params: tc.params})
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("arguments (-want +got):\n%s", diff)
			}
		})
	}
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	res, err := inv.Handler(invTool("GET", "/x"))(t.Context(), mcp.CallToolRequest{Params: mcp.CallToolParams{Arguments: "x"}})
	if err != nil || !res.IsError || !strings.Contains(invText(res), "must be a JSON object") {
		t.Errorf("non-object arguments: result %v, err %v", res, err)
	}
}

// TestHandlerThroughMCPServer checks that upstream failures reach the
// client as isError results, not JSON-RPC errors.
func TestHandlerThroughMCPServer(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, reply(502, "text/plain", "bad gateway"))
	inv := newInvokerForTest(t, up.URL, nil)
	tool := invTool("GET", "/x")
	s := server.NewMCPServer("test", "1.0.0", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewToolWithRawSchema("op", "test tool", tool.InputSchema), inv.Handler(tool))
	msg := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"op","arguments":{}}}`
	out, err := json.Marshal(s.HandleMessage(t.Context(), json.RawMessage(msg)))
	if err != nil {
		t.Fatalf("marshal response: %v", err)
	}
	var resp struct {
		Error  json.RawMessage `json:"error"`
		Result struct {
			IsError bool `json:"isError"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("unmarshal %s: %v", out, err)
	}
	if resp.Error != nil || !resp.Result.IsError || len(resp.Result.Content) != 1 ||
		resp.Result.Content[0].Text != "HTTP 502 Bad Gateway from upstream: bad gateway" {
		t.Errorf("response = %s", out)
	}
}

func TestHandlerOnResult(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, reply(404, "application/json", `{"message":"nope"}`))
	var seen []*Result
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) {
		o.OnResult = func(_ context.Context, _ *Tool, r *Result) { seen = append(seen, r) }
	})
	tool := invTool("GET", "/pets/{id}", invBind(invParam("id", openapi.InPath, invInt), true))
	h := inv.Handler(tool)
	for _, args := range []any{map[string]any{"id": 1}, "not an object"} {
		if _, err := h(t.Context(), mcp.CallToolRequest{Params: mcp.CallToolParams{Arguments: args}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 2 {
		t.Fatalf("OnResult called %d times, want 2", len(seen))
	}
	var ue *UpstreamError
	if !errors.As(seen[0].Err, &ue) || ue.Status != 404 || seen[0].Status != 404 {
		t.Errorf("first result: status %d, err %v", seen[0].Status, seen[0].Err)
	}
	var ae *ArgumentError
	if !errors.As(seen[1].Err, &ae) || !seen[1].MCP.IsError {
		t.Errorf("second result: err %v", seen[1].Err)
	}
}
