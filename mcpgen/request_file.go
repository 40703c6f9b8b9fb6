package mcpgen

import (
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
)

// fileValue is the decoded content of a binary argument.
type fileValue struct {
	data []byte
	// contentType and filename are empty unless the argument said.
	contentType string
	filename    string
}

// fileValueHelp tells the model which forms a binary argument takes.
const fileValueHelp = `must be base64 text, a "data:" URL, or an object {"data": <base64 or data: URL>, "filename": ..., "contentType": ...}`

// decodeFile decodes a binary argument given as base64 text, a data: URL,
// or an object {"data", "filename", "contentType"} (also accepted:
// "content" for data, "name" for filename, "mimeType" for contentType).
func decodeFile(arg string, v any) (fileValue, error) {
	switch x := v.(type) {
	case string:
		return decodeFileString(arg, x)
	case map[string]any:
		data, ok := firstString(x, "data", "content")
		if !ok {
			return fileValue{}, argErrorf(arg, "%s", fileValueHelp)
		}
		fv, err := decodeFileString(arg, data)
		if err != nil {
			return fv, err
		}
		if name, ok := firstString(x, "filename", "name"); ok {
			fv.filename = name
		}
		if ct, ok := firstString(x, "contentType", "mimeType"); ok {
			fv.contentType = ct
		}
		return fv, checkFileMeta(arg, fv)
	}
	return fileValue{}, argErrorf(arg, "%s", fileValueHelp)
}

// firstString returns the first of keys present in m as a string.
func firstString(m map[string]any, keys ...string) (string, bool) {
	for _, k := range keys {
		if s, ok := m[k].(string); ok {
			return s, true
		}
	}
	return "", false
}

// decodeFileString decodes base64 text or a data: URL.
func decodeFileString(arg, s string) (fileValue, error) {
	if isDataURL(s) {
		fv, err := parseDataURL(arg, s[5:])
		if err != nil {
			return fv, err
		}
		return fv, checkFileMeta(arg, fv)
	}
	data, err := decodeBase64(s)
	if err != nil {
		return fileValue{}, argErrorf(arg, "is not valid base64 (%v): binary content %s", err, fileValueHelp)
	}
	return fileValue{data: data}, nil
}

// parseDataURL parses the part of an RFC 2397 data URL after "data:". A
// "name" or "filename" media type parameter becomes the file name.
func parseDataURL(arg, rest string) (fileValue, error) {
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return fileValue{}, argErrorf(arg, `is a malformed data: URL (no ",")`)
	}
	isBase64 := false
	if len(meta) >= 7 && strings.EqualFold(meta[len(meta)-7:], ";base64") {
		isBase64 = true
		meta = meta[:len(meta)-7]
	}
	var fv fileValue
	if meta != "" {
		mt, params, err := mime.ParseMediaType(meta)
		if err != nil {
			return fv, argErrorf(arg, "has an invalid media type in its data: URL")
		}
		fv.contentType = mt
		if name := params["filename"]; name != "" {
			fv.filename = name
		} else if name := params["name"]; name != "" {
			fv.filename = name
		}
	}
	if isBase64 {
		data, err := decodeBase64(payload)
		if err != nil {
			return fv, argErrorf(arg, "has invalid base64 in its data: URL (%v)", err)
		}
		fv.data = data
		return fv, nil
	}
	text, err := url.PathUnescape(payload)
	if err != nil {
		return fv, argErrorf(arg, "has invalid percent-encoding in its data: URL")
	}
	fv.data = []byte(text)
	return fv, nil
}

// decodeBase64 accepts standard and URL-safe alphabets, with or without
// padding, ignoring line breaks and spaces.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', ' ', '\t':
			return -1
		}
		return r
	}, s)
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	var ce base64.CorruptInputError
	if errors.As(firstErr, &ce) {
		return nil, fmt.Errorf("bad character or length at byte %d", int64(ce))
	}
	return nil, firstErr
}

// checkFileMeta refuses a file name or content type that could not be
// placed safely into a part header.
func checkFileMeta(arg string, fv fileValue) error {
	if !validHeaderValue(fv.filename) {
		return argErrorf(arg, "has a file name with control characters")
	}
	if fv.contentType != "" {
		if _, _, err := mime.ParseMediaType(fv.contentType); err != nil || !validHeaderValue(fv.contentType) {
			return argErrorf(arg, "has an invalid content type")
		}
	}
	return nil
}
