package mcpgen

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// stdEncode is encoding/json without HTML escaping, the reference for
// encodeJSON.
func stdEncode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func TestEncodeJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", "quote\" back\\slash", "ctl\x00\x01\x1f\n\r\t\b\f",
		"<html> & stuff", "bad utf8 \xff\xfe", "line\u2028sep\u2029", "ünï 😀", "\x7f",
		0.0, 1.0, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.MaxFloat64, -math.SmallestNonzeroFloat64,
		3, int64(-7),
		[]any{}, []any{1.0, "a", nil, []any{true}}, []string{"a", "b"},
		map[string]any{}, map[string]any{"b": 1.0, "a": map[string]any{"z": []any{}, "y": "x"}, "": nil},
		map[string]json.RawMessage{"k": json.RawMessage(`{"x":1}`), "a": json.RawMessage(`[]`)},
		json.Number("12.50"),
	}
	for _, v := range values {
		want, err := stdEncode(v)
		if err != nil {
			t.Fatalf("encoding/json(%#v): %v", v, err)
		}
		got, err := encodeJSON(v)
		if err != nil {
			t.Errorf("encodeJSON(%#v): %v", v, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("encodeJSON(%#v) = %s, want %s", v, got, want)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), map[string]any{"x": math.Inf(-1)}} {
		if _, err := encodeJSON(bad); err == nil {
			t.Errorf("encodeJSON(%v) succeeded, want an error", bad)
		}
	}
}

func FuzzEncodeJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5,-3e-9,"x\u2028"],"b":{"c":null,"d":true}}`))
	f.Add([]byte(`"\ud800"`))
	f.Add([]byte(`[1e300, 0.000001, 1e21]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		want, err := stdEncode(v)
		if err != nil {
			return
		}
		got, err := encodeJSON(v)
		if err != nil {
			t.Fatalf("encodeJSON: %v", err)
		}
		if string(got) != string(want) {
			t.Fatalf("encodeJSON = %s, want %s", got, want)
		}
	})
}

// mustJSON decodes a JSON literal for a test table.
func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

func TestWalkerDoesNotModifyInput(t *testing.T) {
	defs := map[string]openapi.Schema{
		"RO": mustJSON(t, `{"type":"string","readOnly":true}`),
	}
	in := mustJSON(t, `{
		"type":"object","required":["id","name","ref","name"],
		"properties":{
			"id":{"type":"string","readOnly":true},
			"ref":{"$ref":"#/$defs/RO"},
			"name":{"type":"string","x-mcp-header":"Name"},
			"nested":{"type":"array","items":{"type":"object","required":["a","b"],"properties":{"a":{"readOnly":true},"b":{"writeOnly":true}}}}
		}}`)
	before, _ := stdEncode(in)
	w := newWalker(defs, modeInput)
	got, changed := w.schema(in)
	after, _ := stdEncode(in)
	if string(before) != string(after) {
		t.Fatalf("input modified:\n%s\n%s", before, after)
	}
	if !changed {
		t.Fatal("changed = false, want true")
	}
	want := mustJSON(t, `{
		"type":"object","required":["name"],
		"properties":{
			"name":{"type":"string"},
			"nested":{"type":"array","items":{"type":"object","required":["b"],"properties":{"b":{"writeOnly":true}}}}
		}}`)
	if diff := cmp.Diff(want, map[string]any(got)); diff != "" {
		t.Errorf("input mode (-want +got):\n%s", diff)
	}
	if _, ok := w.refs["RO"]; ok {
		t.Error("reference of a dropped property was collected")
	}

	unchanged := mustJSON(t, `{"type":"object","properties":{"a":{"$ref":"#/$defs/RO"}}}`)
	w = newWalker(defs, modeOutput)
	got, changed = w.schema(unchanged)
	if changed {
		t.Errorf("output mode changed a schema without writeOnly properties: %v", got)
	}
	if _, ok := w.refs["RO"]; !ok {
		t.Error("reference not collected")
	}
}

func TestWalkerBadReferences(t *testing.T) {
	for _, ref := range []string{"#/components/schemas/X", "https://example.com/s.json", "#/$defs/Missing", "#", "#/$defs/"} {
		w := newWalker(map[string]openapi.Schema{"X": {}}, modeInput)
		w.schema(openapi.Schema{"items": map[string]any{"$ref": ref}})
		if _, ok := w.bad[ref]; !ok {
			t.Errorf("reference %q not reported as bad", ref)
		}
	}
	w := newWalker(map[string]openapi.Schema{"a/b": {}}, modeInput)
	w.schema(openapi.Schema{"$ref": "#/$defs/a~1b/properties/x"})
	if len(w.bad) != 0 || len(w.refs) != 1 {
		t.Errorf("escaped pointer reference: refs %v, bad %v", w.refs, w.bad)
	}
}

func TestResolveObject(t *testing.T) {
	defs := map[string]openapi.Schema{
		"Base":  mustJSON(t, `{"type":"object","required":["id"],"properties":{"id":{"type":"string"}},"description":"Base."}`),
		"Alias": mustJSON(t, `{"$ref":"#/$defs/Base"}`),
		"Loop":  mustJSON(t, `{"$ref":"#/$defs/Loop"}`),
		"Str":   mustJSON(t, `{"type":"string"}`),
	}
	tests := []struct {
		name   string
		schema string
		want   string
		ok     bool
	}{
		{"object", `{"type":"object","properties":{"a":{}}}`, `{"type":"object","properties":{"a":{}}}`, true},
		{"properties without type", `{"properties":{"a":{}}}`, `{"type":"object","properties":{"a":{}}}`, true},
		{"reference chain with sibling", `{"$ref":"#/$defs/Alias","description":"Mine."}`,
			`{"type":"object","required":["id"],"properties":{"id":{"type":"string"}},"description":"Mine."}`, true},
		{"allOf merge", `{"allOf":[{"$ref":"#/$defs/Base"},{"type":"object","required":["n"],"properties":{"n":{},"id":{"minLength":1}}},{"description":"ignored"}]}`,
			`{"type":"object","required":["id","n"],"description":"Base.","properties":{"n":{},"id":{"allOf":[{"type":"string"},{"minLength":1}]}}}`, true},
		{"allOf with a string member", `{"allOf":[{"$ref":"#/$defs/Base"},{"$ref":"#/$defs/Str"}]}`, ``, false},
		{"oneOf", `{"oneOf":[{"$ref":"#/$defs/Base"}]}`, ``, false},
		{"object with oneOf", `{"type":"object","oneOf":[{"required":["a"]}]}`, ``, false},
		{"nullable object", `{"type":["object","null"],"properties":{}}`, ``, false},
		{"array", `{"type":"array"}`, ``, false},
		{"reference loop", `{"$ref":"#/$defs/Loop"}`, ``, false},
		{"dangling reference", `{"$ref":"#/$defs/Nope"}`, ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := resolveObject(defs, mustJSON(t, tt.schema))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (got %v)", ok, tt.ok, got)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(mustJSON(t, tt.want), map[string]any(got)); diff != "" {
				t.Errorf("resolveObject (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFlattenable(t *testing.T) {
	tests := []struct {
		schema string
		want   bool
	}{
		{`{"type":"object","properties":{"a":{}}}`, true},
		{`{"type":"object","properties":{"a":{}},"additionalProperties":false}`, true},
		{`{"type":"object","properties":{"a":{}},"additionalProperties":true}`, false},
		{`{"type":"object","properties":{"a":{}},"additionalProperties":{"type":"string"}}`, false},
		{`{"type":"object","properties":{}}`, false},
		{`{"type":"object","properties":{"a":{}},"patternProperties":{"^x":{}}}`, false},
		{`{"type":"object","properties":{"a":{}},"minProperties":1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			if got := flattenable(mustJSON(t, tt.schema)); got != tt.want {
				t.Errorf("flattenable = %v, want %v", got, tt.want)
			}
		})
	}
}
