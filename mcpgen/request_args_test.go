package mcpgen

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestBuildRequestArgumentErrors(t *testing.T) {
	t.Parallel()
	id := invParam("id", openapi.InPath, invInt)
	tests := []struct {
		name string
		tool *Tool
		args map[string]any
		want []string // ArgumentError messages, in order
	}{
		{"missing path", invTool("GET", "/x/{id}", invBind(id, true)), map[string]any{},
			[]string{`argument "id" is required`}},
		{"null required", invTool("GET", "/x/{id}", invBind(id, true)), map[string]any{"id": nil},
			[]string{`argument "id" is required`}},
		{"several missing", invTool("GET", "/x/{id}", invBind(id, true), invBind(invParam("q", openapi.InQuery, nil), true), Binding{Arg: "body", Loc: LocBody, Required: true}),
			map[string]any{}, []string{`argument "id" is required`, `argument "q" is required`, `argument "body" is required`}},
		{"unknown", invTool("GET", "/x"), map[string]any{"pet_id": 1.0},
			[]string{`argument "pet_id" is not a parameter of this tool`}},
		{"string for integer path", invTool("GET", "/x/{id}", invBind(id, true)), map[string]any{"id": "1/../2"},
			[]string{`argument "id" expected integer, got string`}},
		{"fraction for integer", invTool("GET", "/x/{id}", invBind(id, true)), map[string]any{"id": 1.5},
			[]string{`argument "id" expected integer, got a non-integral number`}},
		{"json number fraction for integer", invTool("GET", "/x/{id}", invBind(id, true)), map[string]any{"id": json.Number("1.5")},
			[]string{`argument "id" expected integer, got a non-integral number`}},
		{"object for string path", invTool("GET", "/x/{id}", invBind(invParam("id", openapi.InPath, invStr), true)), map[string]any{"id": map[string]any{}},
			[]string{`argument "id" expected string, got object`}},
		{"array for string query", invTool("GET", "/x", invBind(invParam("q", openapi.InQuery, invStr), false)), map[string]any{"q": []any{"a"}},
			[]string{`argument "q" expected string, got array`}},
		{"type list", invTool("GET", "/x", invBind(invParam("q", openapi.InQuery, openapi.Schema{"type": []any{"string", "integer"}}), false)), map[string]any{"q": true},
			[]string{`argument "q" expected string or integer, got boolean`}},
		{"referenced schema", invTool("GET", "/x", invBind(invParam("q", openapi.InQuery, openapi.Schema{"$ref": "#/$defs/Id"}), false)), map[string]any{"q": "x"},
			[]string{`argument "q" expected integer, got string`}},
		{"deepObject needs object", invTool("GET", "/x", invBind(invStyled(invParam("q", openapi.InQuery, nil), styleDeepObject, true), false)), map[string]any{"q": "x"},
			[]string{`argument "q" must be an object (deepObject style), got string`}},
		{"unsupported Go value", invTool("GET", "/x", invBind(invParam("q", openapi.InQuery, nil), false)), map[string]any{"q": struct{}{}},
			[]string{`argument "q" has an unsupported value type struct {}`}},
	}
	inv := newInvokerForTest(t, "http://127.0.0.1:1", func(o *InvokerOptions) {
		o.Schemas = map[string]openapi.Schema{"Id": {"$ref": "#/$defs/Int"}, "Int": invInt}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := inv.BuildRequest(t.Context(), tc.tool, tc.args)
			if err == nil {
				t.Fatal("BuildRequest succeeded, want argument errors")
			}
			msg, ok := argumentErrorMessage(err)
			if !ok {
				t.Fatalf("error %v is not made of argument errors", err)
			}
			if diff := cmp.Diff(tc.want, strings.Split(msg, "; ")); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			var ae *ArgumentError
			if !errors.As(err, &ae) {
				t.Errorf("errors.As(%v, *ArgumentError) failed", err)
			}
		})
	}
}

func TestBuildRequestAcceptsValidTypes(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	tool := invTool("GET", "/x/{id}",
		invBind(invParam("id", openapi.InPath, invInt), true),
		invBind(invParam("n", openapi.InQuery, openapi.Schema{"type": "number"}), false),
		invBind(invParam("s", openapi.InQuery, openapi.Schema{"type": []any{"string", "null"}}), false),
		invBind(invParam("free", openapi.InQuery, nil), false))
	req, err := inv.BuildRequest(t.Context(), tool, map[string]any{
		"id": json.Number("9007199254740993"), "n": 2, "s": "x", "free": false,
	})
	if err != nil {
		t.Fatalf("BuildRequest: %v", err)
	}
	if got, want := req.URL.RequestURI(), "/x/9007199254740993?n=2&s=x&free=false"; got != want {
		t.Errorf("RequestURI = %q, want %q", got, want)
	}
}
