package openapi

import (
	"fmt"
	"strings"
)

// Header parameter names that can never be sent as declared. OpenAPI says
// Accept, Content-Type and Authorization header parameters are ignored
// (content negotiation and credentials are the gateway's); the others
// are hop-by-hop, framing, routing or proxy headers the invoker refuses
// to set from an argument.
var (
	ignoredHeaders = map[string]bool{"accept": true, "content-type": true, "authorization": true}
	reservedHeader = map[string]bool{
		"connection": true, "keep-alive": true, "te": true, "trailer": true, "transfer-encoding": true,
		"upgrade": true, "host": true, "content-length": true, "content-encoding": true, "expect": true,
		"cookie": true, "set-cookie": true, "forwarded": true, "via": true,
	}
	reservedHeaderPrefixes = []string{"proxy-", "sec-"}
)

// headerProblem says why a header parameter cannot be sent: "" when it
// can; unsendable is true for a name that is not an HTTP token at all
// (CR/LF, spaces, ...), false for a reserved name.
func headerProblem(name string) (msg string, unsendable bool) {
	if !isToken(name) {
		return fmt.Sprintf("header name %q is not a valid HTTP header name", name), true
	}
	lower := strings.ToLower(name)
	switch {
	case ignoredHeaders[lower]:
		return fmt.Sprintf("header parameter %q is ignored (OpenAPI defines it through media types or security schemes)", name), false
	case reservedHeader[lower]:
		return fmt.Sprintf("header parameter %q cannot be set by a caller (reserved header)", name), false
	}
	for _, p := range reservedHeaderPrefixes {
		if strings.HasPrefix(lower, p) {
			return fmt.Sprintf("header parameter %q cannot be set by a caller (reserved header)", name), false
		}
	}
	return "", false
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// checkPathTemplate reports a path template requests can never be built
// from: unbalanced or nested braces, or an empty variable name.
func checkPathTemplate(p string) error {
	open := -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '{':
			if open >= 0 {
				return fmt.Errorf("path template %q has nested braces at byte %d", p, i)
			}
			open = i
		case '}':
			if open < 0 {
				return fmt.Errorf("path template %q has an unmatched '}' at byte %d", p, i)
			}
			if i == open+1 {
				return fmt.Errorf("path template %q has an empty variable at byte %d", p, open)
			}
			open = -1
		}
	}
	if open >= 0 {
		return fmt.Errorf("path template %q has an unclosed '{' at byte %d", p, open)
	}
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path template %q does not start with '/'", p)
	}
	return nil
}
