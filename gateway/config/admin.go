package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/internal/loopback"
)

// Defaults and bounds of the admin sign-in.
const (
	// DefaultAdminSessionTTL is how long an admin sign-in lasts.
	DefaultAdminSessionTTL = 8 * time.Hour
	// MinAdminSessionTTL and MaxAdminSessionTTL bound admin.oidc.sessionTTL.
	MinAdminSessionTTL = time.Minute
	MaxAdminSessionTTL = 7 * 24 * time.Hour
	// DefaultAdminRoleClaim is the ID token claim holding the admin role.
	DefaultAdminRoleClaim = "roles"
)

// Admin configures how the registry's web UI and admin API are reached.
type Admin struct {
	// PublicURL is the base URL browsers use for the UI (the OIDC
	// redirect URI is PublicURL + "/signin/callback"). Defaults to the
	// gateway's publicURL, or http://<adminListen> when adminListen is set.
	PublicURL string `json:"publicURL,omitempty"`
	// OIDC turns on sign-in to the UI with an OpenID Provider.
	OIDC *AdminOIDC `json:"oidc,omitempty"`
}

// AdminOIDC is the OpenID Connect sign-in of the UI (authorization code
// with PKCE S256). Only users whose ID token's RoleClaim contains
// RoleValue may administer the registry.
type AdminOIDC struct {
	// Issuer is the OpenID Provider's issuer URL (https, or http on
	// loopback).
	Issuer string `json:"issuer"`
	// ClientID is the UI's client at the provider.
	ClientID string `json:"clientID"`
	// ClientSecret is the client's secret (fromEnv or fromFile); empty for
	// a public client (PKCE only).
	ClientSecret *authbridge.Secret `json:"clientSecret,omitempty"`
	// Scopes requested besides "openid" (e.g. profile, email, roles).
	Scopes []string `json:"scopes,omitempty"`
	// RoleClaim names the ID token claim that grants admin rights: a
	// string (space-separated values, like "scope") or an array of
	// strings. Default "roles".
	RoleClaim string `json:"roleClaim,omitempty"`
	// RoleValue is the value RoleClaim must contain (required).
	RoleValue string `json:"roleValue"`
	// SessionTTL is how long a sign-in lasts (default 8h, 1m to 7 days).
	SessionTTL Duration `json:"sessionTTL,omitempty"`
	// SessionKey signs session cookies (fromEnv or fromFile, at least 32
	// bytes). Give every replica the same key; empty means a random key
	// per process (sign-ins end with a restart).
	SessionKey *authbridge.Secret `json:"sessionKey,omitempty"`
}

// AdminListenIsLoopback reports whether the UI and admin API listen on a
// loopback address: adminListen when set, else listen.
func (c *Config) AdminListenIsLoopback() bool {
	addr := c.Listen
	if c.AdminListen != "" {
		addr = c.AdminListen
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return loopback.Host(host)
}

// AdminPublicURL is the base URL of the UI and admin API (see
// [Admin.PublicURL]).
func (c *Config) AdminPublicURL() string {
	switch {
	case c.Admin != nil && c.Admin.PublicURL != "":
		return c.Admin.PublicURL
	case c.AdminListen != "":
		return "http://" + c.AdminListen
	}
	return c.PublicURL
}

// validateAdmin checks adminListen and the admin section.
func (c *Config) validateAdmin(p *problems) {
	if c.AdminListen != "" {
		if _, _, err := net.SplitHostPort(c.AdminListen); err != nil {
			p.add("adminListen", "must be host:port, got %q", c.AdminListen)
		}
		// Port 0 (any free port, in tests) never clashes.
		if c.AdminListen == c.Listen && !strings.HasSuffix(c.Listen, ":0") {
			p.add("adminListen", "must differ from listen (%s); leave it empty to serve the UI and admin API on the main listener", c.Listen)
		}
		if c.MetricsListen != "" && c.AdminListen == c.MetricsListen && !strings.HasSuffix(c.AdminListen, ":0") {
			p.add("adminListen", "must differ from metricsListen (%s)", c.MetricsListen)
		}
	}
	if c.Admin == nil {
		return
	}
	adminURL := c.AdminPublicURL()
	if c.Admin.PublicURL != "" {
		if u, err := url.Parse(c.Admin.PublicURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
			p.add("admin.publicURL", "must be an absolute http(s) URL without path, query or fragment, got %q", c.Admin.PublicURL)
		}
	}
	o := c.Admin.OIDC
	if o == nil {
		return
	}
	if u, err := url.Parse(adminURL); err == nil && u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		p.add("admin.publicURL", "must be https for OIDC sign-in (session cookies need it; http only on loopback), got %q", adminURL)
	}
	u, err := url.Parse(o.Issuer)
	switch {
	case o.Issuer == "":
		p.add("admin.oidc.issuer", "required: the OpenID Provider's issuer URL")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		p.add("admin.oidc.issuer", "must be an absolute https URL, got %q", o.Issuer)
	case u.Scheme == "http" && !loopback.Host(u.Hostname()):
		p.add("admin.oidc.issuer", "must be https (http only on loopback), got %q", o.Issuer)
	}
	if o.ClientID == "" {
		p.add("admin.oidc.clientID", "required: the UI's client id at the provider")
	}
	if o.ClientSecret != nil {
		if err := o.ClientSecret.Validate(); err != nil {
			p.addErr("admin.oidc.clientSecret", err)
		} else if o.ClientSecret.Value != "" {
			p.add("admin.oidc.clientSecret", "give a reference (fromEnv or fromFile), not the value")
		}
	}
	if o.SessionKey != nil {
		if err := o.SessionKey.Validate(); err != nil {
			p.addErr("admin.oidc.sessionKey", err)
		} else if o.SessionKey.Value != "" {
			p.add("admin.oidc.sessionKey", "give a reference (fromEnv or fromFile), not the value")
		}
	}
	if o.RoleValue == "" {
		p.add("admin.oidc.roleValue", "required: the value of %s that makes a user an admin (e.g. rest2mcp-admin)", o.roleClaim())
	}
	for i, s := range o.Scopes {
		if s == "" || s == "openid" {
			p.add(fmt.Sprintf("admin.oidc.scopes[%d]", i), "must be a scope other than openid (always requested), got %q", s)
		}
	}
	if d := o.SessionTTL.D(); d != 0 && (d < MinAdminSessionTTL || d > MaxAdminSessionTTL) {
		p.add("admin.oidc.sessionTTL", "must be between %s and %s, got %s", MinAdminSessionTTL, MaxAdminSessionTTL, d)
	}
}

func (o *AdminOIDC) roleClaim() string {
	if o.RoleClaim == "" {
		return DefaultAdminRoleClaim
	}
	return o.RoleClaim
}

// EffectiveRoleClaim is RoleClaim or its default.
func (o *AdminOIDC) EffectiveRoleClaim() string { return o.roleClaim() }

// EffectiveSessionTTL is SessionTTL or its default.
func (o *AdminOIDC) EffectiveSessionTTL() time.Duration {
	if d := o.SessionTTL.D(); d > 0 {
		return d
	}
	return DefaultAdminSessionTTL
}
