package mcpgen

import (
	"net/url"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// formBody encodes an application/x-www-form-urlencoded body.
func (inv *Invoker) formBody(rb *openapi.RequestBody, fields []bodyField) ([]byte, error) {
	q := queryWriter{}
	for _, f := range fields {
		if f.value == nil {
			continue
		}
		name := url.QueryEscape(f.name)
		enc := rb.Encoding[f.name]
		explicit := enc.Style != "" || enc.Explode != nil
		k := kindOf(f.value)
		switch {
		case k == kindOther:
			return nil, f.errorf("has an unsupported value type %T", f.value)
		case k != kindArray && k != kindObject:
			s, _ := scalarString(f.value)
			q.add(name, url.QueryEscape(s))
		case explicit:
			if err := addStyledFormField(&q, f, name, enc); err != nil {
				return nil, err
			}
		case k == kindArray:
			for _, item := range asList(f.value) {
				s, err := componentString(item)
				if err != nil {
					return nil, f.errorf("cannot be serialised")
				}
				q.add(name, url.QueryEscape(s))
			}
		default:
			b, err := marshalJSON(f.value)
			if err != nil {
				return nil, f.errorf("cannot be encoded as JSON")
			}
			q.add(name, url.QueryEscape(string(b)))
		}
	}
	return []byte(q.b.String()), nil
}

// addStyledFormField writes an array or object form property with an
// explicit Encoding style and explode.
func addStyledFormField(q *queryWriter, f bodyField, name string, enc openapi.Encoding) error {
	style := orDefault(enc.Style, styleForm)
	explode := style == styleForm
	if enc.Explode != nil {
		explode = *enc.Explode
	}
	if style == styleDeepObject {
		return q.addDeepWith(url.QueryEscape, f.arg, name, f.value, 0)
	}
	sv, err := split(f.arg, f.value)
	if err != nil {
		return err
	}
	if explode {
		if sv.kind == kindArray {
			for _, item := range sv.items {
				q.add(name, url.QueryEscape(item))
			}
			return nil
		}
		for i := range sv.keys {
			q.add(url.QueryEscape(sv.keys[i]), url.QueryEscape(sv.vals[i]))
		}
		return nil
	}
	sep := ","
	switch style {
	case styleSpaceDelimited:
		sep = "+"
	case stylePipeDelimited:
		sep = "%7C"
	}
	q.add(name, sv.join(url.QueryEscape, sep, sep))
	return nil
}
