package mcpgen

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// bigOutputSpec has one operation whose response references a schema with
// many properties, so that its output schema is a few KiB.
func bigOutputSpec(t *testing.T) *openapi.Document {
	t.Helper()
	var props strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&props, "        field_%02d: {type: string, description: a fairly long description of field %d}\n", i, i)
	}
	spec := `openapi: 3.0.3
info: {title: big, version: "1"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, detail]
                properties:
                  id: {type: string}
                  count: {type: integer, maximum: 4294967296}
                  detail: {$ref: '#/components/schemas/Detail'}
components:
  schemas:
    Detail:
      type: object
      properties:
` + props.String()
	doc, err := openapi.Load(context.Background(), openapi.Source{Data: []byte(spec), Name: "big.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestMaxOutputSchema(t *testing.T) {
	doc := bigOutputSpec(t)
	full, _ := Generate(doc, &Options{MaxOutputSchema: -1})
	if len(full) != 1 || len(full[0].OutputSchema) < 2048 {
		t.Fatalf("unexpected full output schema: %d bytes", len(full[0].OutputSchema))
	}
	tests := []struct {
		name     string
		max      int
		reduced  bool
		dropped  bool
		diagCode string
	}{
		{"unlimited", -1, false, false, ""},
		{"roomy", 1 << 20, false, false, ""},
		{"reduced", 1024, true, false, CodeOutputReduced},
		{"too small even reduced", 40, false, true, CodeOutputReduced},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tools, diags := Generate(doc, &Options{MaxOutputSchema: tc.max})
			out := tools[0].OutputSchema
			switch {
			case tc.dropped:
				if out != nil {
					t.Fatalf("output schema kept: %s", out)
				}
			case tc.reduced:
				if len(out) > tc.max || strings.Contains(string(out), "$defs") || strings.Contains(string(out), "$ref") {
					t.Fatalf("not reduced: %s", out)
				}
				if !strings.Contains(string(out), `"detail":{}`) || !strings.Contains(string(out), "4294967296") {
					t.Fatalf("top-level shape or exact numbers lost: %s", out)
				}
				s, err := checkToolSchema(out, false)
				if err != nil {
					t.Fatal(err)
				}
				var v any
				_ = json.Unmarshal([]byte(`{"id":"1","count":3,"detail":{"field_01":"x","anything":[1,2]}}`), &v)
				if err := s.Validate(v); err != nil {
					t.Fatalf("a real response does not validate: %v", err)
				}
			default:
				if string(out) != string(full[0].OutputSchema) {
					t.Fatal("schema changed below the limit")
				}
			}
			var codes []string
			for _, d := range diags {
				codes = append(codes, d.Code)
			}
			if got := strings.Join(codes, ","); got != tc.diagCode {
				t.Errorf("diagnostics %q, want %q", got, tc.diagCode)
			}
		})
	}
}
