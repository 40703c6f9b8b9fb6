package authbridge

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// RFC 8693 token exchange grant type.
const grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

// exchange builds the RFC 8693 form fields on top of [delegated].
type exchange struct {
	requestedType string
	audience      string
	resource      string
	actor         *actorToken
}

// actorToken supplies the actor_token of a delegation exchange.
type actorToken struct {
	tokenType string
	static    string             // source secret
	cc        *clientCredentials // source clientCredentials
	scopes    []string
}

// newExchange returns an RFC 8693 token exchange strategy.
func newExchange(b *oauthBase, lookupEnv func(string) (string, bool)) (*delegated, error) {
	x := &exchange{requestedType: b.cfg.requestedTokenType(), audience: b.cfg.Audience, resource: b.cfg.Resource}
	if a := b.cfg.ActorToken; a != nil {
		at := &actorToken{tokenType: a.TokenType, scopes: normalizeScopes(a.Scopes)}
		if at.tokenType == "" {
			at.tokenType = TokenTypeAccessToken
		}
		switch a.Source {
		case ActorSourceSecret:
			v, err := a.Token.Resolve(lookupEnv)
			if err != nil {
				return nil, fmt.Errorf("upstreamAuth.actorToken.token: %w", err)
			}
			at.static = v
			b.id = strategyID(b.name, b.cfg, "actor", ActorSourceSecret, at.tokenType, string(hashToken(v)))
		default:
			ab := *b
			ab.id = strategyID(b.name, b.cfg, "actor-token", ActorSourceClientCredentials)
			ab.scopes = newScopePolicy(false, "", at.scopes)
			at.cc = &clientCredentials{oauthBase: &ab}
			b.id = strategyID(b.name, b.cfg, "actor", ActorSourceClientCredentials, at.tokenType, strings.Join(at.scopes, " "))
		}
		x.actor = at
	}
	return &delegated{
		oauthBase: b,
		form:      x.form,
		allowNA:   x.requestedType != TokenTypeAccessToken,
	}, nil
}

// form returns the RFC 8693 §2.1 request fields.
func (x *exchange) form(ctx context.Context, subject string, scopes []string) (url.Values, error) {
	f := url.Values{
		"grant_type":           {grantTokenExchange},
		"subject_token":        {subject},
		"subject_token_type":   {TokenTypeAccessToken},
		"requested_token_type": {x.requestedType},
	}
	if x.audience != "" {
		f.Set("audience", x.audience)
	}
	if x.resource != "" {
		f.Set("resource", x.resource)
	}
	if len(scopes) > 0 {
		f.Set("scope", strings.Join(scopes, " "))
	}
	if x.actor != nil {
		tok := x.actor.static
		if x.actor.cc != nil {
			var err error
			if tok, err = x.actor.cc.token(ctx, x.actor.scopes); err != nil {
				return nil, err
			}
		}
		f.Set("actor_token", tok)
		f.Set("actor_token_type", x.actor.tokenType)
	}
	return f, nil
}
