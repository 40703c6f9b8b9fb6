package mcpgen

import (
	"slices"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// maxResolveDepth bounds reference chains and allOf nesting followed when
// looking for an object root (a guard against cycles such as A: {$ref: A}).
const maxResolveDepth = 16

// compositionKeywords make a schema more than a plain object.
var compositionKeywords = []string{"oneOf", "anyOf", "not", "if", "then", "else", "$dynamicRef"}

// resolveObject looks through a top-level reference chain and merges a
// top-level allOf of objects, returning a plain object schema (root type
// "object", no top-level composition keyword) and true; or false when s is
// not such an object. The result is a new map whenever it differs from s;
// shared schemas are never modified.
func resolveObject(defs map[string]openapi.Schema, s openapi.Schema) (openapi.Schema, bool) {
	return resolveObjectDepth(defs, s, 0)
}

func resolveObjectDepth(defs map[string]openapi.Schema, s openapi.Schema, depth int) (openapi.Schema, bool) {
	if depth > maxResolveDepth || s == nil {
		return nil, false
	}
	if ref, ok := s["$ref"].(string); ok {
		name, ok := defName(ref)
		target, found := defs[name]
		if !ok || !found {
			return nil, false
		}
		merged := cloneTop(target)
		for k, v := range s {
			if k != "$ref" {
				merged[k] = v
			}
		}
		return resolveObjectDepth(defs, merged, depth+1)
	}
	if members, ok := s["allOf"].([]any); ok {
		return mergeAllOf(defs, s, members, depth)
	}
	if !isObjectSchema(s) {
		return nil, false
	}
	if t, ok := s["type"].(string); ok && t == "object" {
		return s, true
	}
	out := cloneTop(s)
	out["type"] = "object"
	return out, true
}

// isObjectSchema reports whether s describes objects only (type "object",
// or no type but properties) with no composition keyword at its root.
func isObjectSchema(s openapi.Schema) bool {
	for _, k := range compositionKeywords {
		if _, ok := s[k]; ok {
			return false
		}
	}
	if _, ok := s["allOf"]; ok {
		return false
	}
	switch t := s["type"].(type) {
	case string:
		return t == "object"
	case nil:
		_, hasProps := s["properties"]
		return hasProps
	}
	return false
}

// mergeAllOf merges the members of a top-level allOf (and the schema's own
// keywords) into one object schema: properties are united (a property
// defined by several members becomes the allOf of its definitions),
// required lists are united, descriptions come from s or else the first
// member that has one. additionalProperties is kept only when s itself sets
// it: in an allOf, a member's additionalProperties cannot see the other
// members' properties, so keeping it would reject valid objects.
func mergeAllOf(defs map[string]openapi.Schema, s openapi.Schema, members []any, depth int) (openapi.Schema, bool) {
	out := make(openapi.Schema, len(s)+3)
	for k, v := range s {
		if k != "allOf" {
			out[k] = v
		}
	}
	props := map[string]any{}
	var required []any
	addProps := func(m openapi.Schema) {
		if p, ok := m["properties"].(map[string]any); ok {
			for name, ps := range p {
				if prev, dup := props[name]; dup {
					props[name] = map[string]any{"allOf": []any{prev, ps}}
				} else {
					props[name] = ps
				}
			}
		}
		if r, ok := m["required"].([]any); ok {
			for _, name := range r {
				if !slices.Contains(required, name) {
					required = append(required, name)
				}
			}
		}
	}
	addProps(s)
	for _, m := range members {
		ms, ok := m.(map[string]any)
		if !ok {
			return nil, false
		}
		if isAnnotationOnly(ms) {
			if _, has := out["description"]; !has && ms["description"] != nil {
				out["description"] = ms["description"]
			}
			continue
		}
		rm, ok := resolveObjectDepth(defs, ms, depth+1)
		if !ok {
			return nil, false
		}
		if _, has := out["description"]; !has && rm["description"] != nil {
			out["description"] = rm["description"]
		}
		addProps(rm)
	}
	if t, ok := out["type"]; ok && t != "object" {
		if ts, isStr := t.(string); !isStr || ts != "object" {
			return nil, false
		}
	}
	out["type"] = "object"
	if len(props) > 0 {
		out["properties"] = props
	}
	if len(required) > 0 {
		out["required"] = required
	} else {
		delete(out, "required")
	}
	if !isObjectSchema(out) {
		return nil, false
	}
	return out, true
}

// annotationKeywords carry no constraint.
var annotationKeywords = []string{"description", "title", "default", "example", "examples", "deprecated", "readOnly", "writeOnly", "$comment"}

// isAnnotationOnly reports whether s has only annotation keywords (or
// extensions), as in allOf: [{$ref: X}, {description: "…"}].
func isAnnotationOnly(s openapi.Schema) bool {
	for k := range s {
		if !slices.Contains(annotationKeywords, k) && !isExtension(k) {
			return false
		}
	}
	return true
}

func isExtension(k string) bool {
	return len(k) > 2 && k[0] == 'x' && k[1] == '-'
}

// flattenable reports whether an object body can be spread into the tool's
// arguments: it has properties and does not allow arbitrary extra keys.
func flattenable(obj openapi.Schema) bool {
	props, _ := obj["properties"].(map[string]any)
	if len(props) == 0 {
		return false
	}
	for _, k := range []string{"patternProperties", "unevaluatedProperties", "propertyNames", "dependentSchemas", "dependentRequired", "minProperties", "maxProperties"} {
		if _, ok := obj[k]; ok {
			return false
		}
	}
	switch ap := obj["additionalProperties"].(type) {
	case nil:
		return true
	case bool:
		return !ap
	}
	return false
}
