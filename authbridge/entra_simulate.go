package authbridge

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Well-known Entra identifiers used by the simulation.
const (
	entraGraphAppID  = "00000003-0000-0000-c000-000000000000"
	entraGraphPrefix = "https://graph.microsoft.com"
	// entraUnknownAppID stands for the API's application (client) ID when
	// the configuration does not name it.
	entraUnknownAppID = "<application (client) ID>"
)

// SimulatedToken is an access token Microsoft Entra ID would issue to a
// client that requests some of an API's scopes, and what the verifier
// makes of it. See [SimulateEntraTokens].
type SimulatedToken struct {
	// Path locates the issuer in the configuration ("auth.issuers[0]").
	Path string
	// Issuer is the configured issuer.
	Issuer string
	// AppOnly marks a client credentials token (roles, no scp).
	AppOnly bool
	// Requested are the scopes the client asks for, as the gateway
	// advertises them (one resource's scopes; Entra issues a token for one
	// resource at a time).
	Requested []string
	// Claims are the claims that matter: iss, aud, ver and scp or roles.
	Claims map[string]any
	// Granted are the scopes the verifier grants for the token; nil when it
	// rejects the token.
	Granted []string
	// Rejected is the verifier's reason for refusing the token; empty when
	// it accepts it.
	Rejected string
	// Problem explains, with the fix, why a requested scope would not be
	// granted under the name the client requested it with; empty when
	// every requested scope is granted.
	Problem string
}

// SimulateEntraTokens predicts, for every Microsoft Entra ID issuer of
// cfg, the tokens Entra would issue to clients requesting scopes (the
// scopes the gateway advertises or challenges for: identity-provider
// names such as api://petstore/Pets.Read), and runs each through the
// verifier's audience and scope rules for resource (the MCP endpoint URL)
// without any I/O. Entra's rules applied:
//
//   - scopes are grouped by resource, the prefix before the last "/"; a
//     scope without one names a Microsoft Graph permission;
//   - a v2.0 token (issuer …/v2.0) has aud = the API's application
//     (client) ID GUID: the GUID of an api://<GUID> prefix, else the first
//     GUID listed under audiences; a v1.0 token (sts.windows.net) has aud =
//     the App ID URI requested;
//   - delegated tokens carry the short names in scp; app-only tokens
//     (simulated only when rolesAsScopes is set) carry them in roles.
//
// Non-Entra issuers are skipped. The result is in configuration order,
// then by resource.
func SimulateEntraTokens(cfg Config, resource string, scopes []string) []SimulatedToken {
	byPrefix := map[string][]string{}
	var prefixes []string
	for _, s := range scopes {
		prefix, name := entraGraphPrefix, s
		if i := strings.LastIndex(s, "/"); i >= 0 {
			prefix, name = s[:i], s[i+1:]
		}
		if s == "offline_access" || s == "openid" || s == "profile" || s == "email" || name == "" {
			continue
		}
		if _, ok := byPrefix[prefix]; !ok {
			prefixes = append(prefixes, prefix)
		}
		if !slices.Contains(byPrefix[prefix], name) {
			byPrefix[prefix] = append(byPrefix[prefix], name)
		}
	}
	var out []SimulatedToken
	for i, ic := range cfg.Issuers {
		u, err := url.Parse(ic.Issuer)
		if err != nil || u.Host == "" || ic.profile(u) != ProfileEntra {
			continue
		}
		is, err := newIssuer(ic, VerifierOptions{Resource: resource}.withDefaults())
		if err != nil {
			continue
		}
		now := time.Now()
		is.now = func() time.Time { return now }
		v2 := strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/v2.0")
		for _, prefix := range prefixes {
			names := byPrefix[prefix]
			kinds := []bool{false}
			if ic.RolesAsScopes {
				kinds = append(kinds, true)
			}
			for _, appOnly := range kinds {
				out = append(out, simulateOne(is, fmt.Sprintf("auth.issuers[%d]", i), v2, prefix, names, appOnly, now))
			}
		}
	}
	return out
}

func simulateOne(is *issuer, path string, v2 bool, prefix string, names []string, appOnly bool, now time.Time) SimulatedToken {
	st := SimulatedToken{Path: path, Issuer: is.cfg.Issuer, AppOnly: appOnly}
	for _, n := range names {
		if prefix == entraGraphPrefix {
			st.Requested = append(st.Requested, n)
		} else {
			st.Requested = append(st.Requested, prefix+"/"+n)
		}
	}
	aud := prefix
	if v2 {
		aud = entraAppID(prefix, is.cfg.Audiences)
	}
	claims := map[string]any{
		"iss": is.cfg.Issuer,
		"aud": aud,
		"ver": map[bool]string{true: "2.0", false: "1.0"}[v2],
		"exp": float64(now.Add(time.Hour).Unix()),
		"iat": float64(now.Unix()),
	}
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = n
	}
	if appOnly {
		claims["roles"] = list
	} else {
		claims["scp"] = strings.Join(names, " ")
	}
	st.Claims = claims
	p, err := is.principal("", claims, true)
	if err != nil {
		st.Rejected = err.Error()
		st.Problem = entraAudienceFix(prefix, aud, v2)
		return st
	}
	st.Granted = p.Scopes
	var missing []string
	for _, r := range st.Requested {
		if !slices.Contains(p.Scopes, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		kind := "scp"
		if appOnly {
			kind = "roles"
		}
		st.Problem = fmt.Sprintf("Entra puts the short names %s in %s, and the gateway qualifies them only with the App ID URIs it knows (audiences other than the GUID, and the endpoint URL): add %q under audiences, or map the scopes to the endpoint URL",
			strings.Join(names, ", "), kind, prefix)
	}
	return st
}

// entraAppID is the aud of a v2.0 token for the API whose App ID URI is
// prefix.
func entraAppID(prefix string, audiences []string) string {
	if prefix == entraGraphPrefix {
		return entraGraphAppID
	}
	if g, ok := strings.CutPrefix(prefix, "api://"); ok && guidPattern.MatchString(g) {
		return g
	}
	for _, a := range audiences {
		if guidPattern.MatchString(a) {
			return a
		}
	}
	return entraUnknownAppID
}

// entraAudienceFix explains why a simulated token's audience is refused.
func entraAudienceFix(prefix, aud string, v2 bool) string {
	switch {
	case prefix == entraGraphPrefix:
		return "scopes without an App ID URI prefix are Microsoft Graph permissions (the token is for Graph, aud " + entraGraphAppID + "): map them with policy.scopeMap to api://<your app>/<name> or <endpoint URL>/<name>"
	case v2 && aud == entraUnknownAppID:
		return "v2.0 tokens carry aud = the API's application (client) ID GUID, never the App ID URI: list the GUID under audiences"
	case v2:
		return fmt.Sprintf("v2.0 tokens carry aud = the API's application (client) ID: list %s under audiences", aud)
	default:
		return fmt.Sprintf("v1.0 tokens carry aud = the App ID URI requested: list %q under audiences", prefix)
	}
}
