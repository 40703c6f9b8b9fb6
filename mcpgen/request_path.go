package mcpgen

import (
	"fmt"
	"strings"
)

// pathArg is a serialised, escaped path parameter value and the argument
// it came from.
type pathArg struct {
	arg   string
	value string
}

// expandPath substitutes path parameter values into a path template and
// returns the escaped path. The template's segment structure is kept:
// values are escaped down to unreserved characters (see [pathEscape]) so
// that none can contain "/", and a segment that a value would turn into
// "", "." or ".." is refused, because servers and proxies collapse such
// segments and the request would reach another resource. Template
// variables without a value are returned in missing.
func expandPath(tmpl string, vals map[string]pathArg) (path string, missing []string, err error) {
	if !strings.HasPrefix(tmpl, "/") {
		tmpl = "/" + tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 16)
	for seg := range strings.SplitSeq(tmpl[1:], "/") {
		b.WriteByte('/')
		start := b.Len()
		firstArg := ""
		rest := seg
		for rest != "" {
			open := strings.IndexByte(rest, '{')
			if open < 0 {
				b.WriteString(staticPathEscape(rest))
				break
			}
			end := strings.IndexByte(rest[open:], '}')
			if end < 0 {
				return "", nil, fmt.Errorf("path template %q: unterminated variable", tmpl)
			}
			name := rest[open+1 : open+end]
			if name == "" {
				return "", nil, fmt.Errorf("path template %q: empty variable name", tmpl)
			}
			b.WriteString(staticPathEscape(rest[:open]))
			rest = rest[open+end+1:]
			v, ok := vals[name]
			if !ok {
				missing = append(missing, name)
				continue
			}
			if firstArg == "" {
				firstArg = v.arg
			}
			b.WriteString(v.value)
		}
		if firstArg == "" {
			continue
		}
		switch b.String()[start:] {
		case "":
			return "", nil, argErrorf(firstArg, "must not be empty: it is a path segment")
		case ".", "..":
			return "", nil, argErrorf(firstArg, `must not make a path segment "." or ".."`)
		}
	}
	return b.String(), missing, nil
}
