package authbridge

import (
	"context"
	"net/url"
	"strings"
)

// grantJWTBearer is the RFC 7523 grant type Entra uses for on-behalf-of.
const grantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// newOBO returns a Microsoft Entra on-behalf-of strategy. Entra requires a
// scope, e.g. "api://downstream/.default" or per-operation scopes with
// [UpstreamAuthConfig.ScopePrefix].
func newOBO(b *oauthBase) *delegated {
	return &delegated{oauthBase: b, form: oboForm, requireScopes: true}
}

// oboForm returns the on-behalf-of request fields; client authentication
// is added by the token endpoint.
func oboForm(_ context.Context, subject string, scopes []string) (url.Values, error) {
	return url.Values{
		"grant_type":          {grantJWTBearer},
		"assertion":           {subject},
		"requested_token_use": {"on_behalf_of"},
		"scope":               {strings.Join(scopes, " ")},
	}, nil
}
