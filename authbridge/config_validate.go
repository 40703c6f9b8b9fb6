package authbridge

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rest2mcp/rest2mcp/internal/loopback"
)

// Validate checks c for the API whose MCP endpoint is resourceURL (empty
// skips the checks that need it). It does no I/O and returns every problem
// found, one per line, each prefixed with its YAML path under "auth".
func (c Config) Validate(resourceURL string) error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if resourceURL != "" {
		if err := checkHTTPURL(resourceURL, true); err != nil {
			add("resource", "%v", err)
		}
	}
	if len(c.Issuers) == 0 {
		add("auth.issuers", "at least one issuer is required")
	}
	seen := map[string]int{}
	for i, ic := range c.Issuers {
		p := fmt.Sprintf("auth.issuers[%d]", i)
		if j, dup := seen[ic.Issuer]; dup && ic.Issuer != "" {
			add(p+".issuer", "duplicate of auth.issuers[%d]", j)
		}
		seen[ic.Issuer] = i
		ic.validate(p, add)
	}
	for i, s := range c.Scopes {
		if !validScopeToken(s) {
			add(fmt.Sprintf("auth.scopes[%d]", i), "invalid scope token %q (RFC 6749 §3.3)", s)
		}
	}
	if c.ResourceDocumentation != "" {
		if err := checkHTTPURL(c.ResourceDocumentation, false); err != nil {
			add("auth.resourceDocumentation", "%v", err)
		}
	}
	if rl := c.RateLimit; rl != nil {
		if rl.RequestsPerMinute <= 0 {
			add("auth.rateLimit.requestsPerMinute", "must be positive")
		}
		if rl.Burst < 0 {
			add("auth.rateLimit.burst", "must not be negative")
		}
		if rl.MaxSubjects < 0 {
			add("auth.rateLimit.maxSubjects", "must not be negative")
		}
	}
	return errors.Join(errs...)
}

func (ic IssuerConfig) validate(p string, add func(path, format string, args ...any)) {
	if ic.Issuer == "" {
		add(p+".issuer", "required")
	} else if err := checkHTTPURL(ic.Issuer, true); err != nil {
		add(p+".issuer", "%v", err)
	}
	for j, a := range ic.Audiences {
		if strings.TrimSpace(a) == "" {
			add(fmt.Sprintf("%s.audiences[%d]", p, j), "must not be empty")
		}
	}
	if ic.MetadataURL != "" {
		if err := checkHTTPURL(ic.MetadataURL, false); err != nil {
			add(p+".metadataURL", "%v", err)
		}
	}
	if ic.JWKSURL != "" {
		if err := checkHTTPURL(ic.JWKSURL, false); err != nil {
			add(p+".jwksURL", "%v", err)
		}
	}
	allowed := DefaultAlgorithms()
	for j, alg := range ic.Algorithms {
		q := fmt.Sprintf("%s.algorithms[%d]", p, j)
		switch {
		case strings.EqualFold(alg, "none"):
			add(q, "unsecured tokens (alg none) are never accepted")
		case strings.HasPrefix(strings.ToUpper(alg), "HS"):
			add(q, "%s is a shared-secret algorithm and is never accepted for access tokens", alg)
		case !slices.Contains(allowed, alg):
			add(q, "unsupported algorithm %q (supported: %s)", alg, strings.Join(allowed, ", "))
		}
	}
	if ic.JWKSMinRefresh != 0 && (ic.JWKSMinRefresh.D() < time.Second || ic.JWKSMinRefresh.D() > time.Hour) {
		add(p+".jwksMinRefresh", "must be between 1s and 1h")
	}
	if ic.Leeway < 0 || ic.Leeway.D() > MaxLeeway {
		add(p+".leeway", "must be between 0s and %s", MaxLeeway)
	}
	for j, cl := range ic.ClientIDClaims {
		if cl == "" {
			add(fmt.Sprintf("%s.clientIDClaims[%d]", p, j), "must not be empty")
		}
	}
	switch ic.Profile {
	case "", ProfileGeneric, ProfileEntra, ProfileAuth0, ProfileOkta, ProfileKeycloak:
	default:
		add(p+".profile", "unknown profile %q (one of generic, entra, auth0, okta, keycloak)", ic.Profile)
	}
	if in := ic.Introspection; in != nil {
		q := p + ".introspection"
		if in.URL != "" {
			if err := checkHTTPURL(in.URL, false); err != nil {
				add(q+".url", "%v", err)
			}
		}
		if in.ClientID == "" {
			add(q+".clientID", "required")
		}
		if err := in.ClientSecret.Validate(); err != nil {
			add(q+".clientSecret", "%v", err)
		}
		switch in.AuthMethod {
		case "", AuthMethodBasic, AuthMethodPost:
		default:
			add(q+".authMethod", "must be %s or %s", AuthMethodBasic, AuthMethodPost)
		}
		if in.CacheTTL < 0 || in.CacheTTL.D() > MaxIntrospectionTTL {
			add(q+".cacheTTL", "must be between 0s and %s", MaxIntrospectionTTL)
		}
	}
}

// checkHTTPURL requires an absolute https URL (http only for loopback
// hosts) without user info or fragment; strict also forbids a query.
func checkHTTPURL(raw string, strict bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q", raw)
	}
	if u.Host == "" || !u.IsAbs() {
		return fmt.Errorf("must be an absolute URL, got %q", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !loopback.Host(u.Hostname()) {
			return fmt.Errorf("must be https (http only for loopback), got %q", raw)
		}
	default:
		return fmt.Errorf("must be https (http only for loopback), got %q", raw)
	}
	if u.User != nil {
		return fmt.Errorf("must not contain user info")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("must not contain a fragment")
	}
	if strict && (u.RawQuery != "" || u.ForceQuery) {
		return fmt.Errorf("must not contain a query")
	}
	return nil
}

// validScopeToken reports whether s is a scope-token of RFC 6749 §3.3:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
