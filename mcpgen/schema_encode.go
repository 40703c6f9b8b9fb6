package mcpgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// encodeJSON encodes a schema value. It produces the same bytes as
// encoding/json with HTML escaping off (map keys sorted, so the output is
// deterministic) but handles the types decoded JSON consists of without
// reflection, which matters when thousands of tools are generated; other
// types go through encoding/json.
func encodeJSON(v any) (json.RawMessage, error) {
	var e encoder
	return e.encode(v)
}

// encode encodes v into a fresh, exactly sized slice, reusing e's buffer
// for the work.
func (e *encoder) encode(v any) (json.RawMessage, error) {
	e.buf = e.buf[:0]
	if err := e.value(v); err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return bytes.Clone(e.buf), nil
}

// encoder appends JSON to buf.
type encoder struct {
	buf  []byte
	keys []string
}

func (e *encoder) value(v any) error {
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case string:
		e.str(v)
	case float64:
		return e.float(v)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case json.RawMessage:
		e.buf = append(e.buf, v...)
	case json.Number:
		if _, err := strconv.ParseFloat(string(v), 64); err != nil {
			return fmt.Errorf("invalid number %q", string(v))
		}
		e.buf = append(e.buf, v...)
	case map[string]any:
		return e.object(v)
	case map[string]json.RawMessage:
		e.buf = append(e.buf, '{')
		for i, k := range sortedMapKeys(v) {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.str(k)
			e.buf = append(e.buf, ':')
			e.buf = append(e.buf, v[k]...)
		}
		e.buf = append(e.buf, '}')
	case []any:
		e.buf = append(e.buf, '[')
		for i, x := range v {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(x); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case []string:
		e.buf = append(e.buf, '[')
		for i, x := range v {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.str(x)
		}
		e.buf = append(e.buf, ']')
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		e.buf = append(e.buf, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
	}
	return nil
}

func (e *encoder) object(m map[string]any) error {
	e.buf = append(e.buf, '{')
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[start:]
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(k)
		e.buf = append(e.buf, ':')
		if err := e.value(m[k]); err != nil {
			return err
		}
	}
	e.keys = e.keys[:start]
	e.buf = append(e.buf, '}')
	return nil
}

// float formats like encoding/json: the shortest representation, in
// exponent form only for very small or large magnitudes.
func (e *encoder) float(f float64) error {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("unsupported number %v", f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(e.buf, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	e.buf = b
	return nil
}

// str appends a JSON string, escaped as encoding/json does without HTML
// escaping.
func (e *encoder) str(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			e.buf = append(e.buf, s[start:i]...)
			switch c {
			case '"', '\\':
				e.buf = append(e.buf, '\\', c)
			case '\n':
				e.buf = append(e.buf, '\\', 'n')
			case '\r':
				e.buf = append(e.buf, '\\', 'r')
			case '\t':
				e.buf = append(e.buf, '\\', 't')
			case '\b':
				e.buf = append(e.buf, '\\', 'b')
			case '\f':
				e.buf = append(e.buf, '\\', 'f')
			default:
				e.buf = append(e.buf, `\u00`...)
				e.buf = append(e.buf, hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, `\u202`...)
			e.buf = append(e.buf, hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

const hexDigits = "0123456789abcdef"

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
