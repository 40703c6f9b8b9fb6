package authbridge

import (
	"strings"
	"time"
)

// Upstream authentication types accepted in [UpstreamAuthConfig.Type].
const (
	// UpstreamAuthNone sends no credentials upstream. The empty type means the same.
	UpstreamAuthNone = "none"
	// UpstreamAuthStatic sends a fixed API key, basic or bearer credential.
	UpstreamAuthStatic = "static"
	// UpstreamAuthClientCredentials sends a token the gateway obtains for
	// itself with the OAuth client credentials grant (RFC 6749 §4.4).
	UpstreamAuthClientCredentials = "clientCredentials"
	// UpstreamAuthTokenExchange sends a token obtained by exchanging the
	// caller's token (RFC 8693).
	UpstreamAuthTokenExchange = "tokenExchange"
	// UpstreamAuthEntraOBO sends a token obtained with the Microsoft Entra
	// on-behalf-of flow (jwt-bearer grant with requested_token_use=on_behalf_of).
	UpstreamAuthEntraOBO = "entraOBO"
)

// Client authentication methods accepted in [UpstreamAuthConfig.ClientAuth]
// (RFC 7591 §2 names).
const (
	// ClientAuthSecretBasic sends the client ID and secret in an HTTP Basic
	// Authorization header, form-URL-encoded first (RFC 6749 §2.3.1).
	ClientAuthSecretBasic = "client_secret_basic"
	// ClientAuthSecretPost sends client_id and client_secret as form fields.
	ClientAuthSecretPost = "client_secret_post"
	// ClientAuthPrivateKeyJWT sends a signed client assertion (RFC 7523 §2.2).
	ClientAuthPrivateKeyJWT = "private_key_jwt"
)

// Token type identifiers of RFC 8693 §3.
const (
	// TokenTypeAccessToken identifies an OAuth 2.0 access token.
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	// TokenTypeJWT identifies a JSON Web Token.
	TokenTypeJWT = "urn:ietf:params:oauth:token-type:jwt"
)

// Actor token sources accepted in [ActorTokenConfig.Source].
const (
	// ActorSourceClientCredentials obtains the actor token with the client
	// credentials grant from the same token endpoint and client.
	ActorSourceClientCredentials = "clientCredentials"
	// ActorSourceSecret reads a fixed actor token from a [Secret].
	ActorSourceSecret = "secret"
)

// Defaults applied by [NewCredentials].
const (
	// DefaultUpstreamTimeout bounds one token endpoint request.
	DefaultUpstreamTimeout = 10 * time.Second
	// DefaultTokenCacheSize is the entry bound of a cache built for one API.
	DefaultTokenCacheSize = 10000
)

// UpstreamAuthConfig selects how the gateway authenticates to an upstream
// API. It is set per API and may be overridden per operation by the gateway.
// The zero value sends no credentials.
//
// The caller's own access token is never sent upstream under any type.
type UpstreamAuthConfig struct {
	// Type is one of none (or empty), static, clientCredentials,
	// tokenExchange and entraOBO.
	Type string `json:"type,omitempty"`

	// Static configures type static.
	Static *StaticConfig `json:"static,omitempty"`

	// TokenURL is the token endpoint of the upstream's authorization
	// server. It must be https; http is accepted for loopback hosts only.
	TokenURL string `json:"tokenURL,omitempty"`
	// ClientID is the gateway's client ID at that authorization server.
	ClientID string `json:"clientID,omitempty"`
	// ClientSecret is the client secret for client_secret_basic and
	// client_secret_post.
	ClientSecret *Secret `json:"clientSecret,omitempty"`
	// ClientAuth is client_secret_basic (the default), client_secret_post
	// (the default for entraOBO) or private_key_jwt.
	ClientAuth string `json:"clientAuth,omitempty"`
	// PrivateKey is a PEM private key (PKCS#8, PKCS#1 or SEC 1) signing
	// client assertions for private_key_jwt.
	PrivateKey *Secret `json:"privateKey,omitempty"`
	// KeyID is the "kid" header of client assertions; empty omits it.
	KeyID string `json:"keyID,omitempty"`
	// Algorithm signs client assertions: RS256 (default for RSA keys),
	// PS256, or ES256 (default for EC P-256 keys).
	Algorithm string `json:"algorithm,omitempty"`

	// Scopes are the static scopes to request. They are always used by
	// clientCredentials unless PerOperationScopes is true, and are the
	// fallback of tokenExchange and entraOBO when an operation has no
	// scopes (e.g. "api://downstream/.default" for entraOBO).
	Scopes []string `json:"scopes,omitempty"`
	// PerOperationScopes requests the scopes of the called operation
	// (least privilege), each prefixed with ScopePrefix. It defaults to true
	// for tokenExchange and entraOBO and to false for clientCredentials.
	PerOperationScopes *bool `json:"perOperationScopes,omitempty"`
	// ScopePrefix is prepended to each operation scope, e.g.
	// "api://downstream/" turns "pets:read" into "api://downstream/pets:read".
	ScopePrefix string `json:"scopePrefix,omitempty"`
	// Audience is sent as the "audience" parameter (RFC 8693 §2.1).
	Audience string `json:"audience,omitempty"`
	// Resource is sent as the "resource" parameter (RFC 8707).
	Resource string `json:"resource,omitempty"`
	// RequestedTokenType is the RFC 8693 requested_token_type; it defaults
	// to [TokenTypeAccessToken]. tokenExchange only.
	RequestedTokenType string `json:"requestedTokenType,omitempty"`
	// ActorToken adds an actor token to token exchange requests
	// (delegation, RFC 8693 §1.1). tokenExchange only.
	ActorToken *ActorTokenConfig `json:"actorToken,omitempty"`

	// Header names the request header that carries the upstream token;
	// it defaults to Authorization.
	Header string `json:"header,omitempty"`
	// HeaderPrefix precedes the token in Header. It defaults to "Bearer "
	// for Authorization and to nothing for other headers.
	HeaderPrefix *string `json:"headerPrefix,omitempty"`
	// ConsentURL is where a user grants the upstream consent. When set it
	// is reported in [CredentialError.ConsentURL] on consent_required so
	// the gateway can ask the client to open it.
	ConsentURL string `json:"consentURL,omitempty"`

	// Timeout bounds one token endpoint request; zero means
	// [DefaultUpstreamTimeout].
	Timeout Duration `json:"timeout,omitempty"`
	// CacheSize bounds the token cache built when no shared cache is
	// passed in [CredentialsOptions.Cache]; zero means [DefaultTokenCacheSize].
	CacheSize int `json:"cacheSize,omitempty"`
}

// StaticConfig configures type static. Exactly one of Header, Query,
// Basic and Bearer is set.
type StaticConfig struct {
	// Header names the header that carries Prefix + Value, e.g. "X-API-Key".
	Header string `json:"header,omitempty"`
	// Query names the query parameter that carries Value.
	Query string `json:"query,omitempty"`
	// Basic sends HTTP Basic credentials (RFC 7617).
	Basic *BasicConfig `json:"basic,omitempty"`
	// Bearer sends "Authorization: Bearer " + Value.
	Bearer bool `json:"bearer,omitempty"`
	// Prefix precedes Value in Header, e.g. "Token ".
	Prefix string `json:"prefix,omitempty"`
	// Value is the credential; required unless Basic is set.
	Value *Secret `json:"value,omitempty"`
}

// BasicConfig holds HTTP Basic credentials.
type BasicConfig struct {
	// Username is the user name; it must not contain a colon.
	Username string `json:"username"`
	// Password is the password.
	Password Secret `json:"password"`
}

// ActorTokenConfig configures the actor token of a token exchange.
type ActorTokenConfig struct {
	// Source is clientCredentials (a token the gateway obtains for itself
	// from the same token endpoint) or secret (a fixed token in Token).
	Source string `json:"source"`
	// Token holds the actor token for source secret.
	Token *Secret `json:"token,omitempty"`
	// TokenType is the actor_token_type; it defaults to [TokenTypeAccessToken].
	TokenType string `json:"tokenType,omitempty"`
	// Scopes are requested for the actor token (source clientCredentials).
	Scopes []string `json:"scopes,omitempty"`
}

// kind returns the normalised type: the empty type is none.
func (c UpstreamAuthConfig) kind() string {
	if c.Type == "" {
		return UpstreamAuthNone
	}
	return c.Type
}

// clientAuth returns the client authentication method with its default.
func (c UpstreamAuthConfig) clientAuth() string {
	switch {
	case c.ClientAuth != "":
		return c.ClientAuth
	case c.PrivateKey != nil && c.ClientSecret == nil:
		return ClientAuthPrivateKeyJWT
	case c.kind() == UpstreamAuthEntraOBO:
		return ClientAuthSecretPost
	}
	return ClientAuthSecretBasic
}

// perOperationScopes returns PerOperationScopes with its per-type default.
func (c UpstreamAuthConfig) perOperationScopes() bool {
	if c.PerOperationScopes != nil {
		return *c.PerOperationScopes
	}
	return c.kind() != UpstreamAuthClientCredentials
}

// requestedTokenType returns RequestedTokenType with its default.
func (c UpstreamAuthConfig) requestedTokenType() string {
	if c.RequestedTokenType != "" {
		return c.RequestedTokenType
	}
	return TokenTypeAccessToken
}

// timeout returns Timeout with its default.
func (c UpstreamAuthConfig) timeout() time.Duration {
	if c.Timeout > 0 {
		return time.Duration(c.Timeout)
	}
	return DefaultUpstreamTimeout
}

// placement returns where the resulting token goes.
func (c UpstreamAuthConfig) placement() tokenPlacement {
	p := tokenPlacement{header: "Authorization", prefix: "Bearer "}
	if c.Header != "" {
		p.header = c.Header
		if !strings.EqualFold(c.Header, "Authorization") {
			p.prefix = ""
		}
	}
	if c.HeaderPrefix != nil {
		p.prefix = *c.HeaderPrefix
	}
	return p
}
