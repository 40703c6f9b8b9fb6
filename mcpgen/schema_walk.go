package mcpgen

import (
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// schemaMode says which direction a schema is rewritten for.
type schemaMode int

const (
	// modeInput drops readOnly properties (they cannot be sent).
	modeInput schemaMode = iota
	// modeOutput drops writeOnly properties (they are never returned).
	modeOutput
	numModes
)

// defsPrefix starts every schema reference the loader produces.
const defsPrefix = "#/$defs/"

// Keywords whose values are subschemas, by shape.
var (
	schemaMapKeywords  = []string{"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
	schemaListKeywords = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaKeywords     = []string{
		"items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
		"contains", "propertyNames", "not", "if", "then", "else", "contentSchema", "additionalItems",
	}
)

// walker rewrites schemas for one [schemaMode] and collects the names of
// the definitions they reference. It never modifies its input: a schema
// that needs a change is copied (only along the changed path), one that
// does not is returned as is. Rewrites: properties that are readOnly
// (input) or writeOnly (output) are dropped, together with their entries
// in "required"; duplicate "required" entries are removed; "x-mcp-header"
// keys are dropped everywhere. In output mode, additionalProperties and
// unevaluatedProperties set to false are dropped as well: upstream APIs add
// response fields over time, and a response must not fail its schema
// because of that.
type walker struct {
	defs map[string]openapi.Schema
	mode schemaMode
	// refs collects referenced definition names.
	refs map[string]struct{}
	// bad collects references that do not resolve to a definition.
	bad map[string]struct{}
}

func newWalker(defs map[string]openapi.Schema, mode schemaMode) *walker {
	return &walker{defs: defs, mode: mode, refs: map[string]struct{}{}}
}

// value rewrites a subschema, which may be a boolean schema; changed
// reports whether the result differs from v.
func (w *walker) value(v any) (any, bool) {
	if s, ok := v.(map[string]any); ok {
		return w.schema(s)
	}
	return v, false
}

// schema rewrites s; see [walker]. It returns s itself when nothing
// changed.
func (w *walker) schema(s openapi.Schema) (openapi.Schema, bool) {
	var out openapi.Schema
	set := func(k string, v any) {
		if out == nil {
			out = cloneTop(s)
		}
		out[k] = v
	}
	var dropped []string
	for k, v := range s {
		switch {
		case k == "$ref":
			w.ref(v)
		case k == "x-mcp-header" || (w.mode == modeOutput && v == false && (k == "additionalProperties" || k == "unevaluatedProperties")):
			if out == nil {
				out = cloneTop(s)
			}
			delete(out, k)
		case k == "properties":
			if props, ok := v.(map[string]any); ok {
				np, gone := w.properties(props)
				dropped = gone
				if np != nil {
					set(k, np)
				}
			}
		case slices.Contains(schemaMapKeywords, k):
			if m, ok := v.(map[string]any); ok {
				if nm := w.schemaMap(m); nm != nil {
					set(k, nm)
				}
			}
		case slices.Contains(schemaListKeywords, k):
			if l, ok := v.([]any); ok {
				if nl := w.schemaList(l); nl != nil {
					set(k, nl)
				}
			}
		case slices.Contains(schemaKeywords, k):
			if l, ok := v.([]any); ok && k == "items" {
				if nl := w.schemaList(l); nl != nil {
					set(k, nl)
				}
			} else if nv, changed := w.value(v); changed {
				set(k, nv)
			}
		}
	}
	if req, ok := s["required"].([]any); ok && (len(dropped) > 0 || hasDuplicates(req)) {
		kept := make([]any, 0, len(req))
		for _, r := range req {
			if name, _ := r.(string); !slices.Contains(dropped, name) && !slices.Contains(kept, r) {
				kept = append(kept, r)
			}
		}
		if out == nil {
			out = cloneTop(s)
		}
		if len(kept) == 0 {
			delete(out, "required")
		} else {
			out["required"] = kept
		}
	}
	if out == nil {
		return s, false
	}
	return out, true
}

// properties rewrites a properties object. It returns nil when nothing
// changed, and the names of the dropped properties.
func (w *walker) properties(props map[string]any) (map[string]any, []string) {
	var out map[string]any
	var dropped []string
	for name, v := range props {
		if w.dropProperty(v) {
			if out == nil {
				out = cloneTop(props)
			}
			delete(out, name)
			dropped = append(dropped, name)
			continue
		}
		if nv, changed := w.value(v); changed {
			if out == nil {
				out = cloneTop(props)
			}
			out[name] = nv
		}
	}
	return out, dropped
}

// schemaMap rewrites a map of schemas; nil when nothing changed.
func (w *walker) schemaMap(m map[string]any) map[string]any {
	var out map[string]any
	for k, v := range m {
		if nv, changed := w.value(v); changed {
			if out == nil {
				out = cloneTop(m)
			}
			out[k] = nv
		}
	}
	return out
}

// schemaList rewrites a list of schemas; nil when nothing changed.
func (w *walker) schemaList(l []any) []any {
	var out []any
	for i, v := range l {
		if nv, changed := w.value(v); changed {
			if out == nil {
				out = slices.Clone(l)
			}
			out[i] = nv
		}
	}
	return out
}

// dropProperty reports whether a property schema is readOnly (input mode)
// or writeOnly (output mode), directly or through a reference to a
// definition marked so.
func (w *walker) dropProperty(v any) bool {
	s, ok := v.(map[string]any)
	if !ok {
		return false
	}
	flag := "readOnly"
	if w.mode == modeOutput {
		flag = "writeOnly"
	}
	if b, ok := s[flag].(bool); ok {
		return b
	}
	if ref, ok := s["$ref"].(string); ok {
		if name, ok := defName(ref); ok {
			b, _ := w.defs[name][flag].(bool)
			return b
		}
	}
	return false
}

// ref records a reference.
func (w *walker) ref(v any) {
	ref, _ := v.(string)
	if name, ok := refTarget(ref); ok {
		if _, ok := w.defs[name]; ok {
			w.refs[name] = struct{}{}
			return
		}
	}
	if w.bad == nil {
		w.bad = map[string]struct{}{}
	}
	w.bad[ref] = struct{}{}
}

// refTarget returns the definition a "#/$defs/<name>[/pointer]" reference
// points into.
func refTarget(ref string) (string, bool) {
	rest, ok := strings.CutPrefix(ref, defsPrefix)
	if !ok || rest == "" {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "/")
	return unescapePointer(name), true
}

// defName returns the definition a reference names as a whole
// ("#/$defs/<name>" with no further pointer).
func defName(ref string) (string, bool) {
	rest, ok := strings.CutPrefix(ref, defsPrefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return unescapePointer(rest), true
}

// unescapePointer decodes a JSON pointer token.
func unescapePointer(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
}

// hasDuplicates reports whether a "required" list names a property twice,
// which JSON Schema forbids and some documents do anyway.
func hasDuplicates(l []any) bool {
	for i := 1; i < len(l); i++ {
		if slices.Contains(l[:i], l[i]) {
			return true
		}
	}
	return false
}

// cloneTop copies the top level of a map.
func cloneTop(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
