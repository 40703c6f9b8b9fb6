package mcpgen

import (
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// TestCircularCompositionCallable checks that a tool whose body schema is
// a cycle of allOf/oneOf references (degraded by the loader) accepts a
// call instead of failing every call with a reference-cycle error that
// blames the caller.
func TestCircularCompositionCallable(t *testing.T) {
	doc, err := openapi.Load(t.Context(), openapi.Source{Name: "cycle.yaml", Data: []byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      operationId: postA
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/A"}}}}
      responses: {"204": {description: ok}}
components:
  schemas:
    A: {allOf: [{$ref: "#/components/schemas/B"}]}
    B: {oneOf: [{$ref: "#/components/schemas/A"}, {type: string}]}
`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := Generate(doc, nil)
	if len(tools) != 1 {
		t.Fatalf("got %d tools", len(tools))
	}
	inv := newInvokerForTest(t, "http://127.0.0.1:9", nil)
	var args map[string]any
	for _, b := range tools[0].Bindings {
		args = map[string]any{b.Arg: map[string]any{"x": "y"}}
	}
	if aerr := inv.validateArguments(t.Context(), tools[0], args); aerr != nil {
		t.Errorf("valid call refused: %v", aerr.Message)
	}
}

// TestExactIntegersInToolSchema checks that an integer beyond 2^53 in a
// spec reaches the tool's input schema unchanged.
func TestExactIntegersInToolSchema(t *testing.T) {
	doc, err := openapi.Load(t.Context(), openapi.Source{Name: "big.json", Data: []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},
"paths":{"/p":{"get":{"operationId":"getP","parameters":[{"name":"id","in":"query","schema":{"type":"integer","enum":[9007199254740993],"maximum":18446744073709551615}}],
"responses":{"200":{"description":"ok"}}}}}}`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := Generate(doc, nil)
	if len(tools) != 1 {
		t.Fatalf("got %d tools", len(tools))
	}
	for _, want := range []string{"9007199254740993", "18446744073709551615"} {
		if !strings.Contains(string(tools[0].InputSchema), want) {
			t.Errorf("input schema %s lacks %s", tools[0].InputSchema, want)
		}
	}
}
