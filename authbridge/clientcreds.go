package authbridge

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// clientCredentials obtains the gateway's own token with the client
// credentials grant (RFC 6749 §4.4) through x/oauth2, one cached token
// per scope set. The caller's identity plays no part.
type clientCredentials struct {
	*oauthBase
	audience string
	resource string
}

func newClientCredentials(b *oauthBase) *clientCredentials {
	return &clientCredentials{oauthBase: b, audience: b.cfg.Audience, resource: b.cfg.Resource}
}

func (c *clientCredentials) apply(ctx context.Context, req *http.Request, p *Principal, scopes []string) error {
	tok, err := c.token(ctx, c.scopes.forOperation(scopes))
	if err != nil {
		return err
	}
	return c.place.set(req, tok, p, c.svc)
}

// token returns a cached or fresh token for scopes.
func (c *clientCredentials) token(ctx context.Context, scopes []string) (string, error) {
	k := c.key(nil, scopes)
	if tok, ok := c.cache.lookup(k.id, true); ok {
		return tok, nil
	}
	return c.cache.fill(ctx, k, time.Time{}, c.timeout, func(ctx context.Context) (fetchedToken, error) {
		start := c.now()
		g, err := c.fetch(ctx, scopes)
		c.logGrant(ctx, g, scopes, start, err)
		return g.fetchedToken, err
	})
}

// fetch runs one client credentials request.
func (c *clientCredentials) fetch(ctx context.Context, scopes []string) (grant, error) {
	conf := &clientcredentials.Config{
		ClientID:       c.ep.clientID,
		TokenURL:       c.ep.url,
		Scopes:         scopes,
		EndpointParams: url.Values{},
	}
	if c.audience != "" {
		conf.EndpointParams.Set("audience", c.audience)
	}
	if c.resource != "" {
		conf.EndpointParams.Set("resource", c.resource)
	}
	switch c.ep.auth {
	case ClientAuthSecretPost:
		conf.ClientSecret, conf.AuthStyle = c.ep.secret, oauth2.AuthStyleInParams
	case ClientAuthPrivateKeyJWT:
		a, err := c.ep.signer.sign()
		if err != nil {
			return grant{}, err
		}
		// With no secret, AuthStyleInParams sends only client_id.
		conf.AuthStyle = oauth2.AuthStyleInParams
		conf.EndpointParams.Set("client_assertion_type", clientAssertionType)
		conf.EndpointParams.Set("client_assertion", a)
	default:
		conf.ClientSecret, conf.AuthStyle = c.ep.secret, oauth2.AuthStyleInHeader
	}
	tk, err := conf.Token(context.WithValue(ctx, oauth2.HTTPClient, c.ep.client))
	if err != nil {
		return grant{}, c.mapError(ctx, err, scopes)
	}
	if !validHeaderValue(tk.AccessToken) {
		return grant{}, c.svc.invalidResponse(0, "access_token contains control characters")
	}
	if err := checkTokenType(tk.TokenType, false); err != nil {
		return grant{}, c.svc.invalidResponse(0, err.Error())
	}
	g := grant{fetchedToken: fetchedToken{token: tk.AccessToken}}
	switch {
	case tk.ExpiresIn != 0:
		g.lifetime = clampLifetime(time.Duration(tk.ExpiresIn) * time.Second)
	case !tk.Expiry.IsZero():
		g.lifetime = clampLifetime(time.Until(tk.Expiry))
	}
	if s, ok := tk.Extra("scope").(string); ok {
		g.scope = s
	}
	return g, nil
}

// mapError turns x/oauth2 errors into [CredentialError] values without
// the response body x/oauth2 keeps in its error text.
func (c *clientCredentials) mapError(ctx context.Context, err error, scopes []string) error {
	var re *oauth2.RetrieveError
	var ue *url.Error
	switch {
	case errors.As(err, &re):
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return c.svc.oauthError(status, re.ErrorCode, "", re.ErrorDescription, scopes)
	case errors.As(err, &ue):
		return c.svc.transportError(ue)
	case ctx.Err() != nil:
		return c.svc.transportError(ctx.Err())
	}
	return c.svc.invalidResponse(0, "malformed, oversized or incomplete token response")
}

// clampLifetime maps non-positive lifetimes to one too short to cache and
// caps long ones at maxTokenLifetime.
func clampLifetime(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return time.Nanosecond
	case d > maxTokenLifetime:
		return maxTokenLifetime
	}
	return d
}
