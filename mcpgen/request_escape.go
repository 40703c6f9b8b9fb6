package mcpgen

import (
	"strings"
)

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isQueryReservedKept reports whether c may stay unencoded in a query
// value of an allowReserved parameter. "&", "=", "+", "#" and "%" are
// still encoded: literal, they would add parameters, change spaces, end
// the URL or forge escapes, which no value should be able to do.
func isQueryReservedKept(c byte) bool {
	return isUnreserved(c) || strings.IndexByte(":/?[]@!$'()*,;", c) >= 0
}

const upperHex = "0123456789ABCDEF"

// percentEncode escapes every byte for which keep is false as %XX.
func percentEncode(s string, keep func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// pathEscape encodes a path parameter component: everything but
// unreserved characters, so "/", "?", "#", "%", "\", ";" and "," in a
// value can never act as delimiters.
func pathEscape(s string) string { return percentEncode(s, isUnreserved) }

// queryEscape encodes a query name or value (spaces as %20).
func queryEscape(s string) string { return percentEncode(s, isUnreserved) }

// queryEscapeReserved encodes a value of an allowReserved parameter.
func queryEscapeReserved(s string) string { return percentEncode(s, isQueryReservedKept) }

// cookieEscape encodes a cookie name or value; the result only contains
// unreserved characters and %XX, which are valid in both.
func cookieEscape(s string) string { return percentEncode(s, isUnreserved) }

// isStaticPathByte reports whether a byte of a path template's literal
// text may be sent unencoded.
func isStaticPathByte(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("/!$&'()*+,;=:@%", c) >= 0
}

// staticPathEscape encodes the literal text of a path template, keeping
// delimiters and existing escapes as the document wrote them.
func staticPathEscape(s string) string { return percentEncode(s, isStaticPathByte) }

// validHeaderValue reports whether v can be sent as a header value: no
// control characters other than horizontal tab (so no CR/LF injection)
// and no DEL.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// isTokenByte reports whether c is an RFC 9110 tchar.
func isTokenByte(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("!#$%&'*+^`|", c) >= 0
}

// validToken reports whether s is a non-empty RFC 9110 token (valid header
// field name or cookie name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

// headerParamPolicy says what to do with a header parameter name: send
// it, skip it silently (names OpenAPI says to ignore: content negotiation
// and credentials belong to the invoker) or refuse it (hop-by-hop,
// framing, routing, identity and proxy headers, plus
// [InvokerOptions.DenyHeaders]).
func (inv *Invoker) headerParamPolicy(name string) (send, refuse bool) {
	lower := strings.ToLower(name)
	switch lower {
	case "accept", "content-type", "authorization":
		return false, false
	case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
		"host", "content-length", "content-encoding", "expect", "cookie", "set-cookie",
		"forwarded", "via", "x-real-ip", "user-agent",
		"x-http-method", "x-http-method-override", "x-method-override":
		return false, true
	}
	if inv.denyHeaders[lower] {
		return false, true
	}
	for _, p := range [...]string{"proxy-", "x-forwarded-", "sec-", "mcp-"} {
		if strings.HasPrefix(lower, p) {
			return false, true
		}
	}
	return true, false
}
