package authbridge

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rest2mcp/rest2mcp/internal/loopback"
)

// Validate checks c completely and returns every problem, each prefixed
// with its path under "upstreamAuth". It does no I/O: secrets are checked
// for shape, not resolved.
func (c UpstreamAuthConfig) Validate() error { return c.ValidateAt("upstreamAuth") }

// ValidateAt is [UpstreamAuthConfig.Validate] with path as the prefix of
// each problem, e.g. "apis[2].upstreamAuth" or
// "apis[2].operations.listPets.upstreamAuth".
func (c UpstreamAuthConfig) ValidateAt(path string) error {
	v := validator{path: path}
	switch c.kind() {
	case UpstreamAuthNone:
		v.onlyFor(c, "none")
	case UpstreamAuthStatic:
		v.onlyFor(c, UpstreamAuthStatic)
		v.static(c.Static)
	case UpstreamAuthClientCredentials, UpstreamAuthTokenExchange, UpstreamAuthEntraOBO:
		v.onlyFor(c, c.Type)
		v.oauth(c)
	default:
		v.addf("type", "must be one of none, static, clientCredentials, tokenExchange, entraOBO; got %q", c.Type)
	}
	if c.Timeout < 0 {
		v.addf("timeout", "must not be negative")
	}
	if c.CacheSize < 0 {
		v.addf("cacheSize", "must not be negative")
	}
	return errors.Join(v.errs...)
}

// validator collects problems under a path prefix.
type validator struct {
	path string
	errs []error
}

func (v *validator) addf(field, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s.%s: %s", v.path, field, fmt.Sprintf(format, args...)))
}

// onlyFor reports fields that belong to other types.
func (v *validator) onlyFor(c UpstreamAuthConfig, kind string) {
	if c.Static != nil && kind != UpstreamAuthStatic {
		v.addf("static", "only valid with type static")
	}
	if kind == UpstreamAuthNone || kind == UpstreamAuthStatic {
		oauthFields := []struct {
			name string
			set  bool
		}{
			{"tokenURL", c.TokenURL != ""}, {"clientID", c.ClientID != ""},
			{"clientSecret", c.ClientSecret != nil}, {"clientAuth", c.ClientAuth != ""},
			{"privateKey", c.PrivateKey != nil}, {"scopes", len(c.Scopes) > 0},
			{"audience", c.Audience != ""}, {"resource", c.Resource != ""},
			{"header", c.Header != ""}, {"headerPrefix", c.HeaderPrefix != nil},
			{"consentURL", c.ConsentURL != ""},
		}
		for _, f := range oauthFields {
			if f.set {
				v.addf(f.name, "not valid with type %s", kind)
			}
		}
	}
	if kind != UpstreamAuthTokenExchange {
		if c.RequestedTokenType != "" {
			v.addf("requestedTokenType", "only valid with type tokenExchange")
		}
		if c.ActorToken != nil {
			v.addf("actorToken", "only valid with type tokenExchange")
		}
	}
}

func (v *validator) static(s *StaticConfig) {
	if s == nil {
		v.addf("static", "required for type static")
		return
	}
	modes := 0
	for _, set := range []bool{s.Header != "", s.Query != "", s.Basic != nil, s.Bearer} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		v.addf("static", "exactly one of header, query, basic, bearer must be set")
	}
	if s.Header != "" {
		if err := checkHeaderName(s.Header); err != nil {
			v.addf("static.header", "%v", err)
		}
	}
	if s.Prefix != "" && s.Header == "" {
		v.addf("static.prefix", "only valid with static.header")
	}
	if strings.ContainsAny(s.Prefix, "\r\n") {
		v.addf("static.prefix", "must not contain line breaks")
	}
	if s.Basic != nil {
		if s.Value != nil {
			v.addf("static.value", "not valid with static.basic; use static.basic.password")
		}
		if s.Basic.Username == "" {
			v.addf("static.basic.username", "required")
		}
		if strings.Contains(s.Basic.Username, ":") {
			v.addf("static.basic.username", "must not contain a colon (RFC 7617)")
		}
		if err := s.Basic.Password.Validate(); err != nil {
			v.addf("static.basic.password", "%v", err)
		}
		return
	}
	if s.Value == nil {
		v.addf("static.value", "required")
	} else if err := s.Value.Validate(); err != nil {
		v.addf("static.value", "%v", err)
	}
}

func (v *validator) oauth(c UpstreamAuthConfig) {
	if c.TokenURL == "" {
		v.addf("tokenURL", "required for %s; must be https (http only for loopback)", c.Type)
	} else if err := checkEndpointURL(c.TokenURL); err != nil {
		v.addf("tokenURL", "%v", err)
	}
	if c.ClientID == "" {
		v.addf("clientID", "required for %s", c.Type)
	}
	switch auth := c.clientAuth(); auth {
	case ClientAuthSecretBasic, ClientAuthSecretPost:
		if c.ClientSecret == nil {
			v.addf("clientSecret", "required for clientAuth %s", auth)
		}
		if c.PrivateKey != nil {
			v.addf("privateKey", "only valid with clientAuth private_key_jwt")
		}
	case ClientAuthPrivateKeyJWT:
		if c.PrivateKey == nil {
			v.addf("privateKey", "required for clientAuth private_key_jwt")
		}
		if c.ClientSecret != nil {
			v.addf("clientSecret", "not valid with clientAuth private_key_jwt")
		}
	default:
		v.addf("clientAuth", "must be one of client_secret_basic, client_secret_post, private_key_jwt; got %q", auth)
	}
	if c.ClientSecret != nil {
		if err := c.ClientSecret.Validate(); err != nil {
			v.addf("clientSecret", "%v", err)
		}
	}
	if c.PrivateKey != nil {
		if err := c.PrivateKey.Validate(); err != nil {
			v.addf("privateKey", "%v", err)
		}
	}
	switch c.Algorithm {
	case "", "RS256", "PS256", "ES256":
	default:
		v.addf("algorithm", "must be one of RS256, PS256, ES256; got %q", c.Algorithm)
	}
	if (c.Algorithm != "" || c.KeyID != "") && c.clientAuth() != ClientAuthPrivateKeyJWT {
		v.addf("algorithm", "algorithm and keyID are only valid with clientAuth private_key_jwt")
	}
	for i, s := range c.Scopes {
		if err := checkScope(s); err != nil {
			v.addf(fmt.Sprintf("scopes[%d]", i), "%v", err)
		}
	}
	if strings.ContainsAny(c.ScopePrefix, " \t\r\n\"\\") {
		v.addf("scopePrefix", "must not contain spaces, quotes or backslashes")
	}
	if c.kind() == UpstreamAuthEntraOBO && !c.perOperationScopes() && len(c.Scopes) == 0 {
		v.addf("scopes", "required for entraOBO when perOperationScopes is false, e.g. api://downstream/.default")
	}
	if c.Resource != "" {
		if u, err := url.Parse(c.Resource); err != nil || !u.IsAbs() || u.Fragment != "" {
			v.addf("resource", "must be an absolute URI without a fragment (RFC 8707)")
		}
	}
	if c.Header != "" {
		if err := checkHeaderName(c.Header); err != nil {
			v.addf("header", "%v", err)
		}
	}
	if c.HeaderPrefix != nil && strings.ContainsAny(*c.HeaderPrefix, "\r\n") {
		v.addf("headerPrefix", "must not contain line breaks")
	}
	if c.ConsentURL != "" {
		if err := checkEndpointURL(c.ConsentURL); err != nil {
			v.addf("consentURL", "%v", err)
		}
	}
	if c.ActorToken != nil {
		v.actor(*c.ActorToken)
	}
}

func (v *validator) actor(a ActorTokenConfig) {
	switch a.Source {
	case ActorSourceClientCredentials:
		if a.Token != nil {
			v.addf("actorToken.token", "only valid with source secret")
		}
	case ActorSourceSecret:
		if a.Token == nil {
			v.addf("actorToken.token", "required for source secret")
		} else if err := a.Token.Validate(); err != nil {
			v.addf("actorToken.token", "%v", err)
		}
		if len(a.Scopes) > 0 {
			v.addf("actorToken.scopes", "only valid with source clientCredentials")
		}
	default:
		v.addf("actorToken.source", "must be clientCredentials or secret; got %q", a.Source)
	}
	for i, s := range a.Scopes {
		if err := checkScope(s); err != nil {
			v.addf(fmt.Sprintf("actorToken.scopes[%d]", i), "%v", err)
		}
	}
}

// checkEndpointURL accepts absolute https URLs, and http URLs whose host is
// a loopback address or "localhost".
func checkEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("must be an absolute URL, got %q", raw)
	}
	if u.Fragment != "" || u.User != nil {
		return fmt.Errorf("must not contain a fragment or user info")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback.Host(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("must be https (http only for loopback), got %q", u.Scheme+"://"+u.Host)
}

// checkScope rejects scope tokens that RFC 6749 §3.3 does not allow.
func checkScope(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			return fmt.Errorf("invalid character %q in scope (RFC 6749 §3.3)", c)
		}
	}
	return nil
}

// isForbiddenHeader reports whether a header cannot carry credentials
// without breaking the request.
func isForbiddenHeader(h string) bool {
	switch http.CanonicalHeaderKey(h) {
	case "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Te", "Trailer", "Upgrade":
		return true
	}
	return false
}

// checkHeaderName accepts RFC 9110 field names that may carry a credential.
func checkHeaderName(h string) error {
	for i := 0; i < len(h); i++ {
		c := h[i]
		isAlnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !isAlnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return fmt.Errorf("invalid header name %q", h)
		}
	}
	if isForbiddenHeader(h) {
		return fmt.Errorf("header %q cannot carry credentials", h)
	}
	return nil
}
