package authbridge

import (
	"encoding/json"
	"fmt"
	"time"
)

// Config is the inbound authorization section ("auth") of one API.
type Config struct {
	// Issuers lists the trusted authorization servers. At least one is
	// required; tokens from any other issuer are rejected.
	Issuers []IssuerConfig `json:"issuers"`
	// Scopes are the baseline scopes advertised in the protected resource
	// metadata (scopes_supported) and in 401 challenges. Policies may supply
	// them instead. offline_access is never advertised.
	Scopes []string `json:"scopes,omitempty"`
	// ResourceName is the human-readable resource_name of the metadata.
	ResourceName string `json:"resourceName,omitempty"`
	// ResourceDocumentation is the resource_documentation URL of the
	// metadata.
	ResourceDocumentation string `json:"resourceDocumentation,omitempty"`
	// RateLimit limits tool calls per subject; nil means no limit.
	RateLimit *RateLimitConfig `json:"rateLimit,omitempty"`
}

// IssuerConfig describes one trusted authorization server.
type IssuerConfig struct {
	// Issuer is the issuer identifier, compared exactly with the token's
	// "iss" and with the "issuer" of the discovered metadata.
	Issuer string `json:"issuer"`
	// Audiences lists audiences accepted in addition to the resource URL,
	// which is always accepted (for example an Entra App ID URI
	// "api://…" or the application's client ID). Compared exactly.
	Audiences []string `json:"audiences,omitempty"`
	// MetadataURL is an explicit authorization server metadata URL. Empty
	// means discovery in the MCP order (RFC 8414, then OpenID Connect).
	MetadataURL string `json:"metadataURL,omitempty"`
	// JWKSURL is an explicit JSON Web Key Set URL; when set, metadata is
	// fetched only if introspection needs its endpoint.
	JWKSURL string `json:"jwksURL,omitempty"`
	// Algorithms lists the accepted JWS algorithms. Empty means
	// [DefaultAlgorithms]. "none" and HMAC algorithms are never accepted.
	Algorithms []string `json:"algorithms,omitempty"`
	// RequireTyp enforces the RFC 9068 header typ "at+jwt" (or
	// "application/at+jwt"), which keeps ID tokens out.
	RequireTyp bool `json:"requireTyp,omitempty"`
	// Leeway is the tolerated clock skew for exp, nbf and iat. Zero means
	// 30s; at most 5m.
	Leeway Duration `json:"leeway,omitempty"`
	// ScopeClaim names the claim holding the granted scopes (a
	// space-separated string or an array). Empty means "scope", then "scp".
	ScopeClaim string `json:"scopeClaim,omitempty"`
	// ClientIDClaims lists the claims tried, in order, for the client ID.
	// Empty means client_id, azp, appid.
	ClientIDClaims []string `json:"clientIDClaims,omitempty"`
	// RolesClaim names the claim holding application roles. Empty means
	// "roles". Roles are only used when RolesAsScopes is set.
	RolesClaim string `json:"rolesClaim,omitempty"`
	// RolesAsScopes adds the roles to the principal's scopes, for
	// app-only tokens (Entra client credentials carry "roles", not "scp").
	RolesAsScopes bool `json:"rolesAsScopes,omitempty"`
	// JWKSMinRefresh is the minimum time between two JWKS fetches caused
	// by tokens with an unknown key id (key rotation). Zero means 30s;
	// it must be between 1s and 1h.
	JWKSMinRefresh Duration `json:"jwksMinRefresh,omitempty"`
	// Introspection enables RFC 7662 introspection for opaque tokens.
	Introspection *IntrospectionConfig `json:"introspection,omitempty"`
	// Profile names the identity provider flavour: "", "generic", "entra",
	// "auth0", "okta" or "keycloak". It only changes defaults and the
	// warnings of [Config.Warnings]; empty means detect from the issuer.
	Profile string `json:"profile,omitempty"`
}

// IntrospectionConfig configures RFC 7662 token introspection.
type IntrospectionConfig struct {
	// URL is the introspection endpoint. Empty means the
	// introspection_endpoint of the issuer's metadata.
	URL string `json:"url,omitempty"`
	// ClientID is the gateway's client ID at the authorization server.
	ClientID string `json:"clientID"`
	// ClientSecret authenticates the gateway.
	ClientSecret Secret `json:"clientSecret"`
	// AuthMethod is "client_secret_basic" (default) or
	// "client_secret_post".
	AuthMethod string `json:"authMethod,omitempty"`
	// CacheTTL bounds how long an active result is cached (never beyond the
	// token's exp). Zero means 60s; at most 10m.
	CacheTTL Duration `json:"cacheTTL,omitempty"`
	// AllowMissingAudience accepts introspection answers without "aud".
	// By default they are rejected, since nothing then shows the token was
	// issued for this resource; set it only for an authorization server
	// that issues tokens for this resource alone.
	AllowMissingAudience bool `json:"allowMissingAudience,omitempty"`
}

// RateLimitConfig limits tool calls per caller (issuer and subject).
type RateLimitConfig struct {
	// RequestsPerMinute is the sustained rate; it must be positive.
	RequestsPerMinute int `json:"requestsPerMinute"`
	// Burst is the bucket size. Zero means RequestsPerMinute.
	Burst int `json:"burst,omitempty"`
	// MaxSubjects bounds the number of tracked callers; the least recently
	// seen are forgotten first. Zero means 10000.
	MaxSubjects int `json:"maxSubjects,omitempty"`
}

// Authentication methods for [IntrospectionConfig.AuthMethod].
const (
	AuthMethodBasic = "client_secret_basic"
	AuthMethodPost  = "client_secret_post"
)

// Identity provider profiles for [IssuerConfig.Profile].
const (
	ProfileGeneric  = "generic"
	ProfileEntra    = "entra"
	ProfileAuth0    = "auth0"
	ProfileOkta     = "okta"
	ProfileKeycloak = "keycloak"
)

// DefaultAlgorithms returns the JWS algorithms accepted when
// [IssuerConfig.Algorithms] is empty.
func DefaultAlgorithms() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

// Defaults and bounds of the configuration.
const (
	DefaultLeeway           = 30 * time.Second
	MaxLeeway               = 5 * time.Minute
	DefaultIntrospectionTTL = 60 * time.Second
	MaxIntrospectionTTL     = 10 * time.Minute
	DefaultMaxSubjects      = 10000
)

// Duration is a time.Duration written as a Go duration string ("30s") in
// YAML and JSON.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string such as "30s" or "1m30s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"30s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}

func (ic IssuerConfig) leeway() time.Duration {
	if ic.Leeway == 0 {
		return DefaultLeeway
	}
	return ic.Leeway.D()
}

func (ic IssuerConfig) algorithms() []string {
	if len(ic.Algorithms) == 0 {
		return DefaultAlgorithms()
	}
	return ic.Algorithms
}

func (ic IssuerConfig) clientIDClaims() []string {
	if len(ic.ClientIDClaims) == 0 {
		return []string{"client_id", "azp", "appid"}
	}
	return ic.ClientIDClaims
}

func (ic IssuerConfig) rolesClaim() string {
	if ic.RolesClaim == "" {
		return "roles"
	}
	return ic.RolesClaim
}

func (c IntrospectionConfig) cacheTTL() time.Duration {
	if c.CacheTTL == 0 {
		return DefaultIntrospectionTTL
	}
	return c.CacheTTL.D()
}

func (c IntrospectionConfig) authMethod() string {
	if c.AuthMethod == "" {
		return AuthMethodBasic
	}
	return c.AuthMethod
}
