package mcpgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

const (
	// errorReadLimit bounds how much of a non-2xx body is read.
	errorReadLimit = 64 << 10
	// errorSnippetLimit bounds the part of a non-2xx body that is shown.
	errorSnippetLimit = 2048
	// drainLimit bounds how much of an unread body is discarded so that
	// the connection can be reused.
	drainLimit = 256 << 10
)

// readLimited reads at most limit bytes of r and reports whether there
// was more. sizeHint is the Content-Length, or -1.
func readLimited(r io.Reader, limit, sizeHint int64) ([]byte, bool, error) {
	var buf bytes.Buffer
	if sizeHint >= 0 && sizeHint <= limit {
		buf.Grow(int(sizeHint) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	b := buf.Bytes()
	if int64(len(b)) > limit {
		return b[:limit], true, err
	}
	return b, false, err
}

// drain discards a bounded amount of the rest of the body.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
}

// looksLikeJSON reports whether b starts like a JSON object or array.
func looksLikeJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// compactJSON validates and compacts JSON.
func compactJSON(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b))
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("compact JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// jsonKind names the JSON type that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// rawJSON wraps encoded JSON so that mcp-go sends it as is.
func rawJSON(b []byte) json.RawMessage { return b }

// errorSnippet renders the start of a non-2xx body for the error message:
// JSON compacted, text as text, binary as a size note, all bounded to
// about errorSnippetLimit bytes.
func errorSnippet(contentType string, body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return ""
	}
	if compact, err := compactJSON(body); err == nil {
		body = compact
	} else if !utf8.Valid(trimPartialRune(body)) {
		return fmt.Sprintf("<%d bytes of %s>", len(body), orDefault(mediaType(contentType), "binary data"))
	}
	body = bytes.TrimSpace(body)
	if len(body) <= errorSnippetLimit {
		return string(body)
	}
	return string(trimPartialRune(body[:errorSnippetLimit])) + "…"
}
