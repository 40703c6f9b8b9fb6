package mcpgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Body media type families, as far as argument shapes are concerned.
const (
	familyJSON = iota
	familyForm
	familyMultipart
	familyText
	familyBinary
)

// mediaFamily classifies a request or response media type with the same
// helpers the invoker uses, so that both sides agree on which bodies are
// plain text and which are base64: JSON, URL-encoded form, multipart,
// text (text/*, XML, YAML, …), and everything else binary.
func mediaFamily(ct string) int {
	mt := mediaType(ct)
	switch {
	case isJSONMediaType(mt):
		return familyJSON
	case mt == mediaForm:
		return familyForm
	case strings.HasPrefix(mt, "multipart/"):
		return familyMultipart
	case isTextMediaType(mt):
		return familyText
	}
	return familyBinary
}

// body adds the request body arguments: the properties of an object body
// side by side with the parameters (LocBodyField), or a single argument
// for the whole body (LocBody) when the body is not a plain object, allows
// arbitrary keys, or one of its property names clashes with a parameter
// argument.
func (b *inputBuilder) body(rb *openapi.RequestBody) {
	schema := rb.Schema
	if schema == nil {
		schema = openapi.Schema{}
	}
	if mt := mediaType(rb.ContentType); hasWildcard(mt) {
		b.wildcardBody(rb, schema, mt)
		return
	}
	family := mediaFamily(rb.ContentType)
	if family == familyText || family == familyBinary || (len(schema) > 0 && isBinary(schema)) {
		b.rawBody(rb, family)
		return
	}
	if obj, ok := resolveObject(b.g.doc.Schemas, schema); ok && flattenable(obj) {
		clash, ok := b.flatten(rb, obj, family)
		if ok {
			return
		}
		b.diag(CodeBodyWrapped, openapi.SeverityInfo,
			fmt.Sprintf("request body property %q clashes with another argument; the body is passed whole as one argument", clash))
	}
	s, _ := b.w.schema(schema)
	if desc := strings.TrimSpace(rb.Description); desc != "" && s["description"] == nil {
		s = cloneTop(s)
		s["description"] = desc
	}
	b.addBody(s, rb.Required)
}

// addBody adds the whole-body argument.
func (b *inputBuilder) addBody(s openapi.Schema, required bool) {
	arg := b.claim("body", "request_body")
	b.props[arg] = s
	b.bindings = append(b.bindings, Binding{Arg: arg, Loc: LocBody, Required: required})
}

// rawBody adds a whole-body string argument for text and binary media
// types: plain text, or base64 for binary content.
func (b *inputBuilder) rawBody(rb *openapi.RequestBody, family int) {
	desc := strings.TrimSpace(rb.Description)
	if desc == "" {
		desc, _ = rb.Schema["description"].(string)
	}
	b.addBody(stringArg(desc, rb.ContentType, family == familyText), rb.Required)
}

// wildcardBody adds the whole-body argument for a media type range such as
// "*/*" or "image/*": the body schema when it describes structured data
// (the invoker sends objects and arrays as JSON), otherwise a string that
// is plain text for "*/*" and "text/*" and base64 for other ranges.
func (b *inputBuilder) wildcardBody(rb *openapi.RequestBody, schema openapi.Schema, mt string) {
	desc := strings.TrimSpace(rb.Description)
	if len(schema) > 0 && !isBinary(schema) {
		s, _ := b.w.schema(schema)
		if desc != "" && s["description"] == nil {
			s = cloneTop(s)
			s["description"] = desc
		}
		b.addBody(s, rb.Required)
		return
	}
	if desc == "" {
		desc, _ = schema["description"].(string)
	}
	b.addBody(stringArg(desc, "", mt == "*/*" || strings.HasPrefix(mt, "text/")), rb.Required)
}

// flatten spreads the properties of obj into the arguments. It returns
// ok=false without adding anything when a property name clashes, with the
// offending property name.
func (b *inputBuilder) flatten(rb *openapi.RequestBody, obj openapi.Schema, family int) (clash string, ok bool) {
	props, _ := obj["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for name, ps := range props {
		if !b.w.dropProperty(ps) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	args := make([]string, len(names))
	seen := make(map[string]bool, len(names))
	for i, name := range names {
		a := ArgName(name)
		if b.taken[a] || seen[a] {
			return name, false
		}
		seen[a] = true
		args[i] = a
	}
	// The required properties of an optional body are only required when
	// a body is sent, which arguments cannot express, so they are
	// optional then. Swagger 2.0 formData parameters are the exception:
	// the loader turns them into an optional body, but a required formData
	// parameter is always required.
	var required []any
	if rb.Required || (strings.HasPrefix(b.g.doc.OpenAPIVersion, "2") && (family == familyForm || family == familyMultipart)) {
		required, _ = obj["required"].([]any)
	}
	for i, name := range names {
		ps, _ := props[name].(map[string]any)
		if ps == nil {
			ps = openapi.Schema{}
		}
		if family == familyMultipart || family == familyForm {
			ps = fieldSchema(ps, rb.Encoding[name])
		}
		ps, _ = b.w.schema(ps)
		b.taken[args[i]] = true
		b.props[args[i]] = ps
		b.bindings = append(b.bindings, Binding{
			Arg: args[i], Loc: LocBodyField, Name: name,
			Required: slices.Contains(required, any(name)),
		})
	}
	return "", true
}

// fieldSchema turns a binary form field (or an array of them) into a
// string argument documented as base64, or as plain text for text parts.
func fieldSchema(ps openapi.Schema, enc openapi.Encoding) openapi.Schema {
	text := enc.ContentType != "" && mediaFamily(enc.ContentType) == familyText
	desc, _ := ps["description"].(string)
	if isBinary(ps) {
		ct, _ := ps["contentMediaType"].(string)
		if enc.ContentType != "" {
			ct = enc.ContentType
		}
		return stringArg(desc, ct, text || isTextMedia(ct))
	}
	if items, ok := ps["items"].(map[string]any); ok && isBinary(items) {
		out := cloneTop(ps)
		idesc, _ := items["description"].(string)
		ct, _ := items["contentMediaType"].(string)
		out["items"] = stringArg(idesc, ct, text || isTextMedia(ct))
		return out
	}
	return ps
}

// isTextMedia reports whether a part's media type is textual.
func isTextMedia(ct string) bool {
	return ct != "" && mediaFamily(ct) == familyText
}

// isBinary reports whether s is a string of raw bytes: format binary (or
// the Swagger 2.0 type file), contentEncoding, or a non-text
// contentMediaType.
func isBinary(s openapi.Schema) bool {
	if f, _ := s["format"].(string); f == "binary" {
		return true
	}
	if t, _ := s["type"].(string); t == "file" {
		return true
	}
	if _, ok := s["contentEncoding"]; ok {
		return true
	}
	if ct, ok := s["contentMediaType"].(string); ok && !isTextMedia(ct) {
		return true
	}
	return false
}

// stringArg is the argument schema for raw content: a plain-text string, or
// a base64 string for binary content. The description says which.
func stringArg(desc, ct string, text bool) openapi.Schema {
	desc = strings.TrimSpace(desc)
	if desc != "" && !strings.HasSuffix(desc, ".") {
		desc += "."
	}
	what := "Content"
	if ct != "" {
		what = "Content (" + ct + ")"
	}
	out := openapi.Schema{"type": "string"}
	if text {
		desc = strings.TrimSpace(desc + " " + what + " as plain text.")
	} else {
		desc = strings.TrimSpace(desc + " " + what + " encoded as base64.")
		out["contentEncoding"] = "base64"
	}
	if ct != "" && ct != "application/octet-stream" {
		out["contentMediaType"] = ct
	}
	out["description"] = desc
	return out
}
