package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"
)

// The fast decoder builds kin-openapi's model of a single-file OpenAPI 3.0
// or 3.1 JSON document in one streaming pass, instead of kin-openapi's own
// unmarshalling, which decodes every object twice (into the struct, then
// into a map for its extensions) and re-validates the bytes of every
// nested object, so that its cost grows with size × nesting depth (1 s
// CPU and 390 MB of allocation for GitHub's description; 16 s for one
// schema nested 4,000 deep). It fills exactly the fields the normaliser
// reads and skips what it discards (examples of media types and
// parameters, links, headers, callbacks, tags, XML, extensions other than
// an operation's). Nested schemas deeper than maxDecodeDepth become
// permissive with a warning; a keyword of the wrong type is dropped with
// a warning instead of failing the document.
//
// It declines (errNotFast) documents whose semantics it does not
// reproduce: other versions, YAML, external references, path item
// references, and in 3.1 $ref with sibling keywords and schemas with an
// $id, $anchor or $dynamic* keyword. kin-openapi then loads them as before; the
// references of a fast-decoded document are still resolved by kin-openapi.

// errNotFast means the document needs kin-openapi's own decoder.
var errNotFast = errors.New("document not eligible for the fast decoder")

// maxDecodeDepth bounds schema nesting in the fast decoder and (as JSON
// nesting) documents handed to kin-openapi; real documents nest schemas
// less than 30 deep.
const maxDecodeDepth = 128

// fastDecoder is the state of one fast decode.
type fastDecoder struct {
	d    *jsontext.Decoder
	data []byte
	file string
	is31 bool
	// leaves maps the text of leaf schemas to their shared value.
	leaves map[string]*openapi3.Schema
	// kinResolve is set when a schema was decoded by kin-openapi (a 3.1
	// $ref with siblings): only kin-openapi's resolver merges them.
	kinResolve bool
	diags      Diagnostics
	// big remembers integers that float64 cannot hold exactly, by the
	// schema and keyword they were found in (see exactNumbers).
	big map[*openapi3.Schema]map[string]json.Number
}

// fastDecode decodes data (see the package comment above).
func fastDecode(data []byte, ver specVersion, file string) (*openapi3.T, *fastDecoder, error) {
	is31 := strings.HasPrefix(ver.version, "3.1")
	if ver.swagger || !strings.HasPrefix(ver.version, "3.0") && !is31 || !isJSON(data) {
		return nil, nil, errNotFast
	}
	f := &fastDecoder{
		d: jsontext.NewDecoder(bytes.NewBuffer(data), // parsed in place, not copied
			jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)),
		data: data,
		file: file,
		is31: is31,
	}
	doc, err := f.document()
	if err != nil {
		return nil, nil, err
	}
	f.d, f.data, f.leaves = nil, nil, nil // no longer needed
	return doc, f, nil
}

// warn records a warning at the decoder's current position.
func (f *fastDecoder) warn(code, msg string) {
	f.diags = append(f.diags, Diagnostic{Code: code, Severity: SeverityWarning, File: f.file,
		Pointer: string(f.d.StackPointer()), Message: msg})
}

// object reads an object, calling fn for each member with the decoder
// positioned at its value; fn must consume the value. A null is an empty
// object; any other kind is an error.
func (f *fastDecoder) object(fn func(key string) error) error {
	tok, err := f.d.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '{':
	default:
		return fmt.Errorf("at %s: expected an object, got %s", f.d.StackPointer(), tok.Kind())
	}
	for f.d.PeekKind() != '}' {
		k, err := f.d.ReadToken()
		if err != nil {
			return err
		}
		if err := fn(k.String()); err != nil {
			return err
		}
	}
	_, err = f.d.ReadToken()
	return err
}

// array reads an array, calling fn for each element.
func (f *fastDecoder) array(fn func(i int) error) error {
	tok, err := f.d.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '[':
	default:
		return fmt.Errorf("at %s: expected an array, got %s", f.d.StackPointer(), tok.Kind())
	}
	for i := 0; f.d.PeekKind() != ']'; i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	_, err = f.d.ReadToken()
	return err
}

func (f *fastDecoder) skip() error { return f.d.SkipValue() }

// kin decodes the next value with kin-openapi's own unmarshalling, for
// the small parts (info, servers, security) where speed does not matter.
func (f *fastDecoder) kin(v any) error {
	raw, err := f.d.ReadValue()
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// str reads a string; another kind is dropped with a warning.
func (f *fastDecoder) str(dst *string) error {
	if f.d.PeekKind() == '"' {
		tok, err := f.d.ReadToken()
		if err != nil {
			return err
		}
		*dst = tok.String()
		return nil
	}
	return f.wrongType("a string")
}

func (f *fastDecoder) wrongType(want string) error {
	kind := f.d.PeekKind()
	if kind == 'n' {
		return f.skip()
	}
	f.warn("schema.invalid", fmt.Sprintf("expected %s, got %s; ignored", want, kindName(kind)))
	return f.skip()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case '{':
		return "an object"
	case '[':
		return "an array"
	default:
		return "null"
	}
}

func (f *fastDecoder) boolean(dst *bool) error {
	switch f.d.PeekKind() {
	case 't', 'f':
		tok, err := f.d.ReadToken()
		if err != nil {
			return err
		}
		*dst = tok.Bool()
		return nil
	}
	return f.wrongType("a boolean")
}

func (f *fastDecoder) boolPtr(dst **bool) error {
	var b bool
	if k := f.d.PeekKind(); k != 't' && k != 'f' {
		return f.wrongType("a boolean")
	}
	if err := f.boolean(&b); err != nil {
		return err
	}
	*dst = &b
	return nil
}

// number reads a number token; ok is false (and the value skipped with a
// warning) for another kind.
func (f *fastDecoder) number() (tok jsontext.Token, ok bool, err error) {
	if f.d.PeekKind() != '0' {
		return tok, false, f.wrongType("a number")
	}
	tok, err = f.d.ReadToken()
	return tok, err == nil, err
}

func (f *fastDecoder) float(dst **float64, s *openapi3.Schema, key string) error {
	tok, ok, err := f.number()
	if !ok {
		return err
	}
	v, err := tok.Float()
	if err != nil {
		f.warn("schema.invalid", fmt.Sprintf("%s: %v; ignored", key, err))
		return nil
	}
	*dst = &v
	f.keepExact(s, key, tok)
	return nil
}

func (f *fastDecoder) uint(dst *uint64) error {
	tok, ok, err := f.number()
	if !ok {
		return err
	}
	v, err := tok.Float()
	if err != nil || v < 0 || v != math.Trunc(v) {
		f.warn("schema.invalid", fmt.Sprintf("expected a non-negative integer, got %s; ignored", tok.String()))
		return nil
	}
	if u, err := tok.Uint(); err == nil {
		*dst = u
	} else {
		*dst = math.MaxUint64
	}
	return nil
}

func (f *fastDecoder) uintPtr(dst **uint64) error {
	var v uint64
	if f.d.PeekKind() != '0' {
		return f.wrongType("a non-negative integer")
	}
	n := len(f.diags)
	if err := f.uint(&v); err != nil || len(f.diags) > n {
		return err
	}
	*dst = &v
	return nil
}

func (f *fastDecoder) strings(dst *[]string) error {
	if f.d.PeekKind() != '[' {
		return f.wrongType("an array of strings")
	}
	var out []string
	err := f.array(func(int) error {
		if f.d.PeekKind() != '"' {
			return f.wrongType("a string")
		}
		var s string
		if err := f.str(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	*dst = out
	return err
}

// keepExact remembers a number literal of a schema keyword that float64
// does not hold exactly (an integer beyond ±2^53).
func (f *fastDecoder) keepExact(s *openapi3.Schema, key string, tok jsontext.Token) {
	if s == nil {
		return
	}
	if lit, ok := exactLiteral(tok.String()); ok {
		if f.big == nil {
			f.big = map[*openapi3.Schema]map[string]json.Number{}
		}
		if f.big[s] == nil {
			f.big[s] = map[string]json.Number{}
		}
		f.big[s][key] = lit
	}
}

// exactLiteral reports whether a JSON number literal is an integer that
// float64 does not represent exactly; it then returns it as a json.Number.
func exactLiteral(lit string) (json.Number, bool) {
	if strings.ContainsAny(lit, ".eE") {
		return "", false
	}
	if _, err := strconv.ParseInt(lit, 10, 64); err == nil {
		v, _ := strconv.ParseInt(lit, 10, 64)
		if v >= -(1<<53) && v <= 1<<53 {
			return "", false
		}
		return json.Number(lit), true
	}
	if _, err := strconv.ParseUint(lit, 10, 64); err == nil {
		return json.Number(lit), true
	}
	// Beyond 64 bits: still an exact integer literal.
	return json.Number(lit), len(lit) > 0
}

// any reads a generic value the way encoding/json decodes into an any
// (float64 numbers), except that integers float64 cannot hold exactly
// stay json.Number.
func (f *fastDecoder) any() (any, error) {
	switch f.d.PeekKind() {
	case '{':
		m := map[string]any{}
		err := f.object(func(k string) error {
			v, err := f.any()
			m[k] = v
			return err
		})
		return m, err
	case '[':
		l := []any{}
		err := f.array(func(int) error {
			v, err := f.any()
			l = append(l, v)
			return err
		})
		return l, err
	}
	tok, err := f.d.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '"':
		return tok.String(), nil
	case '0':
		if lit, ok := exactLiteral(tok.String()); ok {
			return lit, nil
		}
		return tok.Float()
	case 't', 'f':
		return tok.Bool(), nil
	default:
		return nil, nil
	}
}

// anyArray reads an array of any values.
func (f *fastDecoder) anyArray(dst *[]any) error {
	if f.d.PeekKind() != '[' {
		return f.wrongType("an array")
	}
	v, err := f.any()
	*dst, _ = v.([]any)
	return err
}

func (f *fastDecoder) document() (*openapi3.T, error) {
	doc := &openapi3.T{}
	err := f.object(func(k string) error {
		switch k {
		case "openapi":
			return f.str(&doc.OpenAPI)
		case "info":
			doc.Info = &openapi3.Info{}
			return f.kin(doc.Info)
		case "servers":
			return f.kin(&doc.Servers)
		case "security":
			return f.kin(&doc.Security)
		case "paths":
			doc.Paths = openapi3.NewPaths()
			return f.object(func(key string) error {
				pi, err := f.pathItem()
				if err == nil {
					doc.Paths.Set(key, pi)
				}
				return err
			})
		case "components":
			c := openapi3.NewComponents()
			doc.Components = &c
			return f.components(doc.Components)
		case "webhooks":
			// Only their number is used (they are not operations).
			doc.Webhooks = map[string]*openapi3.PathItem{}
			return f.object(func(name string) error {
				doc.Webhooks[name] = &openapi3.PathItem{}
				return f.skip()
			})
		default:
			return f.skip()
		}
	})
	if err != nil {
		return nil, err
	}
	if _, err := f.d.ReadToken(); err == nil {
		return nil, errors.New("data after the top-level object")
	}
	return doc, nil
}

func (f *fastDecoder) components(c *openapi3.Components) error {
	return f.object(func(k string) error {
		switch k {
		case "schemas":
			c.Schemas = openapi3.Schemas{}
			return named(f, c.Schemas, func() (*openapi3.SchemaRef, error) { return f.schemaRef(0) })
		case "parameters":
			c.Parameters = openapi3.ParametersMap{}
			return named(f, c.Parameters, f.parameterRef)
		case "requestBodies":
			c.RequestBodies = openapi3.RequestBodies{}
			return named(f, c.RequestBodies, f.requestBodyRef)
		case "responses":
			c.Responses = openapi3.ResponseBodies{}
			return named(f, c.Responses, f.responseRef)
		case "securitySchemes":
			return f.kin(&c.SecuritySchemes)
		default:
			// headers, examples, links, callbacks: not used.
			return f.skip()
		}
	})
}

// named reads an object of named components into dst with read, leaving
// out nil ones (a schema written as null).
func named[R comparable](f *fastDecoder, dst map[string]R, read func() (R, error)) error {
	var none R
	return f.object(func(name string) error {
		r, err := read()
		if r != none {
			dst[name] = r
		}
		return err
	})
}

// ref reads a "$ref" value, declining external references.
func (f *fastDecoder) ref(dst *string) error {
	if err := f.str(dst); err != nil {
		return err
	}
	if !strings.HasPrefix(*dst, "#") {
		return errNotFast
	}
	return nil
}

func (f *fastDecoder) pathItem() (*openapi3.PathItem, error) {
	pi := &openapi3.PathItem{}
	err := f.object(func(k string) error {
		var op **openapi3.Operation
		switch k {
		case "$ref":
			return errNotFast
		case "summary":
			return f.str(&pi.Summary)
		case "description":
			return f.str(&pi.Description)
		case "servers":
			return f.kin(&pi.Servers)
		case "parameters":
			return f.parameters(&pi.Parameters)
		case "get":
			op = &pi.Get
		case "put":
			op = &pi.Put
		case "post":
			op = &pi.Post
		case "delete":
			op = &pi.Delete
		case "options":
			op = &pi.Options
		case "head":
			op = &pi.Head
		case "patch":
			op = &pi.Patch
		case "trace":
			op = &pi.Trace
		default:
			return f.skip()
		}
		o, err := f.operation()
		*op = o
		return err
	})
	return pi, err
}

func (f *fastDecoder) operation() (*openapi3.Operation, error) {
	o := &openapi3.Operation{}
	err := f.object(func(k string) error {
		switch k {
		case "tags":
			return f.strings(&o.Tags)
		case "summary":
			return f.str(&o.Summary)
		case "description":
			return f.str(&o.Description)
		case "operationId":
			return f.str(&o.OperationID)
		case "deprecated":
			return f.boolean(&o.Deprecated)
		case "parameters":
			return f.parameters(&o.Parameters)
		case "requestBody":
			rb, err := f.requestBodyRef()
			o.RequestBody = rb
			return err
		case "responses":
			o.Responses = openapi3.NewResponsesWithCapacity(4)
			return f.object(func(status string) error {
				if strings.HasPrefix(status, "x-") {
					return f.skip()
				}
				rr, err := f.responseRef()
				o.Responses.Set(status, rr)
				return err
			})
		case "security":
			o.Security = &openapi3.SecurityRequirements{}
			return f.kin(o.Security)
		case "servers":
			o.Servers = &openapi3.Servers{}
			return f.kin(o.Servers)
		default:
			if strings.HasPrefix(k, "x-") {
				v, err := f.any()
				if o.Extensions == nil {
					o.Extensions = map[string]any{}
				}
				o.Extensions[k] = v
				return err
			}
			return f.skip() // callbacks, externalDocs
		}
	})
	return o, err
}

func (f *fastDecoder) parameters(dst *openapi3.Parameters) error {
	return f.array(func(int) error {
		pr, err := f.parameterRef()
		*dst = append(*dst, pr)
		return err
	})
}

func (f *fastDecoder) parameterRef() (*openapi3.ParameterRef, error) {
	pr := &openapi3.ParameterRef{}
	p := &openapi3.Parameter{}
	err := f.object(func(k string) error {
		switch k {
		case "$ref":
			return f.ref(&pr.Ref)
		case "name":
			return f.str(&p.Name)
		case "in":
			return f.str(&p.In)
		case "description":
			return f.str(&p.Description)
		case "style":
			return f.str(&p.Style)
		case "explode":
			return f.boolPtr(&p.Explode)
		case "allowEmptyValue":
			return f.boolean(&p.AllowEmptyValue)
		case "allowReserved":
			return f.boolean(&p.AllowReserved)
		case "deprecated":
			return f.boolean(&p.Deprecated)
		case "required":
			return f.boolean(&p.Required)
		case "schema":
			sr, err := f.schemaRef(0)
			p.Schema = sr
			return err
		case "content":
			return f.content(&p.Content)
		default:
			return f.skip()
		}
	})
	if pr.Ref == "" {
		pr.Value = p
	}
	return pr, err
}

func (f *fastDecoder) requestBodyRef() (*openapi3.RequestBodyRef, error) {
	rr := &openapi3.RequestBodyRef{}
	rb := &openapi3.RequestBody{}
	err := f.object(func(k string) error {
		switch k {
		case "$ref":
			return f.ref(&rr.Ref)
		case "description":
			return f.str(&rb.Description)
		case "required":
			return f.boolean(&rb.Required)
		case "content":
			return f.content(&rb.Content)
		default:
			return f.skip()
		}
	})
	if rr.Ref == "" {
		rr.Value = rb
	}
	return rr, err
}

func (f *fastDecoder) responseRef() (*openapi3.ResponseRef, error) {
	rr := &openapi3.ResponseRef{}
	r := &openapi3.Response{}
	err := f.object(func(k string) error {
		switch k {
		case "$ref":
			return f.ref(&rr.Ref)
		case "description":
			var s string
			err := f.str(&s)
			r.Description = &s
			return err
		case "content":
			return f.content(&r.Content)
		default:
			return f.skip() // headers, links
		}
	})
	if rr.Ref == "" {
		rr.Value = r
	}
	return rr, err
}

func (f *fastDecoder) content(dst *openapi3.Content) error {
	*dst = openapi3.Content{}
	return f.object(func(mt string) error {
		m := &openapi3.MediaType{}
		(*dst)[mt] = m
		return f.object(func(k string) error {
			switch k {
			case "schema":
				sr, err := f.schemaRef(0)
				m.Schema = sr
				return err
			case "encoding":
				m.Encoding = map[string]*openapi3.Encoding{}
				return f.object(func(name string) error {
					e := &openapi3.Encoding{}
					m.Encoding[name] = e
					return f.object(func(k string) error {
						switch k {
						case "contentType":
							return f.str(&e.ContentType)
						case "style":
							return f.str(&e.Style)
						case "explode":
							return f.boolPtr(&e.Explode)
						case "allowReserved":
							return f.boolean(&e.AllowReserved)
						default:
							return f.skip()
						}
					})
				})
			default:
				return f.skip() // example, examples
			}
		})
	})
}

// schemaRef reads a schema (object or boolean) at nesting depth.
func (f *fastDecoder) schemaRef(depth int) (*openapi3.SchemaRef, error) {
	switch f.d.PeekKind() {
	case 't', 'f':
		var b bool
		err := f.boolean(&b)
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Always: &b}}, err
	case '{':
	case 'n':
		return nil, f.skip()
	default:
		f.warn("schema.invalid", fmt.Sprintf("a schema must be an object, got %s; any value is accepted", kindName(f.d.PeekKind())))
		return &openapi3.SchemaRef{Value: &openapi3.Schema{}}, f.skip()
	}
	if depth >= maxDecodeDepth {
		f.warn("schema.too-deep", fmt.Sprintf("schema nested more than %d levels deep; any value is accepted from here", maxDecodeDepth))
		return &openapi3.SchemaRef{Value: &openapi3.Schema{}}, f.skip()
	}
	s := &openapi3.Schema{}
	ref := ""
	siblings := false
	start := f.d.InputOffset()
	ndiags := len(f.diags)
	// leaf stays true while the schema has no subschema and nothing that
	// makes its conversion depend on where it is (see the end).
	leaf := true
	depth++
	sub := func(dst **openapi3.SchemaRef) error {
		leaf = false
		sr, err := f.schemaRef(depth)
		*dst = sr
		return err
	}
	list := func(dst *openapi3.SchemaRefs) error {
		leaf = false
		if f.d.PeekKind() != '[' {
			return f.wrongType("an array of schemas")
		}
		return f.array(func(int) error {
			sr, err := f.schemaRef(depth)
			if sr != nil {
				*dst = append(*dst, sr)
			}
			return err
		})
	}
	schemas := func(dst *openapi3.Schemas) error {
		leaf = false
		if f.d.PeekKind() != '{' {
			return f.wrongType("an object of schemas")
		}
		*dst = openapi3.Schemas{}
		return f.object(func(name string) error {
			sr, err := f.schemaRef(depth)
			if sr != nil {
				(*dst)[name] = sr
			}
			return err
		})
	}
	boolSchema := func(dst *openapi3.BoolSchema) error {
		switch f.d.PeekKind() {
		case 't', 'f':
			return f.boolPtr(&dst.Has)
		case '{':
			return sub(&dst.Schema)
		}
		return f.wrongType("a boolean or a schema")
	}
	exclusive := func(dst *openapi3.ExclusiveBound, key string) error {
		switch f.d.PeekKind() {
		case 't', 'f':
			return f.boolPtr(&dst.Bool)
		case '0':
			return f.float(&dst.Value, s, key)
		}
		return f.wrongType("a boolean or a number")
	}
	value := func(dst *any) error {
		v, err := f.any()
		*dst = v
		return err
	}
	err := f.object(func(k string) error {
		if k != "$ref" && !strings.HasPrefix(k, "x-") {
			siblings = true
		}
		switch k {
		case "$ref":
			return f.ref(&ref)
		case "$id", "$anchor", "$dynamicRef", "$dynamicAnchor":
			if f.is31 {
				// Identified schemas: kin-openapi's loader (and the repair
				// path's $id resolution) handle them.
				return fmt.Errorf("%w: %s at %s", errNotFast, k, f.d.StackPointer())
			}
			return f.skip()
		case "type":
			switch f.d.PeekKind() {
			case '"':
				var t string
				err := f.str(&t)
				s.Type = &openapi3.Types{t}
				return err
			case '[':
				var ts []string
				err := f.strings(&ts)
				t := openapi3.Types(ts)
				s.Type = &t
				return err
			}
			return f.wrongType("a string or an array of strings")
		case "title":
			return f.str(&s.Title)
		case "format":
			return f.str(&s.Format)
		case "description":
			return f.str(&s.Description)
		case "pattern":
			leaf = false // its diagnostics name each location
			return f.str(&s.Pattern)
		case "contentMediaType":
			return f.str(&s.ContentMediaType)
		case "contentEncoding":
			return f.str(&s.ContentEncoding)
		case "enum":
			return f.anyArray(&s.Enum)
		case "default":
			return value(&s.Default)
		case "example":
			return value(&s.Example)
		case "const":
			return value(&s.Const)
		case "examples":
			return f.anyArray(&s.Examples)
		case "uniqueItems":
			return f.boolean(&s.UniqueItems)
		case "nullable":
			return f.boolean(&s.Nullable)
		case "readOnly":
			return f.boolean(&s.ReadOnly)
		case "writeOnly":
			return f.boolean(&s.WriteOnly)
		case "allowEmptyValue":
			return f.boolean(&s.AllowEmptyValue)
		case "deprecated":
			return f.boolean(&s.Deprecated)
		case "exclusiveMinimum":
			return exclusive(&s.ExclusiveMin, k)
		case "exclusiveMaximum":
			return exclusive(&s.ExclusiveMax, k)
		case "minimum":
			return f.float(&s.Min, s, k)
		case "maximum":
			return f.float(&s.Max, s, k)
		case "multipleOf":
			return f.float(&s.MultipleOf, s, k)
		case "minLength":
			return f.uint(&s.MinLength)
		case "maxLength":
			return f.uintPtr(&s.MaxLength)
		case "minItems":
			return f.uint(&s.MinItems)
		case "maxItems":
			return f.uintPtr(&s.MaxItems)
		case "minProperties":
			return f.uint(&s.MinProps)
		case "maxProperties":
			return f.uintPtr(&s.MaxProps)
		case "minContains":
			return f.uintPtr(&s.MinContains)
		case "maxContains":
			return f.uintPtr(&s.MaxContains)
		case "items":
			if f.d.PeekKind() == '[' {
				// A tuple (draft 4–2019 "items" array): 2020-12 prefixItems.
				return list(&s.PrefixItems)
			}
			return sub(&s.Items)
		case "prefixItems":
			return list(&s.PrefixItems)
		case "allOf":
			return list(&s.AllOf)
		case "anyOf":
			return list(&s.AnyOf)
		case "oneOf":
			return list(&s.OneOf)
		case "not":
			return sub(&s.Not)
		case "contains":
			return sub(&s.Contains)
		case "propertyNames":
			return sub(&s.PropertyNames)
		case "if":
			return sub(&s.If)
		case "then":
			return sub(&s.Then)
		case "else":
			return sub(&s.Else)
		case "contentSchema":
			return sub(&s.ContentSchema)
		case "properties":
			return schemas(&s.Properties)
		case "patternProperties":
			return schemas(&s.PatternProperties)
		case "dependentSchemas":
			return schemas(&s.DependentSchemas)
		case "$defs":
			return schemas(&s.Defs)
		case "required":
			return f.strings(&s.Required)
		case "additionalProperties":
			return boolSchema(&s.AdditionalProperties)
		case "unevaluatedItems":
			return boolSchema(&s.UnevaluatedItems)
		case "unevaluatedProperties":
			return boolSchema(&s.UnevaluatedProperties)
		case "dependentRequired":
			s.DependentRequired = map[string][]string{}
			return f.object(func(name string) error {
				var l []string
				err := f.strings(&l)
				s.DependentRequired[name] = l
				return err
			})
		default:
			// discriminator, xml, externalDocs, extensions: not used.
			return f.skip()
		}
	})
	if ref != "" {
		if siblings && f.is31 && err == nil {
			// OpenAPI 3.1 merges the keywords next to a $ref into the
			// referenced schema: kin-openapi decodes this (usually small)
			// object, and its resolver merges them.
			raw := bytes.TrimLeft(f.data[start:f.d.InputOffset()], " \t\r\n:,")
			var sr openapi3.SchemaRef
			if err := json.Unmarshal(raw, &sr); err != nil {
				return nil, fmt.Errorf("%w: $ref with sibling keywords at %s: %v", errNotFast, f.d.StackPointer(), err)
			}
			f.kinResolve = true
			return &sr, nil
		}
		delete(f.big, s)
		return &openapi3.SchemaRef{Ref: ref}, err
	}
	// (Only nested ones: a named schema keeps its own identity, which
	// names it in the converted document.)
	if leaf && depth > 1 && err == nil && len(f.diags) == ndiags && f.big[s] == nil && s.AdditionalProperties.Schema == nil &&
		s.UnevaluatedItems.Schema == nil && s.UnevaluatedProperties.Schema == nil {
		// Identical leaf schemas ({"type": "string"}, the same property
		// described in many places) share one value: kin-openapi's Schema
		// struct is most of the model's memory. Schemas are never modified.
		raw := bytes.TrimLeft(f.data[start:f.d.InputOffset()], " \t\r\n:,")
		if len(raw) <= maxSharedLeaf {
			if shared, ok := f.leaves[string(raw)]; ok {
				return &openapi3.SchemaRef{Value: shared}, nil
			}
			if f.leaves == nil {
				f.leaves = map[string]*openapi3.Schema{}
			}
			f.leaves[string(raw)] = s
		}
	}
	return &openapi3.SchemaRef{Value: s}, err
}

// maxSharedLeaf bounds the size of the leaf schemas the fast decoder
// shares (longer ones are rarely repeated).
const maxSharedLeaf = 1024

// limitDepth returns a document nested deeper than kin-openapi can decode
// in reasonable time (its cost grows with size × depth) as JSON with
// every value below the limit replaced by {} (a permissive schema where a
// schema was), reporting each cut. Documents within the limit (for YAML:
// whose cheap depth bound is within it) are returned unchanged.
func (r *loadRun) limitDepth(data []byte) []byte {
	const limit = 3*maxDecodeDepth + 16 // a schema level is up to 3 JSON levels
	if !isJSON(data) {
		if yamlDepthBound(data) <= limit {
			return data
		}
		js, err := toJSON(data)
		if err != nil {
			return data
		}
		data = js
	}
	if jsonDepth(data) <= limit {
		return data
	}
	tree, err := parseTree(data)
	if err != nil {
		return data
	}
	cuts := 0
	var walk func(v any, depth int, ptr func() string) any
	walk = func(v any, depth int, ptr func() string) any {
		switch t := v.(type) {
		case map[string]any:
			if depth >= limit {
				if cuts++; cuts <= 10 {
					r.diags = append(r.diags, Diagnostic{Code: "schema.too-deep", Severity: SeverityWarning, File: r.label, Pointer: ptr(),
						Message: fmt.Sprintf("nested more than %d levels deep; replaced by an empty object (any value is accepted)", limit)})
				}
				return map[string]any{}
			}
			for k, c := range t {
				t[k] = walk(c, depth+1, func() string { return ptr() + "/" + escapePointer(k) })
			}
		case []any:
			if depth >= limit {
				return []any{}
			}
			for i, c := range t {
				t[i] = walk(c, depth+1, func() string { return ptr() + "/" + strconv.Itoa(i) })
			}
		}
		return v
	}
	tree = walk(tree, 0, func() string { return "" })
	out, err := json.Marshal(tree)
	if err != nil {
		return data
	}
	if cuts > 10 {
		r.diags = append(r.diags, Diagnostic{Code: "schema.too-deep", Severity: SeverityWarning, File: r.label,
			Message: fmt.Sprintf("%d more values nested too deeply were replaced", cuts-10)})
	}
	return out
}

// jsonDepth returns the maximum nesting depth of a JSON text, scanning
// its bytes once.
func jsonDepth(data []byte) int {
	depth, max := 0, 0
	inString, escaped := false, false
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				max = depth
			}
		case '}', ']':
			depth--
		}
	}
	return max
}

// resolveLocal resolves the references of a fast-decoded document, which
// are all local, when they all name a component directly
// ("#/components/schemas/Pet"), the form nearly every document uses; it
// reports false when one has another form, and kin-openapi's resolver
// must run instead (it handles every form, at about twice the cost).
func resolveLocal(doc *openapi3.T) bool {
	c := doc.Components
	if c == nil {
		c = &openapi3.Components{}
	}
	ok := true
	seen := map[*openapi3.Schema]bool{}
	var schema func(sr *openapi3.SchemaRef)
	schemaRef := func(sr *openapi3.SchemaRef) bool {
		if sr == nil || sr.Ref == "" || sr.Value != nil {
			return true
		}
		for hops, cur := 0, sr; ; hops++ {
			n, found := componentName(cur.Ref, "schemas")
			if !found || hops > 64 {
				ok = false
				return false
			}
			target := c.Schemas[n]
			if target == nil {
				ok = false
				return false
			}
			if target.Ref == "" {
				sr.Value = target.Value
				return true
			}
			cur = target
		}
	}
	schema = func(sr *openapi3.SchemaRef) {
		if !ok || sr == nil {
			return
		}
		if !schemaRef(sr) {
			return
		}
		s := sr.Value
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for _, l := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
			for _, c := range l {
				schema(c)
			}
		}
		for _, c := range []*openapi3.SchemaRef{s.Not, s.Items, s.Contains, s.PropertyNames, s.If, s.Then, s.Else,
			s.ContentSchema, s.AdditionalProperties.Schema, s.UnevaluatedItems.Schema, s.UnevaluatedProperties.Schema} {
			schema(c)
		}
		for _, m := range []openapi3.Schemas{s.Properties, s.PatternProperties, s.DependentSchemas, s.Defs} {
			for _, c := range m {
				schema(c)
			}
		}
	}
	content := func(ct openapi3.Content) {
		for _, mt := range ct {
			if mt != nil {
				schema(mt.Schema)
			}
		}
	}
	// A reference takes the value of the component it names (see
	// localTarget); anything else makes ok false.
	parameter := func(pr *openapi3.ParameterRef) {
		if pr.Ref == "" {
			schema(pr.Value.Schema)
			content(pr.Value.Content)
		} else if t, found := localTarget(pr, c.Parameters); found {
			pr.Value = t.Value
		} else {
			ok = false
		}
	}
	requestBody := func(rr *openapi3.RequestBodyRef) {
		if rr.Ref == "" {
			content(rr.Value.Content)
		} else if t, found := localTarget(rr, c.RequestBodies); found {
			rr.Value = t.Value
		} else {
			ok = false
		}
	}
	response := func(rr *openapi3.ResponseRef) {
		if rr.Ref == "" {
			content(rr.Value.Content)
		} else if t, found := localTarget(rr, c.Responses); found {
			rr.Value = t.Value
		} else {
			ok = false
		}
	}
	// Components first, so that references to them find resolved values.
	for _, sr := range c.Schemas {
		schema(sr)
	}
	for _, pr := range c.Parameters {
		parameter(pr)
	}
	for _, rr := range c.RequestBodies {
		requestBody(rr)
	}
	for _, rr := range c.Responses {
		response(rr)
	}
	if doc.Paths != nil {
		for _, pi := range doc.Paths.Map() {
			for _, pr := range pi.Parameters {
				parameter(pr)
			}
			for _, op := range pi.Operations() {
				for _, pr := range op.Parameters {
					parameter(pr)
				}
				if op.RequestBody != nil {
					requestBody(op.RequestBody)
				}
				if op.Responses != nil {
					for _, rr := range op.Responses.Map() {
						response(rr)
					}
				}
			}
		}
	}
	return ok
}

// componentName returns the component name of a reference of the form
// "#/components/<section>/<name>" with a plain name (no "/", "~" or "%"
// to decode), or false.
func componentName(ref, section string) (string, bool) {
	n, found := strings.CutPrefix(ref, "#/components/"+section+"/")
	if !found || strings.ContainsAny(n, "/~%") {
		return "", false
	}
	return n, true
}

// localTarget returns the component of m (the components of r's kind) that
// r's reference names directly, or false when the reference has another
// form, the component is missing, or it is itself a reference.
func localTarget[R interface {
	comparable
	RefString() string
	CollectionName() string
}](r R, m map[string]R) (R, bool) {
	var none R
	n, found := componentName(r.RefString(), r.CollectionName())
	if !found {
		return none, false
	}
	t := m[n]
	if t == none || t.RefString() != "" {
		return none, false
	}
	return t, true
}

// yamlDepthBound returns an upper bound of a YAML text's nesting depth
// without parsing it: the largest indentation plus "- " markers at the
// start of a line, plus the deepest flow ({, [) nesting. It may exceed the
// real depth (then the caller parses the document to find out).
func yamlDepthBound(data []byte) int {
	best, flow, maxFlow := 0, 0, 0
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		i := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '-' || line[i] == '\t') {
			i++
		}
		best = max(best, i)
		var quote byte
		for _, c := range line[i:] {
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '#':
				goto next
			case c == '{' || c == '[':
				flow++
				maxFlow = max(maxFlow, flow)
			case c == '}' || c == ']':
				flow--
			}
		}
	next:
	}
	return best + maxFlow + 1
}
