package openapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxSchemaDepth bounds the nesting of inline schemas; references do not
// count, as each named schema is converted once.
const maxSchemaDepth = 256

// schemaConverter turns kin-openapi schemas into JSON Schema 2020-12
// values. Named (referenced) schemas become entries of defs, converted
// once each; inline schemas are memoised by pointer too, since shared
// components (parameters, responses) are reached from many operations.
type schemaConverter struct {
	// is31 selects OpenAPI 3.1 semantics (nullable and boolean exclusive
	// bounds are 3.0-only).
	is31  bool
	named map[*openapi3.Schema]string
	// byLocation maps absolute reference locations to names.
	byLocation map[string]string
	inline     map[*openapi3.Schema]Schema
	defs       map[string]Schema
	// patterns caches whether a pattern compiles.
	patterns map[string]bool
	diags    *Diagnostics
	file     string
	// exact overrides number keywords float64 cannot hold exactly.
	exact map[*openapi3.Schema]map[string]json.Number
}

func newSchemaConverter(is31 bool, diags *Diagnostics, file string) *schemaConverter {
	return &schemaConverter{
		is31:       is31,
		named:      map[*openapi3.Schema]string{},
		byLocation: map[string]string{},
		inline:     map[*openapi3.Schema]Schema{},
		defs:       map[string]Schema{},
		patterns:   map[string]bool{},
		diags:      diags,
		file:       file,
	}
}

// ref converts a schema reference found at ptr. A nil reference yields an
// empty schema.
func (c *schemaConverter) ref(sr *openapi3.SchemaRef, ptr string) Schema {
	return c.refDepth(sr, ptr, 0)
}

func (c *schemaConverter) refDepth(sr *openapi3.SchemaRef, ptr string, depth int) Schema {
	if sr == nil {
		return Schema{}
	}
	if sr.Value == nil {
		c.warn("ref.unresolved", ptr, fmt.Sprintf("schema reference %q is unresolved; any value is accepted", sr.Ref))
		return Schema{}
	}
	if sr.Ref == "" {
		if s, ok := c.inline[sr.Value]; ok {
			return s
		}
		if depth > maxSchemaDepth {
			c.warn("schema.invalid", ptr, "schema nesting too deep; truncated")
			return Schema{}
		}
		s := c.convert(sr.Value, ptr, depth+1)
		c.inline[sr.Value] = s
		return s
	}
	name, ok := c.named[sr.Value]
	if !ok {
		// kin-openapi loads a schema of another file anew for every
		// reference to it; the absolute location identifies it.
		key := refKey(sr)
		if name, ok = c.byLocation[key]; ok && key != "" {
			c.named[sr.Value] = name
			return Schema{"$ref": "#/$defs/" + name}
		}
		name = c.uniqueName(sr.Ref)
		c.named[sr.Value] = name
		if key != "" {
			c.byLocation[key] = name
		}
		c.defs[name] = Schema{} // placeholder: cycles find the name
		c.defs[name] = c.convert(sr.Value, refPointer(sr.Ref, ptr), 0)
	}
	return Schema{"$ref": "#/$defs/" + name}
}

// refKey returns the absolute location of an external schema reference,
// or "" when it is local or its location is not fully known.
func refKey(sr *openapi3.SchemaRef) string {
	if strings.HasPrefix(sr.Ref, "#") {
		return ""
	}
	rp := sr.RefPath()
	if rp == nil {
		return ""
	}
	_, frag, _ := strings.Cut(sr.Ref, "#")
	if rp.Fragment != frag {
		return ""
	}
	return rp.String()
}

// refPointer is the pointer used in diagnostics for a named schema: the
// reference's fragment when local, else where it was met.
func refPointer(ref, at string) string {
	if strings.HasPrefix(ref, "#/") {
		return ref[1:]
	}
	return at
}

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// uniqueName derives a readable, unique $defs key from a reference: its
// last pointer segment, or the file name without extension.
func (c *schemaConverter) uniqueName(ref string) string {
	base := ref
	if i := strings.IndexByte(ref, '#'); i >= 0 && i < len(ref)-1 {
		frag := ref[i+1:]
		if u, err := url.PathUnescape(frag); err == nil {
			frag = u
		}
		frag = strings.TrimRight(frag, "/")
		base = frag[strings.LastIndexByte(frag, '/')+1:]
		base = strings.ReplaceAll(strings.ReplaceAll(base, "~1", "/"), "~0", "~")
	} else {
		if i >= 0 {
			ref = ref[:i]
		}
		base = path.Base(ref)
		base = strings.TrimSuffix(base, path.Ext(base))
	}
	base = strings.Trim(unsafeNameChars.ReplaceAllString(base, "_"), "_")
	if base == "" {
		base = "Schema"
	}
	name := base
	for n := 2; ; n++ {
		if _, taken := c.defs[name]; !taken {
			return name
		}
		name = fmt.Sprintf("%s_%d", base, n)
	}
}

func (c *schemaConverter) warn(code, ptr, msg string) {
	*c.diags = append(*c.diags, Diagnostic{Code: code, Severity: SeverityWarning, File: c.file, Pointer: ptr, Message: msg})
}

// convert converts one schema object.
func (c *schemaConverter) convert(s *openapi3.Schema, ptr string, depth int) Schema {
	if s.Always != nil {
		if *s.Always {
			return Schema{}
		}
		return Schema{"not": Schema{}}
	}
	out := make(Schema, 8)
	sub := func(sr *openapi3.SchemaRef, key string) Schema {
		return c.refDepth(sr, ptr+"/"+key, depth)
	}
	list := func(srs openapi3.SchemaRefs, key string) []any {
		l := make([]any, len(srs))
		for i, sr := range srs {
			l[i] = c.refDepth(sr, fmt.Sprintf("%s/%s/%d", ptr, key, i), depth)
		}
		return l
	}
	schemas := func(m openapi3.Schemas, key string) Schema {
		o := make(Schema, len(m))
		for _, k := range sortedKeys(m) {
			o[k] = c.refDepth(m[k], ptr+"/"+key+"/"+escapePointer(k), depth)
		}
		return o
	}

	types := s.Type.Slice()
	nullable := s.Nullable && !c.is31
	if nullable && len(types) > 0 && !slices.Contains(types, "null") {
		types = append(slices.Clone(types), "null")
	}
	switch len(types) {
	case 0:
	case 1:
		out["type"] = types[0]
	default:
		out["type"] = stringsToAny(types)
	}
	setString(out, "title", s.Title)
	setString(out, "description", s.Description)
	setString(out, "format", s.Format)
	if len(s.Enum) > 0 {
		enum := slices.Clone(s.Enum)
		if nullable && !slices.Contains(enum, nil) {
			enum = append(enum, nil)
		}
		out["enum"] = enum
	}
	if s.Default != nil {
		out["default"] = s.Default
	}
	if s.Const != nil {
		out["const"] = s.Const
	}
	switch {
	case len(s.Examples) > 0:
		out["examples"] = s.Examples
	case s.Example != nil:
		out["examples"] = []any{s.Example}
	}

	// Numbers.
	setFloat(out, "minimum", s.Min)
	setFloat(out, "maximum", s.Max)
	setFloat(out, "multipleOf", s.MultipleOf)
	exact := c.exact[s]
	c.exactNumbers(out, exact, "minimum", "maximum", "multipleOf")
	c.exclusive(out, "minimum", "exclusiveMinimum", s.ExclusiveMin)
	c.exclusive(out, "maximum", "exclusiveMaximum", s.ExclusiveMax)
	c.exactNumbers(out, exact, "exclusiveMinimum", "exclusiveMaximum")

	// Strings.
	if s.MinLength > 0 {
		out["minLength"] = s.MinLength
	}
	setUint(out, "maxLength", s.MaxLength)
	if s.Pattern != "" {
		if c.patternOK(s.Pattern) {
			out["pattern"] = s.Pattern
		} else {
			c.warn("schema.invalid", ptr+"/pattern", fmt.Sprintf("pattern %q is not a supported regular expression; dropped", s.Pattern))
		}
	}
	setString(out, "contentMediaType", s.ContentMediaType)
	setString(out, "contentEncoding", s.ContentEncoding)
	if s.ContentSchema != nil {
		out["contentSchema"] = sub(s.ContentSchema, "contentSchema")
	}

	// Arrays.
	if s.Items != nil {
		out["items"] = sub(s.Items, "items")
	}
	if len(s.PrefixItems) > 0 {
		out["prefixItems"] = list(s.PrefixItems, "prefixItems")
	}
	if s.MinItems > 0 {
		out["minItems"] = s.MinItems
	}
	setUint(out, "maxItems", s.MaxItems)
	if s.UniqueItems {
		out["uniqueItems"] = true
	}
	if s.Contains != nil {
		out["contains"] = sub(s.Contains, "contains")
	}
	setUint(out, "minContains", s.MinContains)
	setUint(out, "maxContains", s.MaxContains)
	c.boolSchema(out, "unevaluatedItems", s.UnevaluatedItems, ptr, depth)

	// Objects.
	if len(s.Properties) > 0 {
		out["properties"] = schemas(s.Properties, "properties")
	}
	if len(s.Required) > 0 {
		out["required"] = stringsToAny(s.Required)
	}
	if s.MinProps > 0 {
		out["minProperties"] = s.MinProps
	}
	setUint(out, "maxProperties", s.MaxProps)
	c.boolSchema(out, "additionalProperties", s.AdditionalProperties, ptr, depth)
	if len(s.PatternProperties) > 0 {
		pp := Schema{}
		for _, k := range sortedKeys(s.PatternProperties) {
			if !c.patternOK(k) {
				c.warn("schema.invalid", ptr+"/patternProperties", fmt.Sprintf("pattern %q is not a supported regular expression; dropped", k))
				continue
			}
			pp[k] = c.refDepth(s.PatternProperties[k], ptr+"/patternProperties/"+escapePointer(k), depth)
		}
		out["patternProperties"] = pp
	}
	if len(s.DependentSchemas) > 0 {
		out["dependentSchemas"] = schemas(s.DependentSchemas, "dependentSchemas")
	}
	if len(s.DependentRequired) > 0 {
		dr := Schema{}
		for k, v := range s.DependentRequired {
			dr[k] = stringsToAny(v)
		}
		out["dependentRequired"] = dr
	}
	if s.PropertyNames != nil {
		out["propertyNames"] = sub(s.PropertyNames, "propertyNames")
	}
	c.boolSchema(out, "unevaluatedProperties", s.UnevaluatedProperties, ptr, depth)

	// Composition.
	if len(s.AllOf) > 0 {
		out["allOf"] = list(s.AllOf, "allOf")
	}
	if len(s.OneOf) > 0 {
		out["oneOf"] = list(s.OneOf, "oneOf")
	}
	if len(s.AnyOf) > 0 {
		out["anyOf"] = list(s.AnyOf, "anyOf")
	}
	if s.Not != nil {
		out["not"] = sub(s.Not, "not")
	}
	if s.If != nil {
		out["if"] = sub(s.If, "if")
		if s.Then != nil {
			out["then"] = sub(s.Then, "then")
		}
		if s.Else != nil {
			out["else"] = sub(s.Else, "else")
		}
	}

	// Annotations.
	if s.ReadOnly {
		out["readOnly"] = true
	}
	if s.WriteOnly {
		out["writeOnly"] = true
	}
	if s.Deprecated {
		out["deprecated"] = true
	}

	if nullable && len(types) == 0 {
		// A typeless nullable schema (typically allOf/oneOf around a $ref)
		// must also accept null.
		return Schema{"anyOf": []any{out, Schema{"type": "null"}}}
	}
	return out
}

// exactNumbers replaces the float64 values of keys by the exact integers
// the document wrote, when float64 could not hold them.
func (c *schemaConverter) exactNumbers(out Schema, exact map[string]json.Number, keys ...string) {
	if exact == nil {
		return
	}
	for _, k := range keys {
		if n, ok := exact[k]; ok {
			if _, set := out[k]; set {
				out[k] = n
			}
		}
	}
}

// exclusive writes an exclusive bound in 2020-12 (numeric) form.
func (c *schemaConverter) exclusive(out Schema, plain, key string, b openapi3.ExclusiveBound) {
	switch {
	case b.Value != nil:
		out[key] = *b.Value
	case b.IsTrue():
		if v, ok := out[plain]; ok {
			out[key] = v
			delete(out, plain)
		}
	}
}

func (c *schemaConverter) boolSchema(out Schema, key string, b openapi3.BoolSchema, ptr string, depth int) {
	switch {
	case b.Schema != nil:
		out[key] = c.refDepth(b.Schema, ptr+"/"+key, depth)
	case b.Has != nil:
		out[key] = *b.Has
	}
}

// patternOK reports whether a pattern compiles with the regexp engine the
// consumers' JSON Schema validator uses (Go's RE2 syntax).
func (c *schemaConverter) patternOK(p string) bool {
	ok, seen := c.patterns[p]
	if !seen {
		_, err := regexp.Compile(p)
		ok = err == nil
		c.patterns[p] = ok
	}
	return ok
}

func setString(out Schema, key, v string) {
	if v != "" {
		out[key] = v
	}
}

func setFloat(out Schema, key string, v *float64) {
	if v != nil {
		out[key] = *v
	}
}

func setUint(out Schema, key string, v *uint64) {
	if v != nil {
		out[key] = *v
	}
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// CloneSchema returns a deep copy of s, for consumers that need to modify
// a schema shared by the [Document].
func CloneSchema(s Schema) Schema {
	if s == nil {
		return nil
	}
	return cloneValue(s).(Schema)
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, c := range t {
			m[k] = cloneValue(c)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, c := range t {
			s[i] = cloneValue(c)
		}
		return s
	case []string:
		return slices.Clone(t)
	default:
		return v
	}
}
