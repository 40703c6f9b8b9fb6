package entratest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TokenRequest describes an access token to mint directly, as the token
// endpoint would issue it (see [Server.Token]).
type TokenRequest struct {
	// Tenant is the tenant ID; empty means the first tenant.
	Tenant string
	// Client is the client ID the token is issued to (azp, appid).
	Client string
	// API is the client ID of the resource application.
	API string
	// AppIDURI is the App ID URI the client requested the token with: the
	// aud of a v1.0 token. Empty means the API's first App ID URI (else its
	// client ID).
	AppIDURI string
	// Scopes are the delegated permissions (short names) of a user token.
	Scopes []string
	// AppOnly makes an application token: Roles, no user, no scp.
	AppOnly bool
	// Roles are the app roles of an application token.
	Roles []string
	// User is the signed-in user of a delegated token; zero means the
	// server's user.
	User User
}

// Token mints the access token req describes, signed with the current key.
// It fails the test when the client or API is not registered.
func (s *Server) Token(t testing.TB, req TokenRequest) string {
	t.Helper()
	claims, v1, err := s.Claims(req)
	if err != nil {
		t.Fatalf("entratest: %v", err)
	}
	return s.Sign(t, claims, v1)
}

// Claims returns the claims of the token req describes, for tests that
// edit them before [Server.Sign], and whether it is a v1.0 token.
func (s *Server) Claims(req TokenRequest) (map[string]any, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Tenant == "" {
		req.Tenant = s.tenants[0]
	}
	client, api := s.app(req.Client), s.app(req.API)
	if client == nil || api == nil {
		return nil, false, fmt.Errorf("token request: client %q and API %q must be registered", req.Client, req.API)
	}
	if req.AppIDURI == "" {
		req.AppIDURI = api.ClientID
		if len(api.AppIDURIs) > 0 {
			req.AppIDURI = api.AppIDURIs[0]
		}
	}
	if req.User.ObjectID == "" {
		req.User = s.user
	}
	return s.claims(req, client, api), api.AccessTokenVersion < 2, nil
}

// claims builds an access token payload in the shape of the API's token
// version. s.mu is held.
func (s *Server) claims(req TokenRequest, client, api *App) map[string]any {
	now := s.now()
	v2 := api.AccessTokenVersion >= 2
	c := map[string]any{
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(s.lifetime).Unix(),
		"tid": req.Tenant,
		"aio": opaque(24),
		"rh":  "0." + opaque(24) + ".",
		"uti": opaque(16),
	}
	confidential := "0"
	if client.ClientSecret != "" {
		confidential = "1"
	}
	if v2 {
		c["iss"] = s.Issuer(req.Tenant)
		c["aud"] = api.ClientID
		c["azp"] = client.ClientID
		c["azpacr"] = confidential
		c["ver"] = "2.0"
	} else {
		c["iss"] = s.IssuerV1(req.Tenant)
		c["aud"] = req.AppIDURI
		c["appid"] = client.ClientID
		c["appidacr"] = confidential
		c["ver"] = "1.0"
	}
	if req.AppOnly {
		spOID := pairwiseSub(client.ClientID, "service-principal")
		c["oid"] = spOID
		c["sub"] = spOID
		c["idtyp"] = "app"
		if !v2 {
			c["idp"] = s.IssuerV1(req.Tenant)
		}
		if len(req.Roles) > 0 {
			roles := make([]any, len(req.Roles))
			for i, r := range req.Roles {
				roles[i] = r
			}
			c["roles"] = roles
		}
		return c
	}
	c["oid"] = req.User.ObjectID
	c["sub"] = pairwiseSub(req.User.ObjectID, api.ClientID)
	c["name"] = req.User.Name
	c["scp"] = strings.Join(req.Scopes, " ")
	if v2 {
		c["preferred_username"] = req.User.UPN
	} else {
		c["upn"] = req.User.UPN
		c["unique_name"] = req.User.UPN
		c["amr"] = []any{"pwd"}
		c["acr"] = "1"
	}
	return c
}

// Sign signs claims with the current key in Entra's header shape: typ
// "JWT", alg RS256, kid, and for v1.0 tokens also x5t.
func (s *Server) Sign(t testing.TB, claims map[string]any, v1 bool) string {
	t.Helper()
	tok, err := s.sign(claims, v1)
	if err != nil {
		t.Fatalf("entratest: %v", err)
	}
	return tok
}

func (s *Server) sign(claims map[string]any, v1 bool) (string, error) {
	s.mu.Lock()
	k := s.keys[0]
	s.mu.Unlock()
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	so := (&jose.SignerOptions{}).WithType("JWT")
	if v1 {
		so = so.WithHeader("x5t", k.kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}}, so)
	if err != nil {
		return "", fmt.Errorf("new signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// verify checks a token signed by one of the published keys and returns
// its claims; it is the emulator's own check of on-behalf-of assertions.
// On failure it returns the reason, worded as in Entra's AADSTS50013.
func (s *Server) verify(raw string) (map[string]any, string) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, "The token is not a signed JWT."
	}
	kid := jws.Signatures[0].Header.KeyID
	s.mu.Lock()
	var key *signingKey
	for _, k := range s.keys {
		if k.kid == kid {
			key = k
		}
	}
	s.mu.Unlock()
	if key == nil {
		return nil, "The key was not found."
	}
	payload, err := jws.Verify(&key.priv.PublicKey)
	if err != nil {
		return nil, "The signature is invalid."
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, "The payload is not JSON."
	}
	return claims, ""
}
