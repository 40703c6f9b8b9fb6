package authbridge

import (
	"math"
	"slices"
	"strings"
	"time"
)

// principal checks the audience and time claims of a verified JWT, or of
// an introspection response, and builds the [Principal]. A JWT must carry
// aud and exp; an introspection response may omit them (RFC 7662), and is
// checked only on what it states.
func (is *issuer) principal(raw string, claims map[string]any, fromJWT bool) (*Principal, error) {
	rawAud, hasAud := claims["aud"]
	aud, ok := stringList(rawAud)
	if !ok {
		return nil, invalid(reasonClaims)
	}
	if (fromJWT || hasAud) && !is.audienceOK(aud) {
		return nil, invalid(reasonAudience)
	}
	exp, hasExp, ok := numericDate(claims, "exp")
	switch {
	case !ok:
		return nil, invalid(reasonClaims)
	case !hasExp && fromJWT:
		return nil, invalid(reasonNoExpiry)
	}
	if err := is.checkTimes(claims); err != nil {
		return nil, err
	}
	p := NewPrincipal(raw)
	p.Issuer = is.cfg.Issuer
	p.Subject, _ = claims["sub"].(string)
	p.ClientID = firstString(claims, is.cfg.clientIDClaims())
	p.Audience = aud
	p.Scopes = is.scopes(claims)
	p.Claims = claims
	if hasExp {
		p.Expiry = exp
	}
	return p, nil
}

// checkTimes applies exp, nbf and iat with the issuer's leeway. Absent
// claims pass; non-numeric ones fail.
func (is *issuer) checkTimes(claims map[string]any) error {
	now := is.now()
	for _, c := range []struct {
		name   string
		reason string
		bad    func(t time.Time) bool
	}{
		{"exp", reasonExpired, func(t time.Time) bool { return !now.Before(t.Add(is.leeway)) }},
		{"nbf", reasonNotYetValid, func(t time.Time) bool { return t.After(now.Add(is.leeway)) }},
		{"iat", reasonIssuedInFuture, func(t time.Time) bool { return t.After(now.Add(is.leeway)) }},
	} {
		t, present, ok := numericDate(claims, c.name)
		if !ok {
			return invalid(reasonClaims)
		}
		if present && c.bad(t) {
			return invalid(c.reason)
		}
	}
	return nil
}

// audienceOK reports whether aud names this resource or a configured
// audience. Configured audiences match exactly. The resource URL matches
// with a case-insensitive scheme and host (MCP: accept them "for
// robustness") and tolerates one trailing slash; nothing else, so another
// API's endpoint or a longer path never matches.
func (is *issuer) audienceOK(aud []string) bool {
	want := canonicalResource(is.resource)
	for _, a := range aud {
		if is.audiences[a] || canonicalResource(a) == want {
			return true
		}
	}
	return false
}

// canonicalResource lowercases the scheme and authority of an absolute URL
// and removes one trailing slash.
func canonicalResource(s string) string {
	if i := strings.Index(s, "://"); i > 0 {
		rest := s[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		s = strings.ToLower(s[:i+3+end]) + rest[end:]
	}
	return strings.TrimSuffix(s, "/")
}

// scopes returns the granted scopes: from the configured scope claim, or
// "scope" then "scp"; plus the roles when RolesAsScopes is set. Duplicates
// are removed, order kept.
func (is *issuer) scopes(claims map[string]any) []string {
	names := []string{"scope", "scp"}
	if is.cfg.ScopeClaim != "" {
		names = []string{is.cfg.ScopeClaim}
	}
	var out []string
	for _, n := range names {
		if v, ok := claims[n]; ok {
			out = splitScopes(v)
			break
		}
	}
	if is.cfg.RolesAsScopes {
		out = append(out, splitScopes(claims[is.cfg.rolesClaim()])...)
	}
	out = append(out, is.qualifiedScopes(out)...)
	seen := map[string]bool{}
	uniq := out[:0]
	for _, s := range out {
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	if len(uniq) == 0 {
		return nil
	}
	return uniq
}

// qualifiedScopes returns, for Entra ID issuers, each short scope also
// qualified by every App ID URI of the API ("Pets.Read" →
// "api://petstore/Pets.Read", "https://gw.example.com/mcp/pets/Pets.Read").
// Entra puts short names in "scp" (and "roles") whatever prefix the client
// requested them with, while clients must request (and challenges must
// name) the qualified form, so policies written with any qualified name
// match. The App ID URIs are the configured audiences other than the bare
// application (client) ID, plus the resource URL itself, which clients
// sending the RFC 8707 resource must register as an App ID URI.
func (is *issuer) qualifiedScopes(scopes []string) []string {
	if len(scopes) == 0 || len(is.appIDURIs) == 0 {
		return nil
	}
	var out []string
	for _, a := range is.appIDURIs {
		for _, s := range scopes {
			if !strings.Contains(s, "/") {
				out = append(out, a+"/"+s)
			}
		}
	}
	return out
}

// entraAppIDURIs returns the prefixes short Entra scopes are qualified
// with: the configured audiences except bare GUIDs (the application ID is
// not a scope prefix clients use), then the resource URL, each without a
// trailing slash and listed once.
func entraAppIDURIs(audiences []string, resource string) []string {
	var out []string
	for _, a := range append(slices.Clone(audiences), resource) {
		a = strings.TrimSuffix(strings.TrimSpace(a), "/")
		if a == "" || guidPattern.MatchString(a) || slices.Contains(out, a) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// splitScopes accepts a space-separated string or an array of strings
// (each of which may itself be space-separated).
func splitScopes(v any) []string {
	switch t := v.(type) {
	case string:
		return strings.Fields(t)
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, strings.Fields(s)...)
			}
		}
		return out
	}
	return nil
}

// stringList reads a string or an array of strings; absent is an empty
// list.
func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// numericDate reads a JSON NumericDate claim. present is false when the
// claim is absent; ok is false when it is not a finite number.
func numericDate(claims map[string]any, name string) (t time.Time, present, ok bool) {
	v, found := claims[name]
	if !found {
		return time.Time{}, false, true
	}
	f, isNum := v.(float64)
	if !isNum || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e11 {
		return time.Time{}, true, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, true
}

func firstString(claims map[string]any, names []string) string {
	for _, n := range names {
		if s, ok := claims[n].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
