package mcpgen

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// MaxNameLen is the longest tool or argument name generated. Tool names
// match ^[A-Za-z0-9_-]{1,64}$ (the strictest rule among MCP clients, the
// Anthropic API's), argument names ^[A-Za-z0-9_.-]{1,64}$.
const MaxNameLen = 64

// hashLen is the number of hex digits of the hash suffix of shortened names.
const hashLen = 8

// ToolName returns the tool name for op before the uniqueness pass of
// [Generate]: the operationId exactly as written when prefix+operationId is
// already a valid name; otherwise the operationId with every run of
// characters outside [A-Za-z0-9_-] replaced by "_" and leading or trailing
// "_" trimmed; when that leaves nothing (or there is no operationId), the
// lower-case method and the sanitised path ("get_pets_petId"). Invalid
// characters of prefix are replaced the same way, and prefix is prepended
// as is (include a separator such as "gh_" in it if wanted). A result
// longer than [MaxNameLen] keeps a readable head and ends in "_" and eight
// hex digits of a SHA-256 of the full name, so it stays deterministic.
func ToolName(op *openapi.Operation, prefix string) string {
	name, _ := candidateName(op, prefix)
	return name
}

// candidateName implements [ToolName] and also reports whether the name had to
// be shortened.
func candidateName(op *openapi.Operation, prefix string) (string, bool) {
	prefix = sanitize(prefix, false, false)
	if op.ID != "" && isToolName(prefix+op.ID) {
		return prefix + op.ID, false
	}
	name := sanitize(op.ID, false, true)
	if name == "" {
		name = fallbackName(op.Method, op.Path)
	}
	name = prefix + name
	return shorten(name, MaxNameLen), len(name) > MaxNameLen
}

// fallbackName builds "<method>_<path>" for operations without a usable
// operationId.
func fallbackName(method, path string) string {
	m := strings.ToLower(sanitize(method, false, true))
	if m == "" {
		m = "op"
	}
	if p := sanitize(path, false, true); p != "" {
		return m + "_" + p
	}
	return m
}

// isToolName reports whether s matches ^[A-Za-z0-9_-]{1,64}$.
func isToolName(s string) bool {
	return validName(s, false)
}

// isArgName reports whether s matches ^[A-Za-z0-9_.-]{1,64}$.
func isArgName(s string) bool {
	return validName(s, true)
}

func validName(s string, allowDot bool) bool {
	if len(s) == 0 || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nameByte(s[i], allowDot) {
			return false
		}
	}
	return true
}

func nameByte(c byte, allowDot bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		return true
	case c == '.':
		return allowDot
	}
	return false
}

// sanitize replaces every run of bytes that are not name characters with a
// single "_" and, when trim is set, trims "_" from both ends. Multi-byte
// UTF-8 sequences are invalid bytes and so become "_" too.
func sanitize(s string, allowDot, trim bool) string {
	if validName(s, allowDot) || s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	inRun := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if nameByte(c, allowDot) {
			b.WriteByte(c)
			inRun = false
			continue
		}
		if !inRun {
			b.WriteByte('_')
			inRun = true
		}
	}
	out := b.String()
	if trim {
		out = strings.Trim(out, "_")
	}
	return out
}

// shorten returns name unchanged when it fits in max bytes; otherwise a head
// of name followed by "_" and a hash of the whole name.
func shorten(name string, max int) string {
	if len(name) <= max {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	head := strings.TrimRight(name[:max-hashLen-1], "_-.")
	return head + "_" + hex.EncodeToString(sum[:])[:hashLen]
}

// withSuffix appends "_<n>" to name, cutting the head so the result still
// fits in [MaxNameLen].
func withSuffix(name string, n int) string {
	suffix := "_" + strconv.Itoa(n)
	if len(name)+len(suffix) > MaxNameLen {
		name = strings.TrimRight(name[:MaxNameLen-len(suffix)], "_-.")
	}
	return name + suffix
}

// ArgName returns the argument name for a parameter or body property wire
// name: the name itself when it matches ^[A-Za-z0-9_.-]{1,64}$, otherwise
// with runs of other characters replaced by "_" and trimmed ("$select" →
// "select", "filter[name]" → "filter_name"), shortened like tool names when
// too long, and "arg" when nothing is left.
func ArgName(wire string) string {
	if isArgName(wire) {
		return wire
	}
	s := sanitize(wire, true, true)
	if s == "" {
		return "arg"
	}
	return shorten(s, MaxNameLen)
}
