package openapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// JSON Schema keywords by the JSON type kin-openapi requires of their
// value. A keyword of another type makes kin-openapi refuse the whole
// section it is in (for Swagger 2.0 every definition), so the repair path
// fixes or drops it in the one schema, with a warning naming it.
var (
	schemaKeywordsSchema = []string{"not", "contains", "propertyNames", "if", "then", "else", "contentSchema"}
	schemaKeywordsList   = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaKeywordsMap    = []string{"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"}
	schemaKeywordsBoolOr = []string{"additionalProperties", "unevaluatedItems", "unevaluatedProperties"}
	schemaKeywordsString = []string{"title", "description", "format", "pattern", "contentMediaType", "contentEncoding", "$id", "$anchor", "$comment", "$schema"}
	schemaKeywordsNumber = []string{"minimum", "maximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
		"minProperties", "maxProperties", "minContains", "maxContains"}
	schemaKeywordsBool = []string{"uniqueItems", "nullable", "readOnly", "writeOnly", "deprecated", "allowEmptyValue"}
)

// schemaFixer repairs the schemas of a parsed document.
type schemaFixer struct {
	r *loadRun
	// tuples says whether array-form "items" can become prefixItems
	// (OpenAPI 3.x, whose model has it); otherwise (Swagger 2.0) the
	// tuple is dropped.
	tuples bool
	fixes  int
}

// repairSchemas walks every schema of a parsed document (under a
// "schema" key, Swagger 2.0 definitions and OpenAPI components/schemas)
// and repairs JSON-Schema-isms and wrongly typed keywords in place.
func (r *loadRun) repairSchemas(root map[string]any, ver specVersion) int {
	f := &schemaFixer{r: r, tuples: !ver.swagger}
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		switch t := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(t) {
				p := ptr + "/" + escapePointer(k)
				switch {
				case k == "schema" || k == "items" && ptr != "" && isParameterLike(t):
					f.schema(t[k], p, 0)
				case (ptr == "" && k == "definitions") || ptr == "/components" && k == "schemas":
					if m, ok := t[k].(map[string]any); ok {
						for _, name := range sortedKeys(m) {
							f.schema(m[name], p+"/"+escapePointer(name), 0)
						}
					}
				default:
					walk(t[k], p)
				}
			}
		case []any:
			for i, c := range t {
				walk(c, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(root, "")
	return f.fixes
}

// isParameterLike reports whether an object is a Swagger 2.0 non-body
// parameter or items object (its "items" is a schema-like object).
func isParameterLike(m map[string]any) bool {
	_, hasIn := m["in"]
	_, hasType := m["type"]
	return hasIn || hasType
}

func (f *schemaFixer) warn(ptr, msg string) {
	f.fixes++
	f.r.diags = append(f.r.diags, Diagnostic{Code: "schema.repaired", Severity: SeverityWarning, File: f.r.label, Pointer: ptr, Message: msg})
}

// schema repairs one schema value at ptr.
func (f *schemaFixer) schema(v any, ptr string, depth int) {
	s, ok := v.(map[string]any)
	if !ok || depth > maxDecodeDepth {
		return
	}
	if _, isRef := s["$ref"]; isRef && len(s) == 1 {
		return
	}
	// Array-form items (a tuple, JSON Schema draft 4–2019).
	if items, ok := s["items"].([]any); ok {
		if f.tuples {
			if _, has := s["prefixItems"]; !has {
				s["prefixItems"] = items
			}
			delete(s, "items")
		} else {
			s["items"] = map[string]any{}
			f.warn(ptr+"/items", "\"items\" is an array (a JSON Schema tuple), which this OpenAPI version does not allow; the array's items accept any value")
		}
	}
	// Draft 3 "required": true on a property.
	if b, ok := s["required"].(bool); ok {
		delete(s, "required")
		f.warn(ptr+"/required", fmt.Sprintf("\"required\": %v is JSON Schema draft 3; list required properties in the parent's \"required\" array instead (ignored)", b))
	}
	if e, ok := s["enum"]; ok {
		if _, isList := e.([]any); !isList {
			delete(s, "enum")
			f.warn(ptr+"/enum", "\"enum\" is not an array; ignored")
		}
	}
	if r, ok := s["required"]; ok && !isStringList(r) {
		delete(s, "required")
		f.warn(ptr+"/required", "\"required\" is not an array of strings; ignored")
	}
	if t, ok := s["type"]; ok {
		if _, isString := t.(string); !isString && !isStringList(t) {
			delete(s, "type")
			f.warn(ptr+"/type", "\"type\" is neither a string nor a list of strings; any type is accepted")
		}
	}
	for _, k := range schemaKeywordsString {
		if v, ok := s[k]; ok {
			if _, isString := v.(string); !isString {
				delete(s, k)
				f.warn(ptr+"/"+escapePointer(k), fmt.Sprintf("%q is not a string; ignored", k))
			}
		}
	}
	for _, k := range schemaKeywordsNumber {
		if v, ok := s[k]; ok && !isNumber(v) {
			delete(s, k)
			f.warn(ptr+"/"+k, fmt.Sprintf("%q is not a number; ignored", k))
		}
	}
	for _, k := range schemaKeywordsBool {
		if v, ok := s[k]; ok {
			if _, isBool := v.(bool); !isBool {
				delete(s, k)
				f.warn(ptr+"/"+k, fmt.Sprintf("%q is not a boolean; ignored", k))
			}
		}
	}
	for _, k := range []string{"exclusiveMinimum", "exclusiveMaximum"} {
		if v, ok := s[k]; ok {
			if _, isBool := v.(bool); !isBool && !isNumber(v) {
				delete(s, k)
				f.warn(ptr+"/"+k, fmt.Sprintf("%q is neither a boolean nor a number; ignored", k))
			}
		}
	}
	depth++
	sub := func(k string, v any) bool {
		switch v.(type) {
		case map[string]any:
			f.schema(v, ptr+"/"+k, depth)
			return true
		case bool:
			return true
		}
		return false
	}
	for _, k := range append(slices.Clone(schemaKeywordsSchema), "items") {
		if v, ok := s[k]; ok && !sub(k, v) {
			delete(s, k)
			f.warn(ptr+"/"+k, fmt.Sprintf("%q is not a schema; any value is accepted", k))
		}
	}
	for _, k := range schemaKeywordsBoolOr {
		if v, ok := s[k]; ok && !sub(k, v) {
			delete(s, k)
			f.warn(ptr+"/"+k, fmt.Sprintf("%q is neither a boolean nor a schema; ignored", k))
		}
	}
	for _, k := range schemaKeywordsList {
		v, ok := s[k]
		if !ok {
			continue
		}
		l, isList := v.([]any)
		if !isList {
			delete(s, k)
			f.warn(ptr+"/"+k, fmt.Sprintf("%q is not an array of schemas; ignored", k))
			continue
		}
		for i, c := range l {
			f.schema(c, ptr+"/"+k+"/"+strconv.Itoa(i), depth)
		}
	}
	for _, k := range schemaKeywordsMap {
		v, ok := s[k]
		if !ok {
			continue
		}
		m, isMap := v.(map[string]any)
		if !isMap {
			delete(s, k)
			f.warn(ptr+"/"+escapePointer(k), fmt.Sprintf("%q is not an object of schemas; ignored", k))
			continue
		}
		for _, name := range sortedKeys(m) {
			f.schema(m[name], ptr+"/"+escapePointer(k)+"/"+escapePointer(name), depth)
		}
	}
}

func isStringList(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, c := range l {
		if _, ok := c.(string); !ok {
			return false
		}
	}
	return true
}

func isNumber(v any) bool {
	switch v.(type) {
	case float64, int, int64, uint64, json.Number:
		return true
	}
	return false
}
