package authbridge

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Warnings explains likely misconfigurations that [Config.Validate] cannot
// call errors: the usual traps of each identity provider profile, and a few
// generic ones. resourceURL is the API's MCP endpoint. It does no I/O.
func (c Config) Warnings(resourceURL string) []string {
	var out []string
	warn := func(path, format string, args ...any) {
		out = append(out, path+": "+fmt.Sprintf(format, args...))
	}
	if strings.HasSuffix(resourceURL, "/") {
		warn("resource", "%q ends with a slash; MCP clients use the form without it as the canonical resource", resourceURL)
	}
	if slices.Contains(c.Scopes, "offline_access") {
		warn("auth.scopes", "offline_access is never advertised in metadata or challenges (MCP: SHOULD NOT); clients request it themselves")
	}
	for i, ic := range c.Issuers {
		p := fmt.Sprintf("auth.issuers[%d]", i)
		u, err := url.Parse(ic.Issuer)
		if err != nil || u.Host == "" {
			continue
		}
		switch ic.profile(u) {
		case ProfileEntra:
			entraWarnings(p, ic, u, warn)
		case ProfileAuth0:
			auth0Warnings(p, ic, resourceURL, warn)
		case ProfileOkta:
			oktaWarnings(p, ic, u, warn)
		case ProfileKeycloak:
			keycloakWarnings(p, ic, u, resourceURL, warn)
		}
	}
	return out
}

// profile returns the configured profile, or the one recognised from the
// issuer host and path when none is configured.
func (ic IssuerConfig) profile(u *url.URL) string {
	if ic.Profile != "" {
		return ic.Profile
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "login.microsoftonline.com" || host == "sts.windows.net" || strings.HasSuffix(host, ".ciamlogin.com"):
		return ProfileEntra
	case strings.HasSuffix(host, ".auth0.com"):
		return ProfileAuth0
	case strings.HasSuffix(host, ".okta.com") || strings.HasSuffix(host, ".oktapreview.com"):
		return ProfileOkta
	case strings.Contains(u.Path, "/realms/"):
		return ProfileKeycloak
	}
	return ProfileGeneric
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

type warnFunc func(path, format string, args ...any)

func entraWarnings(p string, ic IssuerConfig, u *url.URL, warn warnFunc) {
	host := strings.ToLower(u.Hostname())
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	tenant := segs[0]
	switch strings.ToLower(tenant) {
	case "common", "organizations", "consumers":
		warn(p+".issuer", "%q is a multi-tenant alias; tokens always carry the tenant-specific issuer (https://login.microsoftonline.com/<tenant-id>/v2.0), list each tenant instead", tenant)
	}
	switch {
	case host == "sts.windows.net":
		warn(p+".issuer", "this is the v1 issuer: it matches only if the API's app manifest has accessTokenAcceptedVersion null or 1; with 2 the tokens carry https://login.microsoftonline.com/%s/v2.0", tenant)
	case host == "login.microsoftonline.com" && !strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/v2.0"):
		warn(p+".issuer", "Entra issuers are https://sts.windows.net/<tenant-id>/ (v1 tokens) or https://login.microsoftonline.com/<tenant-id>/v2.0 (v2 tokens); %q matches neither", ic.Issuer)
	case host == "login.microsoftonline.com":
		warn(p+".issuer", "this is the v2 issuer: set accessTokenAcceptedVersion to 2 in the API's app manifest, or tokens carry the v1 issuer https://sts.windows.net/%s/", tenant)
	}
	hasAppAudience := slices.ContainsFunc(ic.Audiences, func(a string) bool {
		return strings.HasPrefix(a, "api://") || guidPattern.MatchString(a)
	})
	if !hasAppAudience {
		warn(p+".audiences", "Entra never puts the MCP URL in aud: v2 tokens carry the application (client) ID, v1 tokens the App ID URI (api://…) requested; list it under audiences")
	}
	if guids := slices.DeleteFunc(slices.Clone(ic.Audiences), func(a string) bool { return !guidPattern.MatchString(a) }); len(guids) > 1 {
		warn(p+".audiences", "%d application IDs listed (%s): short scp names are relative to the token's aud and are granted under this API's App ID URIs whatever the application; list only this API's application ID", len(guids), strings.Join(guids, ", "))
	}
	if ic.RequireTyp {
		warn(p+".requireTyp", "Entra access tokens carry typ \"JWT\", not \"at+jwt\"; every token will be rejected")
	}
	if !ic.RolesAsScopes {
		warn(p+".rolesAsScopes", "app-only tokens (client credentials) carry application permissions in %q, not scp; enable rolesAsScopes or write policies on roles", ic.rolesClaim())
	}
	warn(p, "Entra supports neither dynamic client registration nor client ID metadata documents: pre-register each MCP client and grant it the API's delegated permissions")
}

func auth0Warnings(p string, ic IssuerConfig, resourceURL string, warn warnFunc) {
	if !strings.HasSuffix(ic.Issuer, "/") {
		warn(p+".issuer", "Auth0 issuers end with a slash (%s/); tokens will be rejected as from an unknown issuer", ic.Issuer)
	}
	if len(ic.Audiences) == 0 {
		warn(p+".audiences", "the Auth0 API Identifier is the token audience: make it exactly %q or list it under audiences", resourceURL)
	}
}

func oktaWarnings(p string, ic IssuerConfig, u *url.URL, warn warnFunc) {
	if !strings.HasPrefix(u.Path, "/oauth2/") || strings.HasPrefix(u.Path, "/oauth2/v1") {
		warn(p+".issuer", "this looks like the Okta org authorization server, whose access tokens cannot be verified by resource servers; use a custom authorization server such as %s/oauth2/default", strings.TrimSuffix(u.Scheme+"://"+u.Host, "/"))
	}
	if ic.ScopeClaim == "scope" {
		warn(p+".scopeClaim", "Okta puts scopes in \"scp\" (an array); scopeClaim \"scope\" finds none")
	}
}

func keycloakWarnings(p string, ic IssuerConfig, u *url.URL, resourceURL string, warn warnFunc) {
	if !strings.Contains(u.Path, "/realms/") {
		warn(p+".issuer", "Keycloak issuers have the form https://host/realms/<realm> (older versions: /auth/realms/<realm>)")
	}
	if slices.Contains(ic.Audiences, "account") {
		warn(p+".audiences", "accepting aud \"account\" accepts every token of the realm; add an audience mapper for %q instead", resourceURL)
	} else if len(ic.Audiences) == 0 {
		warn(p+".audiences", "Keycloak sets aud to \"account\" unless an audience mapper (or client scope) adds %q; add one to the client", resourceURL)
	}
	if ic.RequireTyp {
		warn(p+".requireTyp", "Keycloak access tokens carry header typ \"JWT\"; every token will be rejected")
	}
}
