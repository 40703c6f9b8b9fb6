package mcpgen

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// multipartBody encodes a multipart body (form-data, or another multipart
// subtype mt with the same part layout).
func (inv *Invoker) multipartBody(rb *openapi.RequestBody, mt string, fields []bodyField) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if f.value == nil {
			continue
		}
		if !validHeaderValue(f.name) {
			return nil, "", fmt.Errorf("multipart property %q has control characters in its name", f.name)
		}
		enc := rb.Encoding[f.name]
		schema := inv.schemaProperty(rb.Schema, f.name)
		partCT := firstMediaType(enc.ContentType)
		if kindOf(f.value) == kindArray && !isJSONMediaType(mediaType(partCT)) && (schema == nil || schemaIs(schema, "array")) {
			items := inv.resolveSchema(schemaMap(schema, "items"))
			for i, item := range asList(f.value) {
				fi := f
				fi.value = item
				if fi.prop == "" {
					fi.prop = f.name + "[" + strconv.Itoa(i) + "]"
				}
				if err := inv.writePart(w, fi, partCT, items); err != nil {
					return nil, "", err
				}
			}
			continue
		}
		if err := inv.writePart(w, f, partCT, schema); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("close multipart body: %w", err)
	}
	if mt == mediaMultipart {
		return buf.Bytes(), w.FormDataContentType(), nil
	}
	return buf.Bytes(), mt + "; boundary=" + w.Boundary(), nil
}

// writePart writes one multipart part. partCT is the Encoding content type
// ("" when none); schema is the property (or item) schema, possibly nil.
// The part's media type is partCT, else the schema's contentMediaType:
// JSON types get the JSON encoding of the value, text types the value as
// text, other types (and binary schemas, see isBinary) decoded file
// content with a filename. Without any of these, objects and arrays are
// JSON parts and scalars plain text parts.
func (inv *Invoker) writePart(w *multipart.Writer, f bodyField, partCT string, schema openapi.Schema) error {
	ct := partCT
	if ct == "" {
		ct = stringField(schema, "contentMediaType")
	}
	mt := mediaType(ct)
	k := kindOf(f.value)
	h := make(textproto.MIMEHeader, 2)
	var data []byte
	switch {
	case isJSONMediaType(mt) || mt == "" && !isBinary(schema) && (k == kindObject || k == kindArray):
		b, err := marshalJSON(f.value)
		if err != nil {
			return f.errorf("cannot be encoded as JSON")
		}
		data = b
		h.Set("Content-Disposition", formDataDisposition(f.name))
		h.Set("Content-Type", orDefault(ct, mediaJSON))
	case isTextMediaType(mt) || mt == "" && !isBinary(schema):
		s, ok := scalarString(f.value)
		if !ok {
			return f.errorf("must be text, got %s", k)
		}
		data = []byte(s)
		h.Set("Content-Disposition", formDataDisposition(f.name))
		if ct != "" {
			h.Set("Content-Type", ct)
		}
	default:
		fv, err := decodeFile(f.arg, f.value)
		if err != nil {
			var ae *ArgumentError
			if f.prop != "" && errors.As(err, &ae) {
				return f.errorf("%s", ae.Message)
			}
			return err
		}
		data = fv.data
		if ct == "" || hasWildcard(mt) {
			ct = orDefault(fv.contentType, mediaOctets)
		}
		h.Set("Content-Disposition", multipart.FileContentDisposition(f.name, orDefault(fv.filename, f.name)))
		h.Set("Content-Type", ct)
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("create multipart part %q: %w", f.name, err)
	}
	if _, err := pw.Write(data); err != nil {
		return fmt.Errorf("write multipart part %q: %w", f.name, err)
	}
	return nil
}

// formDataDisposition is the Content-Disposition of a non-file part.
func formDataDisposition(name string) string {
	return `form-data; name="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

// firstMediaType returns the first entry of an Encoding content type list
// such as "image/png, image/jpeg".
func firstMediaType(ct string) string {
	first, _, _ := strings.Cut(ct, ",")
	return strings.TrimSpace(first)
}
