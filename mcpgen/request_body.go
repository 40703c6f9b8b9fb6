package mcpgen

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// bodyField is one property of an object body.
type bodyField struct {
	// arg is the argument to name in errors; prop is the property to name
	// after it ("" when the argument is the property itself).
	arg, prop string
	// name is the wire property name.
	name  string
	value any
}

// errorf builds an argument error about this field.
func (f bodyField) errorf(format string, a ...any) *ArgumentError {
	if f.prop == "" {
		return argErrorf(f.arg, format, a...)
	}
	return argErrorf(f.arg, "property %q "+format, append([]any{f.prop}, a...)...)
}

// requestBody is the body to encode: a whole value, or the properties of
// an object body in order.
type requestBody struct {
	arg    string
	value  any
	fields []bodyField
	// isObject is set when fields describe the body.
	isObject bool
}

// buildBody encodes the body arguments for the operation's chosen media
// type (RequestBody.ContentType):
//
//   - application/json and +json: the "body" argument, or an object built
//     from the flattened body-field arguments (a JSON string is accepted
//     for an object/array body schema);
//   - application/x-www-form-urlencoded: properties as form pairs; arrays
//     and objects follow the property's Encoding style/explode when set,
//     otherwise arrays repeat the name and objects are JSON;
//   - multipart/form-data (and other multipart types): one part per
//     property (one per item for arrays), typed by [Invoker.writePart];
//     binary parts take base64, a data: URL or a {"data", "filename",
//     "contentType"} object and get a filename;
//   - text/* and other text types (XML, YAML, ...): a string;
//   - anything else (application/octet-stream, image/*, application/pdf,
//     ...): bytes decoded from base64 or a data: URL.
//
// It returns a nil body when there is nothing to send.
func (inv *Invoker) buildBody(t *Tool, args []boundArg) ([]byte, string, error) {
	rb := t.Operation.RequestBody
	if rb == nil {
		if len(args) > 0 {
			return nil, "", fmt.Errorf("argument %q is bound to a body, but the operation has no request body", args[0].b.Arg)
		}
		return nil, "", nil
	}
	body, err := collectBody(args)
	if err != nil {
		return nil, "", err
	}
	if body.value == nil && !body.isObject {
		if !rb.Required || !hasBodyFieldBindings(t) {
			return nil, "", nil
		}
		// A required object body whose properties are all optional and
		// absent: send an empty object.
		body.isObject = true
	}
	mt := mediaType(rb.ContentType)
	switch {
	case mt == "" || isJSONMediaType(mt):
		ct := rb.ContentType
		if mt == "" {
			ct = mediaJSON
		}
		b, err := inv.jsonBody(rb, body)
		return b, ct, err
	case mt == mediaForm:
		fields, err := body.objectFields(mt)
		if err != nil {
			return nil, "", err
		}
		b, err := inv.formBody(rb, fields)
		return b, rb.ContentType, err
	case strings.HasPrefix(mt, "multipart/"):
		fields, err := body.objectFields(mt)
		if err != nil {
			return nil, "", err
		}
		return inv.multipartBody(rb, mt, fields)
	case body.isObject:
		return nil, "", fmt.Errorf("body fields are bound, but media type %q takes no object", rb.ContentType)
	case hasWildcard(mt):
		return wildcardBody(body.arg, mt, body.value)
	case isTextMediaType(mt):
		b, err := textBody(body.arg, mt, body.value)
		return b, rb.ContentType, err
	default:
		fv, err := decodeFile(body.arg, body.value)
		return fv.data, rb.ContentType, err
	}
}

// hasBodyFieldBindings reports whether the tool flattens an object body
// into arguments.
func hasBodyFieldBindings(t *Tool) bool {
	for _, b := range t.Bindings {
		if b.Loc == LocBodyField {
			return true
		}
	}
	return false
}

// collectBody gathers the body from its bindings.
func collectBody(args []boundArg) (requestBody, error) {
	var body requestBody
	for _, a := range args {
		switch a.b.Loc {
		case LocBody:
			if body.isObject || body.value != nil {
				return body, fmt.Errorf("argument %q: the body is bound more than once", a.b.Arg)
			}
			body.arg, body.value = a.b.Arg, a.v
		case LocBodyField:
			if body.value != nil {
				return body, fmt.Errorf("argument %q: the body is bound more than once", a.b.Arg)
			}
			body.isObject = true
			body.fields = append(body.fields, bodyField{arg: a.b.Arg, name: a.b.Name, value: a.v})
		}
	}
	return body, nil
}

// objectFields returns the properties of an object body, in binding order
// for flattened fields and in key order for a whole "body" object.
func (body requestBody) objectFields(mt string) ([]bodyField, error) {
	if body.isObject {
		return body.fields, nil
	}
	if kindOf(body.value) != kindObject {
		return nil, argErrorf(body.arg, "must be an object for a %s body, got %s", mt, kindOf(body.value))
	}
	entries := asObject(body.value)
	fields := make([]bodyField, 0, len(entries))
	for _, e := range entries {
		fields = append(fields, bodyField{arg: body.arg, prop: e.key, name: e.key, value: e.value})
	}
	return fields, nil
}

// jsonBody encodes a JSON body.
func (inv *Invoker) jsonBody(rb *openapi.RequestBody, body requestBody) ([]byte, error) {
	if body.isObject {
		obj := make(map[string]any, len(body.fields))
		for _, f := range body.fields {
			obj[f.name] = f.value
		}
		b, err := marshalJSON(obj)
		if err != nil {
			return nil, argErrorf(body.fields[0].arg, "cannot be encoded as JSON")
		}
		return b, nil
	}
	v := body.value
	if s, ok := v.(string); ok {
		// Models sometimes send an object body as JSON text; accept it
		// when the schema says the body is an object or array.
		types := schemaTypes(inv.resolveSchema(rb.Schema))
		structured := len(types) > 0 && (types[0] == "object" || types[0] == "array")
		if trimmed := strings.TrimSpace(s); structured && json.Valid([]byte(trimmed)) {
			v = json.RawMessage(trimmed)
		}
	}
	b, err := marshalJSON(v)
	if err != nil {
		return nil, argErrorf(body.arg, "cannot be encoded as JSON")
	}
	return b, nil
}

// textBody encodes a text body. XML and other structured text types take
// strings only; text/plain also takes numbers and booleans.
func textBody(arg, mt string, v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	if mt == mediaText {
		if s, ok := scalarString(v); ok {
			return []byte(s), nil
		}
	}
	return nil, argErrorf(arg, "must be a string for a %s body, got %s", mt, kindOf(v))
}

// wildcardBody encodes a body whose declared media type is a range such as
// "*/*" or "image/*": files (data: URLs, file objects) are sent as bytes,
// other objects and arrays as JSON, strings as text for text ranges and
// as base64-decoded bytes otherwise.
func wildcardBody(arg, mt string, v any) ([]byte, string, error) {
	s, isString := v.(string)
	switch {
	case hasFileData(v) || isString && isDataURL(s):
		fv, err := decodeFile(arg, v)
		return fv.data, orDefault(fv.contentType, mediaOctets), err
	case kindOf(v) == kindObject || kindOf(v) == kindArray:
		b, err := marshalJSON(v)
		if err != nil {
			return nil, "", argErrorf(arg, "cannot be encoded as JSON")
		}
		return b, mediaJSON, nil
	case mt == "*/*" || strings.HasPrefix(mt, "text/"):
		b, err := textBody(arg, mediaText, v)
		return b, mediaText + "; charset=utf-8", err
	}
	fv, err := decodeFile(arg, v)
	return fv.data, mediaOctets, err
}

// hasFileData reports whether an object looks like a file object.
func hasFileData(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, ok = firstString(m, "data", "content")
	return ok
}

// isDataURL reports whether s starts with "data:" (in any case).
func isDataURL(s string) bool { return len(s) >= 5 && strings.EqualFold(s[:5], "data:") }

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
