package authbridge

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Error codes of RFC 6750 §3.1.
const (
	ErrorCodeInvalidRequest    = "invalid_request"
	ErrorCodeInvalidToken      = "invalid_token"
	ErrorCodeInsufficientScope = "insufficient_scope"
)

// Challenge is a Bearer WWW-Authenticate challenge (RFC 6750 §3, RFC 9728
// §5.1). Values are sanitized by [Challenge.String], so any input yields a
// well-formed, single-line header.
type Challenge struct {
	// ResourceMetadata is the URL of the protected resource metadata.
	ResourceMetadata string
	// Scopes are the scopes the client should request; invalid scope
	// tokens and offline_access are dropped.
	Scopes []string
	// Error is an RFC 6750 error code; empty when no token was presented.
	Error string
	// Description is a short human-readable error_description.
	Description string
}

// String renders the challenge, for example
//
//	Bearer error="invalid_token", error_description="token expired", scope="a b", resource_metadata="https://…"
//
// Quoted values never contain '"', '\' or characters outside printable
// ASCII: descriptions and error codes have such characters replaced,
// scope tokens outside the RFC 6749 charset are dropped, and the URL has
// them percent-encoded.
func (c Challenge) String() string {
	var params []string
	if e := sanitizeQuoted(c.Error); e != "" {
		params = append(params, `error="`+e+`"`)
	}
	if d := sanitizeQuoted(c.Description); d != "" {
		params = append(params, `error_description="`+d+`"`)
	}
	if s := challengeScopes(c.Scopes); s != "" {
		params = append(params, `scope="`+s+`"`)
	}
	if u := sanitizeURL(c.ResourceMetadata); u != "" {
		params = append(params, `resource_metadata="`+u+`"`)
	}
	if len(params) == 0 {
		return "Bearer"
	}
	return "Bearer " + strings.Join(params, ", ")
}

// challengeScopes joins the valid scope tokens, without offline_access
// (MCP: SHOULD NOT be in challenges) and duplicates.
func challengeScopes(scopes []string) string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scopes {
		if !validScopeToken(s) || s == "offline_access" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// sanitizeQuoted keeps %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3) and
// replaces anything else with '?'; it bounds the length to 256 bytes.
func sanitizeQuoted(s string) string {
	const max = 256
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < max; i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}

// sanitizeURL percent-encodes every byte that may not appear unescaped in
// a quoted string or a URL.
func sanitizeURL(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// errorBody is the small JSON body sent with auth errors.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// WriteUnauthorized answers 401 with ch as WWW-Authenticate. The JSON body
// carries ch.Error (invalid_token when a token was rejected) and the
// description; with no error code the body says "unauthorized".
func WriteUnauthorized(w http.ResponseWriter, ch Challenge) {
	code := ch.Error
	if code == "" {
		code = "unauthorized"
	}
	writeChallenge(w, http.StatusUnauthorized, ch, errorBody{Error: code, Description: sanitizeQuoted(ch.Description)})
}

// WriteInsufficientScope answers 403 with error="insufficient_scope" and
// the scopes the operation needs (MCP step-up: list all of them, not only
// the missing ones).
func WriteInsufficientScope(w http.ResponseWriter, ch Challenge) {
	ch.Error = ErrorCodeInsufficientScope
	if ch.Description == "" {
		ch.Description = "the token lacks the scopes this operation requires"
	}
	writeChallenge(w, http.StatusForbidden, ch, errorBody{Error: ch.Error, Description: sanitizeQuoted(ch.Description)})
}

// WriteForbidden answers 403 for a denial that more scopes cannot fix
// (for example a claim condition): the challenge carries
// resource_metadata and the description, but no error code or scope, so
// clients do not start a pointless step-up.
func WriteForbidden(w http.ResponseWriter, ch Challenge) {
	desc := ch.Description
	if desc == "" {
		desc = "access denied by policy"
	}
	hdr := Challenge{ResourceMetadata: ch.ResourceMetadata}
	writeChallenge(w, http.StatusForbidden, hdr, errorBody{Error: "access_denied", Description: sanitizeQuoted(desc)})
}

// WriteInvalidRequest answers 400 invalid_request (malformed
// authorization, a token in the query string or form body).
func WriteInvalidRequest(w http.ResponseWriter, ch Challenge) {
	ch.Error = ErrorCodeInvalidRequest
	ch.Scopes = nil
	writeChallenge(w, http.StatusBadRequest, ch, errorBody{Error: ch.Error, Description: sanitizeQuoted(ch.Description)})
}

func writeChallenge(w http.ResponseWriter, status int, ch Challenge, body errorBody) {
	h := w.Header()
	h.Set("WWW-Authenticate", ch.String())
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	// Browser-based MCP clients must be able to read the challenge.
	h.Add("Access-Control-Expose-Headers", "WWW-Authenticate")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
