package devauth

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
)

// Token types of RFC 8693.
const (
	tokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	tokenTypeJWT         = "urn:ietf:params:oauth:token-type:jwt"
)

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.provider.WriteAccessError(ctx, w, nil, fosite.ErrInvalidRequest.WithHint("The token request is not a valid form."))
		return
	}
	grant := r.PostForm.Get("grant_type")
	resources := r.PostForm["resource"]
	if grant == grantClientCredentials {
		res, err := s.requestedResources(resources)
		if err != nil {
			s.provider.WriteAccessError(ctx, w, nil, err)
			return
		}
		r.PostForm["audience"] = res
	}
	ar, err := s.provider.NewAccessRequest(ctx, r, s.newSession("", ""))
	if err != nil {
		s.log.InfoContext(ctx, "token request refused", "grant_type", grant, "err", err)
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	switch grant {
	case grantClientCredentials:
		id := ar.GetClient().GetID()
		if js, ok := ar.GetSession().(*oauth2.JWTSession); ok {
			js.JWTClaims.Subject, js.Subject = id, id
			js.JWTClaims.Extra["client_id"] = id
		}
		for _, sc := range ar.GetRequestedScopes() {
			ar.GrantScope(sc)
		}
		for _, a := range ar.GetRequestedAudience() {
			ar.GrantAudience(a)
		}
	}
	if js, ok := ar.GetSession().(*oauth2.JWTSession); ok && js.JWTClaims != nil {
		// A refreshed token gets its own iat (the stored session keeps the
		// first one otherwise).
		js.JWTClaims.IssuedAt = time.Time{}
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		s.log.InfoContext(ctx, "token request refused", "grant_type", grant, "err", err)
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	if grant == grantAuthorizationCode || grant == grantRefreshToken {
		// RFC 8707 §2.2: a resource at the token endpoint must be one the
		// grant covers (fosite copies the grant while building the
		// response; the token is not sent when this fails).
		for _, res := range resources {
			if !slices.Contains(ar.GetGrantedAudience(), res) {
				err := targetError("Resource %q was not granted by this authorization (granted: %s).", res, strings.Join(ar.GetGrantedAudience(), ", "))
				s.provider.WriteAccessError(ctx, w, ar, err)
				return
			}
		}
	}
	s.log.InfoContext(ctx, "token issued", "grant_type", grant, "client_id", ar.GetClient().GetID(),
		"scope", strings.Join(ar.GetGrantedScopes(), " "), "aud", strings.Join(ar.GetGrantedAudience(), " "))
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
}

// exchangeHandler is the RFC 8693 token exchange grant: a confidential
// client (the gateway) trades an access token this server issued for one
// with another audience, for the same subject.
type exchangeHandler struct{ s *Server }

var _ fosite.TokenEndpointHandler = (*exchangeHandler)(nil)

func (h *exchangeHandler) CanSkipClientAuth(context.Context, fosite.AccessRequester) bool {
	return false
}

func (h *exchangeHandler) CanHandleTokenEndpointRequest(_ context.Context, ar fosite.AccessRequester) bool {
	return ar.GetGrantTypes().ExactOne(grantTokenExchange)
}

func (h *exchangeHandler) HandleTokenEndpointRequest(ctx context.Context, ar fosite.AccessRequester) error {
	if !h.CanHandleTokenEndpointRequest(ctx, ar) {
		return fosite.ErrUnknownRequest
	}
	c := ar.GetClient()
	if c.IsPublic() {
		return fosite.ErrInvalidClient.WithHint("Token exchange needs a confidential client.")
	}
	if !c.GetGrantTypes().Has(grantTokenExchange) {
		return fosite.ErrUnauthorizedClient.WithHint("The client may not use token exchange.")
	}
	form := ar.GetRequestForm()
	if t := form.Get("subject_token_type"); t != tokenTypeAccessToken && t != tokenTypeJWT {
		return fosite.ErrInvalidRequest.WithHintf("subject_token_type must be %s.", tokenTypeAccessToken)
	}
	if t := form.Get("requested_token_type"); t != "" && t != tokenTypeAccessToken && t != tokenTypeJWT {
		return fosite.ErrInvalidRequest.WithHintf("requested_token_type %q is not supported; use %s.", t, tokenTypeAccessToken)
	}
	if form.Get("actor_token") != "" {
		return fosite.ErrInvalidRequest.WithHint("actor_token is not supported by the development authorization server.")
	}
	tok, err := h.s.strategy.Decode(ctx, form.Get("subject_token"))
	if err != nil || !tok.Valid() {
		return fosite.ErrInvalidGrant.WithHint("The subject_token is not a valid, unexpired access token of this server.")
	}
	if typ, _ := tok.Header["typ"].(string); typ != "at+jwt" {
		return fosite.ErrInvalidGrant.WithHint("The subject_token is not an access token (typ at+jwt).")
	}
	claims := tok.Claims
	if iss, _ := claims["iss"].(string); iss != h.s.issuer {
		return fosite.ErrInvalidGrant.WithHint("The subject_token was not issued by this server.")
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return fosite.ErrInvalidGrant.WithHint("The subject_token has no sub.")
	}
	held := strings.Fields(func() string { s, _ := claims["scope"].(string); return s }())
	user, isUser := h.s.user(sub)
	for _, sc := range ar.GetRequestedScopes() {
		if !slices.Contains(held, sc) && !(isUser && user.may(sc)) {
			return fosite.ErrInvalidScope.WithHintf("Scope %q is neither in the subject token nor allowed for %s.", sc, sub)
		}
	}
	targets := slices.Concat([]string(ar.GetRequestedAudience()), form["resource"])
	if len(targets) == 0 {
		return targetError("Send audience or resource naming the token's target.")
	}
	for _, t := range targets {
		if !slices.Contains(c.GetAudience(), t) {
			return targetError("The client may not obtain tokens for %q.", t)
		}
	}
	sess := h.s.newSession(sub, c.GetID())
	sess.JWTClaims.Extra["act"] = map[string]any{"sub": c.GetID()}
	sess.SetExpiresAt(fosite.AccessToken, time.Now().UTC().Add(AccessTokenLifetime).Round(time.Second))
	ar.SetSession(sess)
	for _, sc := range ar.GetRequestedScopes() {
		ar.GrantScope(sc)
	}
	for _, t := range slices.Compact(slices.Sorted(slices.Values(targets))) {
		ar.GrantAudience(t)
	}
	return nil
}

func (h *exchangeHandler) PopulateTokenEndpointResponse(ctx context.Context, ar fosite.AccessRequester, resp fosite.AccessResponder) error {
	if !h.CanHandleTokenEndpointRequest(ctx, ar) {
		return fosite.ErrUnknownRequest
	}
	token, _, err := h.s.strategy.GenerateAccessToken(ctx, ar)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	resp.SetAccessToken(token)
	resp.SetTokenType("bearer")
	resp.SetExpiresIn(AccessTokenLifetime)
	resp.SetScopes(ar.GetGrantedScopes())
	resp.SetExtra("issued_token_type", tokenTypeAccessToken)
	return nil
}
