package authbridge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
)

func exchangeConfig(tokenURL string) UpstreamAuthConfig {
	return UpstreamAuthConfig{
		Type:         UpstreamAuthTokenExchange,
		TokenURL:     tokenURL,
		ClientID:     "gateway",
		ClientSecret: inlineSecret("gw-secret"),
		Audience:     "https://pets.example.com",
		Resource:     "https://pets.example.com/api",
	}
}

func TestExchangeFormParameters(t *testing.T) {
	t.Parallel()
	f := false
	tests := []struct {
		name   string
		mutate func(*UpstreamAuthConfig)
		scopes []string
		want   url.Values
	}{
		{
			name:   "operation scopes sorted and deduplicated",
			scopes: []string{"pets:write", "pets:read", "pets:write", ""},
			want: url.Values{
				"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
				"subject_token":        {callerToken},
				"subject_token_type":   {"urn:ietf:params:oauth:token-type:access_token"},
				"requested_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
				"audience":             {"https://pets.example.com"},
				"resource":             {"https://pets.example.com/api"},
				"scope":                {"pets:read pets:write"},
			},
		},
		{
			name: "static scopes when perOperationScopes is false, custom token type",
			mutate: func(c *UpstreamAuthConfig) {
				c.PerOperationScopes = &f
				c.Scopes = []string{"b", "a"}
				c.RequestedTokenType = TokenTypeJWT
				c.Resource = ""
			},
			scopes: []string{"pets:read"},
			want: url.Values{
				"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
				"subject_token":        {callerToken},
				"subject_token_type":   {"urn:ietf:params:oauth:token-type:access_token"},
				"requested_token_type": {"urn:ietf:params:oauth:token-type:jwt"},
				"audience":             {"https://pets.example.com"},
				"scope":                {"a b"},
			},
		},
		{
			name: "scope prefix and no scopes at all",
			mutate: func(c *UpstreamAuthConfig) {
				c.ScopePrefix = "https://pets.example.com/"
				c.Audience = ""
			},
			scopes: []string{"read"},
			want: url.Values{
				"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
				"subject_token":        {callerToken},
				"subject_token_type":   {"urn:ietf:params:oauth:token-type:access_token"},
				"requested_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
				"resource":             {"https://pets.example.com/api"},
				"scope":                {"https://pets.example.com/read"},
			},
		},
		{
			name: "static actor token",
			mutate: func(c *UpstreamAuthConfig) {
				c.ActorToken = &ActorTokenConfig{Source: ActorSourceSecret, Token: inlineSecret("actor-jwt")}
			},
			want: url.Values{
				"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
				"subject_token":        {callerToken},
				"subject_token_type":   {"urn:ietf:params:oauth:token-type:access_token"},
				"requested_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
				"audience":             {"https://pets.example.com"},
				"resource":             {"https://pets.example.com/api"},
				"actor_token":          {"actor-jwt"},
				"actor_token_type":     {"urn:ietf:params:oauth:token-type:access_token"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := newFakeAS(t)
			cfg := exchangeConfig(as.tokenURL())
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			creds := mustCredentials(t, cfg, CredentialsOptions{Name: "pets"})
			req := newUpstreamRequest(t, "https://pets.example.com/api/pets")
			if err := creds.Apply(t.Context(), req, callerPrincipal(time.Now()), tc.scopes); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			got := as.last(t)
			if diff := cmp.Diff(tc.want, got.Form); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}
			if got.Method != http.MethodPost || got.ContentType != "application/x-www-form-urlencoded" {
				t.Errorf("request = %s %s, want POST form", got.Method, got.ContentType)
			}
			if h := req.Header.Get("Authorization"); h != "Bearer upstream-token-1" {
				t.Errorf("Authorization = %q, want the exchanged token", h)
			}
		})
	}
}

func TestExchangeActorFromClientCredentials(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	as.setRespond(func(w http.ResponseWriter, r tokenRequest, n int64) {
		tok := "exchanged"
		if r.Form.Get("grant_type") == "client_credentials" {
			tok = "actor-token"
		}
		writeTokenJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 600})
	})
	cfg := exchangeConfig(as.tokenURL())
	cfg.ActorToken = &ActorTokenConfig{Source: ActorSourceClientCredentials, Scopes: []string{"act"}, TokenType: TokenTypeJWT}
	creds := mustCredentials(t, cfg, CredentialsOptions{})
	for range 2 {
		if err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), callerPrincipal(time.Now()), []string{"s"}); err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if len(as.requests) != 2 {
		t.Fatalf("token requests = %d, want 2 (actor once, exchange once)", len(as.requests))
	}
	if diff := cmp.Diff(url.Values{"grant_type": {"client_credentials"}, "scope": {"act"}}, as.requests[0].Form); diff != "" {
		t.Errorf("actor request (-want +got):\n%s", diff)
	}
	x := as.requests[1].Form
	if x.Get("actor_token") != "actor-token" || x.Get("actor_token_type") != TokenTypeJWT {
		t.Errorf("exchange actor fields = %q, %q", x.Get("actor_token"), x.Get("actor_token_type"))
	}
}

func TestClientAuthMethods(t *testing.T) {
	t.Parallel()
	const id, secret = "gw client:1", "s3cr+t/ü% x"
	rsaKey, rsaPEM := newTestKey(t, "rsa")
	ecKey, ecPEM := newTestKey(t, "ec")
	tests := []struct {
		name  string
		auth  string
		key   string
		alg   string
		pub   crypto.PublicKey
		check jose.SignatureAlgorithm
	}{
		{name: "client_secret_basic", auth: ClientAuthSecretBasic},
		{name: "client_secret_post", auth: ClientAuthSecretPost},
		{name: "private_key_jwt RS256", auth: ClientAuthPrivateKeyJWT, key: rsaPEM, pub: rsaKey.Public(), check: jose.RS256},
		{name: "private_key_jwt PS256", auth: ClientAuthPrivateKeyJWT, key: rsaPEM, alg: "PS256", pub: rsaKey.Public(), check: jose.PS256},
		{name: "private_key_jwt ES256", auth: ClientAuthPrivateKeyJWT, key: ecPEM, pub: ecKey.Public(), check: jose.ES256},
	}
	kinds := []string{UpstreamAuthTokenExchange, UpstreamAuthEntraOBO, UpstreamAuthClientCredentials}
	for _, tc := range tests {
		for _, kind := range kinds {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				as := newFakeAS(t)
				clock := newFakeClock()
				cfg := UpstreamAuthConfig{
					Type: kind, TokenURL: as.tokenURL(), ClientID: id, ClientAuth: tc.auth,
					Scopes: []string{"api://pets/.default"},
				}
				if tc.key != "" {
					cfg.PrivateKey, cfg.KeyID, cfg.Algorithm = inlineSecret(tc.key), "key-1", tc.alg
				} else {
					cfg.ClientSecret = inlineSecret(secret)
				}
				creds := mustCredentials(t, cfg, CredentialsOptions{Now: clock.Now})
				if err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), callerPrincipal(clock.Now()), nil); err != nil {
					t.Fatalf("Apply: %v", err)
				}
				got := as.last(t)
				switch tc.auth {
				case ClientAuthSecretBasic:
					// RFC 6749 §2.3.1: form-URL-encoded before Basic encoding.
					if !got.HasBasic || got.BasicUser != url.QueryEscape(id) || got.BasicPass != url.QueryEscape(secret) {
						t.Errorf("basic = %v %q:%q, want encoded %q:%q", got.HasBasic, got.BasicUser, got.BasicPass, url.QueryEscape(id), url.QueryEscape(secret))
					}
					if got.Form.Has("client_id") || got.Form.Has("client_secret") {
						t.Errorf("basic auth also sent form credentials: %v", got.Form)
					}
				case ClientAuthSecretPost:
					if got.HasBasic || got.Form.Get("client_id") != id || got.Form.Get("client_secret") != secret {
						t.Errorf("post auth: basic=%v client_id=%q client_secret=%q", got.HasBasic, got.Form.Get("client_id"), got.Form.Get("client_secret"))
					}
				case ClientAuthPrivateKeyJWT:
					if got.HasBasic || got.Form.Has("client_secret") || got.Form.Get("client_id") != id {
						t.Errorf("private_key_jwt: basic=%v form=%v", got.HasBasic, got.Form)
					}
					if ct := got.Form.Get("client_assertion_type"); ct != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
						t.Errorf("client_assertion_type = %q", ct)
					}
					checkAssertion(t, got.Form.Get("client_assertion"), tc.pub, tc.check, id, as.tokenURL(), clock.Now())
				}
			})
		}
	}
}

// checkAssertion verifies an RFC 7523 client assertion.
func checkAssertion(t *testing.T, raw string, pub crypto.PublicKey, alg jose.SignatureAlgorithm, clientID, aud string, now time.Time) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatalf("parse assertion: %v", err)
	}
	if kid := tok.Headers[0].KeyID; kid != "key-1" {
		t.Errorf("kid = %q, want key-1", kid)
	}
	var c jwt.Claims
	if err := tok.Claims(pub, &c); err != nil {
		t.Fatalf("assertion signature: %v", err)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: clientID, Subject: clientID, AnyAudience: jwt.Audience{aud}, Time: now}, 0); err != nil {
		t.Errorf("assertion claims: %v", err)
	}
	if c.ID == "" || c.Expiry == nil || c.IssuedAt == nil || c.Expiry.Time().Sub(c.IssuedAt.Time()) != time.Minute {
		t.Errorf("assertion jti=%q exp=%v iat=%v, want a jti and a one-minute lifetime", c.ID, c.Expiry, c.IssuedAt)
	}
}

// newTestKey returns a private key and its PKCS#8 PEM.
func newTestKey(t *testing.T, kind string) (crypto.Signer, string) {
	t.Helper()
	var (
		key crypto.Signer
		err error
	)
	if kind == "rsa" {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestAssertionsAreUnique(t *testing.T) {
	t.Parallel()
	_, pemKey := newTestKey(t, "ec")
	s, err := newAssertionSigner(pemKey, "", "", "gw", "https://as/token", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.sign()
	b, _ := s.sign()
	if a == b {
		t.Error("two assertions are identical; jti must be random")
	}
}

func TestAssertionKeyErrors(t *testing.T) {
	t.Parallel()
	_, ecPEM := newTestKey(t, "ec")
	tests := []struct {
		name, key, alg string
	}{
		{"not PEM", "-----nope", ""},
		{"garbage in PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")})), ""},
		{"RS256 with EC key", ecPEM, "RS256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := UpstreamAuthConfig{Type: UpstreamAuthClientCredentials, TokenURL: "https://as.example.com/token",
				ClientID: "gw", ClientAuth: ClientAuthPrivateKeyJWT, PrivateKey: inlineSecret(tc.key), Algorithm: tc.alg}
			_, err := NewCredentials(t.Context(), cfg, CredentialsOptions{})
			if err == nil {
				t.Fatal("NewCredentials succeeded, want an error")
			}
			if msg := err.Error(); !strings.Contains(msg, "upstreamAuth.privateKey") || strings.Contains(msg, "PRIVATE KEY-----\n") {
				t.Errorf("error %q must name the field and not quote the key", msg)
			}
		})
	}
}

func TestDelegatedNeedsCaller(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	clock := newFakeClock()
	creds := mustCredentials(t, exchangeConfig(as.tokenURL()), CredentialsOptions{Now: clock.Now})
	expired := callerPrincipal(clock.Now().Add(-2 * time.Hour))
	tests := []struct {
		name string
		p    *Principal
		code string
	}{
		{"no principal", nil, CredentialNoSubjectToken},
		{"principal without token", &Principal{Subject: "x"}, CredentialNoSubjectToken},
		{"expired inbound token", expired, CredentialInvalidGrant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), tc.p, nil)
			var ce *CredentialError
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	if n := as.count.Load(); n != 0 {
		t.Errorf("token requests = %d, want 0", n)
	}
}

func TestExchangeTokenTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		requestedType string
		tokenType     string
		wantErr       bool
	}{
		{"bearer any case", "", "bEaReR", false},
		{"absent token_type", "", "", false},
		{"N_A for a jwt request", TokenTypeJWT, "N_A", false},
		{"N_A for an access token request", "", "N_A", true},
		{"DPoP", "", "DPoP", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := newFakeAS(t)
			as.setRespond(func(w http.ResponseWriter, _ tokenRequest, _ int64) {
				writeTokenJSON(w, http.StatusOK, map[string]any{"access_token": "up", "token_type": tc.tokenType,
					"issued_token_type": TokenTypeJWT, "expires_in": "300"})
			})
			cfg := exchangeConfig(as.tokenURL())
			cfg.RequestedTokenType = tc.requestedType
			creds := mustCredentials(t, cfg, CredentialsOptions{})
			err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), callerPrincipal(time.Now()), nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}

func TestCustomHeaderPlacement(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	empty, tokenPrefix := "", "Token "
	tests := []struct {
		name         string
		header       string
		prefix       *string
		wantHeader   string
		wantValue    string
		wantNoBearer bool
	}{
		{"default", "", nil, "Authorization", "Bearer upstream-token-", false},
		{"custom header without prefix", "X-Upstream-Token", nil, "X-Upstream-Token", "upstream-token-", true},
		{"custom header with prefix", "X-Upstream-Token", &tokenPrefix, "X-Upstream-Token", "Token upstream-token-", true},
		{"authorization without prefix", "authorization", &empty, "Authorization", "upstream-token-", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := exchangeConfig(as.tokenURL())
			cfg.Header, cfg.HeaderPrefix = tc.header, tc.prefix
			creds := mustCredentials(t, cfg, CredentialsOptions{})
			req := newUpstreamRequest(t, "https://up/")
			req.Header.Set("Authorization", "Bearer "+callerToken)
			if err := creds.Apply(t.Context(), req, callerPrincipal(time.Now()), nil); err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get(tc.wantHeader); len(got) < len(tc.wantValue) || got[:len(tc.wantValue)] != tc.wantValue {
				t.Errorf("%s = %q, want prefix %q", tc.wantHeader, got, tc.wantValue)
			}
			if tc.wantNoBearer && req.Header.Get("Authorization") != "" {
				t.Errorf("inbound Authorization kept: %q", req.Header.Get("Authorization"))
			}
		})
	}
}
