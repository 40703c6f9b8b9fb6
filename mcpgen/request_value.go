package mcpgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Argument values arrive decoded from JSON: nil, bool, float64 or
// json.Number, string, []any and map[string]any. Callers in Go may also
// pass integers, []string and map[string]string; these helpers accept
// both.

// valueKind classifies an argument value.
type valueKind int

const (
	kindNull valueKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
	kindOther
)

// String returns the JSON type name of the kind.
func (k valueKind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	case kindObject:
		return "object"
	default:
		return "unsupported value"
	}
}

// kindOf classifies v.
func kindOf(v any) valueKind {
	switch v.(type) {
	case nil:
		return kindNull
	case bool:
		return kindBool
	case float64, float32, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return kindNumber
	case string:
		return kindString
	case []any, []string:
		return kindArray
	case map[string]any, map[string]string:
		return kindObject
	default:
		return kindOther
	}
}

// asList returns the items of an array value.
func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return nil
}

// objectEntry is one property of an object value.
type objectEntry struct {
	key   string
	value any
}

// asObject returns the properties of an object value sorted by key, so
// that serialisation is deterministic.
func asObject(v any) []objectEntry {
	var out []objectEntry
	switch x := v.(type) {
	case map[string]any:
		out = make([]objectEntry, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = append(out, objectEntry{k, x[k]})
		}
	case map[string]string:
		out = make([]objectEntry, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = append(out, objectEntry{k, x[k]})
		}
	}
	return out
}

// scalarString formats a scalar (string, number or boolean) the way it is
// written in URLs and headers: numbers without exponent, booleans as
// true/false.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return formatFloat(x), true
	case float32:
		return formatFloat(float64(x)), true
	case json.Number:
		return x.String(), true
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int8:
		return strconv.FormatInt(int64(x), 10), true
	case int16:
		return strconv.FormatInt(int64(x), 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

// formatFloat writes integral values without a fraction or exponent.
func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// componentString formats one item of an array or one property value of
// an object inside a style-serialised parameter: scalars as themselves,
// null as the empty string, nested arrays and objects as compact JSON
// (OpenAPI leaves nested values undefined).
func componentString(v any) (string, error) {
	if s, ok := scalarString(v); ok {
		return s, nil
	}
	if v == nil {
		return "", nil
	}
	b, err := marshalJSON(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// marshalJSON encodes v compactly without HTML escaping.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// isIntegral reports whether a number value has no fractional part.
func isIntegral(v any) bool {
	switch x := v.(type) {
	case float64:
		return x == math.Trunc(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x) == math.Trunc(float64(x))
	case json.Number:
		if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return true
		}
		f, err := x.Float64()
		return err == nil && f == math.Trunc(f)
	}
	return true
}

// resolveSchema follows "#/$defs/<name>" references through the invoker's
// schemas (a bounded number of hops, so cycles end). It returns nil when a
// reference cannot be resolved.
func (inv *Invoker) resolveSchema(s openapi.Schema) openapi.Schema {
	for range 8 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			return nil
		}
		s = inv.schemas[name]
	}
	return nil
}

// schemaTypes returns the JSON types a schema allows ("type" as a string
// or a list); nil when unconstrained or unknown.
func schemaTypes(s openapi.Schema) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		return out
	case []string:
		return t
	}
	return nil
}

// checkType verifies that v has one of the schema's declared types.
// Schemas without a type (or unresolvable ones) accept anything.
func (inv *Invoker) checkType(arg string, s openapi.Schema, v any) error {
	k := kindOf(v)
	if k == kindOther {
		return argErrorf(arg, "has an unsupported value type %T", v)
	}
	types := schemaTypes(inv.resolveSchema(s))
	if len(types) == 0 {
		return nil
	}
	for _, t := range types {
		switch {
		case t == k.String(),
			t == "integer" && k == kindNumber && isIntegral(v),
			t == "number" && k == kindNumber:
			return nil
		}
	}
	want := strings.Join(types, " or ")
	if k == kindNumber && slices.Contains(types, "integer") {
		return argErrorf(arg, "expected %s, got a non-integral number", want)
	}
	return argErrorf(arg, "expected %s, got %s", want, k)
}

// schemaProperty returns the schema of an object schema's property, or nil.
func (inv *Invoker) schemaProperty(s openapi.Schema, name string) openapi.Schema {
	props, ok := inv.resolveSchema(s)["properties"].(map[string]any)
	if !ok {
		return nil
	}
	p, _ := props[name].(map[string]any)
	return inv.resolveSchema(p)
}

// schemaIs reports whether the schema's first declared type is typ.
func schemaIs(s openapi.Schema, typ string) bool {
	types := schemaTypes(s)
	return len(types) > 0 && types[0] == typ
}

// stringField returns s[key] when it is a string.
func stringField(s openapi.Schema, key string) string {
	v, _ := s[key].(string)
	return v
}

// schemaMap returns s[key] when it is an object.
func schemaMap(s openapi.Schema, key string) openapi.Schema {
	v, _ := s[key].(map[string]any)
	return v
}
