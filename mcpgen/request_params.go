package mcpgen

import (
	"strconv"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// OpenAPI parameter styles.
const (
	styleSimple         = "simple"
	styleLabel          = "label"
	styleMatrix         = "matrix"
	styleForm           = "form"
	styleSpaceDelimited = "spaceDelimited"
	stylePipeDelimited  = "pipeDelimited"
	styleDeepObject     = "deepObject"
)

// splitValue is an argument value broken into string components: a
// scalar, the items of an array, or the sorted entries of an object.
type splitValue struct {
	kind   valueKind
	scalar string
	items  []string
	keys   []string
	vals   []string
}

// split stringifies the components of v (see [componentString]).
func split(arg string, v any) (splitValue, error) {
	switch k := kindOf(v); k {
	case kindArray:
		list := asList(v)
		sv := splitValue{kind: k, items: make([]string, len(list))}
		for i, item := range list {
			s, err := componentString(item)
			if err != nil {
				return sv, argErrorf(arg, "item %d cannot be serialised", i)
			}
			sv.items[i] = s
		}
		return sv, nil
	case kindObject:
		entries := asObject(v)
		sv := splitValue{kind: k, keys: make([]string, len(entries)), vals: make([]string, len(entries))}
		for i, e := range entries {
			s, err := componentString(e.value)
			if err != nil {
				return sv, argErrorf(arg, "property %q cannot be serialised", e.key)
			}
			sv.keys[i], sv.vals[i] = e.key, s
		}
		return sv, nil
	case kindNull, kindOther:
		return splitValue{}, argErrorf(arg, "has an unsupported value type %s", k)
	default:
		s, _ := scalarString(v)
		return splitValue{kind: kindString, scalar: s}, nil
	}
}

// join escapes and joins the components of an array or object: array
// items are separated by sep; object entries by sep, with kvSep between
// key and value ("=" for exploded objects, sep otherwise).
func (sv splitValue) join(esc func(string) string, sep, kvSep string) string {
	var b strings.Builder
	if sv.kind == kindArray {
		for i, item := range sv.items {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(esc(item))
		}
		return b.String()
	}
	for i := range sv.keys {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(esc(sv.keys[i]))
		b.WriteString(kvSep)
		b.WriteString(esc(sv.vals[i]))
	}
	return b.String()
}

// joinKV is join with "=" between keys and values when explode is set.
func (sv splitValue) joinKV(esc func(string) string, sep string, explode bool) string {
	if explode {
		return sv.join(esc, sep, "=")
	}
	return sv.join(esc, sep, sep)
}

// empty reports whether an array or object has no components.
func (sv splitValue) empty() bool {
	return sv.kind != kindString && len(sv.items) == 0 && len(sv.keys) == 0
}

// contentValue serialises a parameter described by "content" instead of
// "schema": JSON media types get the JSON encoding of the value, other
// media types take a string as it is.
func contentValue(arg, contentType string, v any) (string, error) {
	if s, ok := v.(string); ok && !isJSONMediaType(mediaType(contentType)) {
		return s, nil
	}
	b, err := marshalJSON(v)
	if err != nil {
		return "", argErrorf(arg, "cannot be encoded as JSON")
	}
	return string(b), nil
}

// serializePath serialises a path parameter value (simple, label or
// matrix style) with every component percent-encoded down to RFC 3986
// unreserved characters, so no value can add or remove a path segment.
func serializePath(arg string, p *openapi.Parameter, v any) (string, error) {
	if p.ContentType != "" {
		s, err := contentValue(arg, p.ContentType, v)
		return pathEscape(s), err
	}
	sv, err := split(arg, v)
	if err != nil {
		return "", err
	}
	switch p.Style {
	case styleLabel:
		if sv.kind == kindString {
			return "." + pathEscape(sv.scalar), nil
		}
		if p.Explode {
			return "." + sv.join(pathEscape, ".", "="), nil
		}
		return "." + sv.join(pathEscape, ",", ","), nil
	case styleMatrix:
		name := pathEscape(p.Name)
		switch {
		case sv.kind == kindString && sv.scalar == "", sv.empty():
			return ";" + name, nil
		case sv.kind == kindString:
			return ";" + name + "=" + pathEscape(sv.scalar), nil
		case p.Explode && sv.kind == kindArray:
			return ";" + name + "=" + sv.join(pathEscape, ";"+name+"=", ""), nil
		case p.Explode:
			return ";" + sv.join(pathEscape, ";", "="), nil
		}
		return ";" + name + "=" + sv.join(pathEscape, ",", ","), nil
	default:
		if sv.kind == kindString {
			return pathEscape(sv.scalar), nil
		}
		return sv.joinKV(pathEscape, ",", p.Explode), nil
	}
}

// queryWriter accumulates an encoded query string.
type queryWriter struct {
	b strings.Builder
}

// add appends name=value; both must already be encoded.
func (q *queryWriter) add(name, value string) {
	if q.b.Len() > 0 {
		q.b.WriteByte('&')
	}
	q.b.WriteString(name)
	q.b.WriteByte('=')
	q.b.WriteString(value)
}

// addParam serialises a query parameter in its style.
func (q *queryWriter) addParam(arg string, p *openapi.Parameter, v any) error {
	esc := queryEscape
	if p.AllowReserved {
		esc = queryEscapeReserved
	}
	name := queryEscape(p.Name)
	if p.ContentType != "" {
		s, err := contentValue(arg, p.ContentType, v)
		if err != nil {
			return err
		}
		q.add(name, esc(s))
		return nil
	}
	if p.Style == styleDeepObject {
		if kindOf(v) != kindObject {
			return argErrorf(arg, "must be an object (deepObject style), got %s", kindOf(v))
		}
		return q.addDeepWith(queryEscape, arg, name, v, 0)
	}
	sv, err := split(arg, v)
	if err != nil {
		return err
	}
	if sv.kind == kindString {
		q.add(name, esc(sv.scalar))
		return nil
	}
	if p.Explode {
		// Exploded form, spaceDelimited and pipeDelimited are identical:
		// one pair per array item, or one pair per object property.
		if sv.kind == kindArray {
			for _, item := range sv.items {
				q.add(name, esc(item))
			}
			return nil
		}
		for i := range sv.keys {
			q.add(esc(sv.keys[i]), esc(sv.vals[i]))
		}
		return nil
	}
	sep := ","
	switch p.Style {
	case styleSpaceDelimited:
		sep = "%20"
	case stylePipeDelimited:
		sep = "%7C"
	}
	q.add(name, sv.join(esc, sep, sep))
	return nil
}

// maxDeepObjectDepth bounds deepObject nesting.
const maxDeepObjectDepth = 16

// addDeepWith writes a deepObject value: name[key]=value, recursing into
// nested objects (name[a][b]=v) and arrays (name[a][0]=v). Keys and
// values are encoded with esc; the brackets stay literal, as in the
// OpenAPI examples.
func (q *queryWriter) addDeepWith(esc func(string) string, arg, prefix string, v any, depth int) error {
	if depth > maxDeepObjectDepth {
		return argErrorf(arg, "is nested more than %d levels deep", maxDeepObjectDepth)
	}
	switch kindOf(v) {
	case kindObject:
		for _, e := range asObject(v) {
			if err := q.addDeepWith(esc, arg, prefix+"["+esc(e.key)+"]", e.value, depth+1); err != nil {
				return err
			}
		}
	case kindArray:
		for i, item := range asList(v) {
			if err := q.addDeepWith(esc, arg, prefix+"["+strconv.Itoa(i)+"]", item, depth+1); err != nil {
				return err
			}
		}
	case kindNull:
		q.add(prefix, "")
	default:
		s, ok := scalarString(v)
		if !ok {
			return argErrorf(arg, "has an unsupported value type %T", v)
		}
		q.add(prefix, esc(s))
	}
	return nil
}

// serializeHeader serialises a header parameter (simple style). Values are
// not escaped; [validHeaderValue] later refuses control characters.
func serializeHeader(arg string, p *openapi.Parameter, v any) (string, error) {
	if p.ContentType != "" {
		return contentValue(arg, p.ContentType, v)
	}
	sv, err := split(arg, v)
	if err != nil {
		return "", err
	}
	if sv.kind == kindString {
		return sv.scalar, nil
	}
	return sv.joinKV(identity, ",", p.Explode), nil
}

// serializeCookie serialises a cookie parameter (form style) into one or
// more "name=value" pairs with percent-encoded values.
func serializeCookie(arg string, p *openapi.Parameter, v any) ([]string, error) {
	name := cookieEscape(p.Name)
	if p.ContentType != "" {
		s, err := contentValue(arg, p.ContentType, v)
		return []string{name + "=" + cookieEscape(s)}, err
	}
	sv, err := split(arg, v)
	if err != nil {
		return nil, err
	}
	switch {
	case sv.kind == kindString:
		return []string{name + "=" + cookieEscape(sv.scalar)}, nil
	case !p.Explode:
		return []string{name + "=" + sv.join(cookieEscape, ",", ",")}, nil
	case sv.kind == kindArray:
		out := make([]string, len(sv.items))
		for i, item := range sv.items {
			out[i] = name + "=" + cookieEscape(item)
		}
		return out, nil
	}
	out := make([]string, len(sv.keys))
	for i := range sv.keys {
		out[i] = cookieEscape(sv.keys[i]) + "=" + cookieEscape(sv.vals[i])
	}
	return out, nil
}

// identity returns s.
func identity(s string) string { return s }
