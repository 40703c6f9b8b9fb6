package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
)

// unknownField finds, in the YAML document b, the first key that no field
// of v's type accepts, and describes it as `line N: unknown field "k" in
// apis[0]`; "" when none is found (the decoder's own message then stands).
// Types that decode themselves (json.Unmarshaler) are not entered.
func unknownField(b []byte, v any) string {
	var doc yaml3.Node
	if yaml3.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return ""
	}
	return findUnknown(doc.Content[0], reflect.TypeOf(v), "")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func findUnknown(n *yaml3.Node, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return ""
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			f, ok := jsonField(t, k.Value)
			if !ok {
				in := ""
				if path != "" {
					in = " in " + path
				}
				return fmt.Sprintf("line %d: unknown field %q%s", k.Line, k.Value, in)
			}
			if s := findUnknown(n.Content[i+1], f.Type, join(path, k.Value)); s != "" {
				return s
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml3.SequenceNode:
		for i, c := range n.Content {
			if s := findUnknown(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); s != "" {
				return s
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if s := findUnknown(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); s != "" {
				return s
			}
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonField finds the field of struct type t that the JSON key name
// decodes into, as encoding/json does (tags, then a case-insensitive
// match of the name; embedded structs' fields promoted).
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && tag == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if sf, ok := jsonField(et, name); ok {
					return sf, true
				}
				continue
			}
		}
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
