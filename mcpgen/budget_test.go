package mcpgen

import (
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestMeasureBudget(t *testing.T) {
	tools := []*Tool{
		{Name: "small", Description: "x", InputSchema: json.RawMessage(`{"type":"object"}`), Operation: &openapi.Operation{}},
		{Name: "large", Description: string(make([]byte, 400)), InputSchema: json.RawMessage(`{"type":"object"}`), Operation: &openapi.Operation{}},
	}
	for _, tl := range tools {
		tl.Description = tl.Description + "."
	}
	b, err := MeasureBudget(tools, 1)
	if err != nil {
		t.Fatal(err)
	}
	list := []mcp.Tool{tools[0].MCPTool(), tools[1].MCPTool()}
	raw, _ := json.Marshal(list)
	if b.Bytes != len(raw) || b.Tools != 2 || b.Tokens != EstimateTokens(len(raw)) {
		t.Errorf("budget %+v; want %d bytes (the encoded tools array)", b, len(raw))
	}
	if len(b.Largest) != 1 || b.Largest[0].Name != "large" {
		t.Errorf("largest = %+v", b.Largest)
	}
	if e, _ := MeasureBudget(nil, 3); e.Bytes != 2 || e.Tools != 0 || len(e.Largest) != 0 {
		t.Errorf("empty budget %+v", e)
	}
}
