package authbridge

import (
	"context"
	"net/http"
	"net/url"
)

// delegated obtains a token on behalf of the caller by presenting the
// caller's token to the token endpoint: RFC 8693 token exchange or the
// Entra on-behalf-of flow, which differ only in their form.
type delegated struct {
	*oauthBase
	// form builds the grant-specific fields for subject and scopes.
	form func(ctx context.Context, subject string, scopes []string) (url.Values, error)
	// requireScopes rejects calls without any scope to request.
	requireScopes bool
	// allowNA accepts token_type N_A (RFC 8693 non-access tokens).
	allowNA bool
}

func (d *delegated) apply(ctx context.Context, req *http.Request, p *Principal, opScopes []string) error {
	subject, err := d.requireSubject(p)
	if err != nil {
		return err
	}
	scopes := d.scopes.forOperation(opScopes)
	if d.requireScopes && len(scopes) == 0 {
		return &CredentialError{
			Code:    CredentialNoScopes,
			Message: "no scopes to request for the upstream API " + d.svc.api + "; an administrator must set upstreamAuth.scopes or the operation's scopes",
		}
	}
	k := d.key(p, scopes)
	tok, ok := d.cache.lookup(k.id, true)
	if !ok {
		tok, err = d.cache.fill(ctx, k, p.Expiry, d.timeout, func(ctx context.Context) (fetchedToken, error) {
			start := d.now()
			g, err := d.fetch(ctx, subject, scopes)
			d.logGrant(ctx, g, scopes, start, err)
			return g.fetchedToken, err
		})
		if err != nil {
			return err
		}
	}
	return d.place.set(req, tok, p, d.svc)
}

// fetch runs one delegated token request and refuses an answer that echoes
// the caller's token.
func (d *delegated) fetch(ctx context.Context, subject string, scopes []string) (grant, error) {
	form, err := d.form(ctx, subject, scopes)
	if err != nil {
		return grant{}, err
	}
	g, err := d.ep.post(ctx, form, scopes, d.allowNA)
	if err != nil {
		return grant{}, err
	}
	if sameToken(g.token, subject) {
		return grant{}, d.svc.passthroughRefused("the token service returned the caller's token")
	}
	return g, nil
}
