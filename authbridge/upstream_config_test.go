package authbridge

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestUpstreamAuthConfigYAML(t *testing.T) {
	t.Parallel()
	const doc = `
type: tokenExchange
tokenURL: https://as.example.com/oauth2/token
clientID: rest2mcp
clientSecret: {fromEnv: AS_SECRET}
clientAuth: client_secret_post
audience: https://pets.example.com
resource: https://pets.example.com/api
scopes: [pets:read]
perOperationScopes: false
requestedTokenType: urn:ietf:params:oauth:token-type:jwt
actorToken: {source: clientCredentials, scopes: [actor]}
header: X-Upstream-Token
consentURL: https://gw.example.com/consent
timeout: 5s
cacheSize: 100
`
	var got UpstreamAuthConfig
	if err := yaml.UnmarshalStrict([]byte(doc), &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	f := false
	want := UpstreamAuthConfig{
		Type: UpstreamAuthTokenExchange, TokenURL: "https://as.example.com/oauth2/token", ClientID: "rest2mcp",
		ClientSecret: &Secret{FromEnv: "AS_SECRET"}, ClientAuth: ClientAuthSecretPost,
		Audience: "https://pets.example.com", Resource: "https://pets.example.com/api",
		Scopes: []string{"pets:read"}, PerOperationScopes: &f, RequestedTokenType: TokenTypeJWT,
		ActorToken: &ActorTokenConfig{Source: ActorSourceClientCredentials, Scopes: []string{"actor"}},
		Header:     "X-Upstream-Token", ConsentURL: "https://gw.example.com/consent",
		Timeout: Duration(5 * time.Second), CacheSize: 100,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	const static = `
type: static
static: {header: X-API-Key, value: {fromFile: /run/secrets/pets}}
`
	var s UpstreamAuthConfig
	if err := yaml.UnmarshalStrict([]byte(static), &s); err != nil {
		t.Fatalf("decode static: %v", err)
	}
	if s.Static == nil || s.Static.Header != "X-API-Key" || s.Static.Value.FromFile != "/run/secrets/pets" {
		t.Errorf("static decoded as %+v", s.Static)
	}
	if err := yaml.UnmarshalStrict([]byte("type: static\ntokenEndpoint: x\n"), &s); err == nil {
		t.Error("a misspelt field was accepted")
	}
}

func TestUpstreamAuthConfigValidate(t *testing.T) {
	t.Parallel()
	f := false
	secret := inlineSecret("s")
	tests := []struct {
		name string
		cfg  UpstreamAuthConfig
		want []string // every problem, in order; nil means valid
	}{
		{name: "zero value is none", cfg: UpstreamAuthConfig{}},
		{name: "static header", cfg: UpstreamAuthConfig{Type: "static", Static: &StaticConfig{Header: "X-Key", Value: secret}}},
		{name: "client credentials on loopback http", cfg: UpstreamAuthConfig{Type: "clientCredentials",
			TokenURL: "http://127.0.0.1:8080/token", ClientID: "gw", ClientSecret: secret}},
		{name: "OBO with private key", cfg: UpstreamAuthConfig{Type: "entraOBO",
			TokenURL: "https://login.microsoftonline.com/t/oauth2/v2.0/token", ClientID: "gw",
			PrivateKey: &Secret{FromFile: "/k.pem"}, KeyID: "k1", Scopes: []string{"api://x/.default"}}},
		{
			name: "unknown type",
			cfg:  UpstreamAuthConfig{Type: "magic"},
			want: []string{`upstreamAuth.type: must be one of none, static, clientCredentials, tokenExchange, entraOBO; got "magic"`},
		},
		{
			name: "token exchange missing everything",
			cfg:  UpstreamAuthConfig{Type: "tokenExchange"},
			want: []string{
				"upstreamAuth.tokenURL: required for tokenExchange; must be https (http only for loopback)",
				"upstreamAuth.clientID: required for tokenExchange",
				"upstreamAuth.clientSecret: required for clientAuth client_secret_basic",
			},
		},
		{
			name: "plain http to a remote host and bad fields",
			cfg: UpstreamAuthConfig{Type: "tokenExchange", TokenURL: "http://as.example.com/token", ClientID: "gw",
				ClientSecret: &Secret{Value: "a", FromEnv: "B"}, ClientAuth: "tls_client_auth",
				Scopes: []string{"ok", "has space"}, Resource: "relative/path", Header: "Content-Length",
				Timeout: Duration(-time.Second), ConsentURL: "ftp://x"},
			want: []string{
				`upstreamAuth.tokenURL: must be https (http only for loopback), got "http://as.example.com"`,
				`upstreamAuth.clientAuth: must be one of client_secret_basic, client_secret_post, private_key_jwt; got "tls_client_auth"`,
				"upstreamAuth.clientSecret: exactly one of value, fromEnv, fromFile must be set",
				`upstreamAuth.scopes[1]: invalid character ' ' in scope (RFC 6749 §3.3)`,
				"upstreamAuth.resource: must be an absolute URI without a fragment (RFC 8707)",
				`upstreamAuth.header: header "Content-Length" cannot carry credentials`,
				`upstreamAuth.consentURL: must be https (http only for loopback), got "ftp://x"`,
				"upstreamAuth.timeout: must not be negative",
			},
		},
		{
			name: "OBO without scopes and per-operation scopes off",
			cfg:  UpstreamAuthConfig{Type: "entraOBO", TokenURL: "https://as/t", ClientID: "gw", ClientSecret: secret, PerOperationScopes: &f},
			want: []string{"upstreamAuth.scopes: required for entraOBO when perOperationScopes is false, e.g. api://downstream/.default"},
		},
		{
			name: "private_key_jwt without key, with secret",
			cfg: UpstreamAuthConfig{Type: "clientCredentials", TokenURL: "https://as/t", ClientID: "gw",
				ClientAuth: "private_key_jwt", ClientSecret: secret, Algorithm: "HS256"},
			want: []string{
				"upstreamAuth.privateKey: required for clientAuth private_key_jwt",
				"upstreamAuth.clientSecret: not valid with clientAuth private_key_jwt",
				`upstreamAuth.algorithm: must be one of RS256, PS256, ES256; got "HS256"`,
			},
		},
		{
			name: "fields of other types",
			cfg: UpstreamAuthConfig{Type: "static", Static: &StaticConfig{Bearer: true, Value: secret},
				TokenURL: "https://as/t", RequestedTokenType: TokenTypeJWT},
			want: []string{
				"upstreamAuth.tokenURL: not valid with type static",
				"upstreamAuth.requestedTokenType: only valid with type tokenExchange",
			},
		},
		{
			name: "static with two modes and no value",
			cfg:  UpstreamAuthConfig{Type: "static", Static: &StaticConfig{Header: "X-Key", Query: "key", Prefix: "p"}},
			want: []string{
				"upstreamAuth.static: exactly one of header, query, basic, bearer must be set",
				"upstreamAuth.static.value: required",
			},
		},
		{
			name: "static basic problems",
			cfg: UpstreamAuthConfig{Type: "static", Static: &StaticConfig{Basic: &BasicConfig{Username: "a:b"},
				Value: secret}},
			want: []string{
				"upstreamAuth.static.value: not valid with static.basic; use static.basic.password",
				"upstreamAuth.static.basic.username: must not contain a colon (RFC 7617)",
				"upstreamAuth.static.basic.password: exactly one of value, fromEnv, fromFile must be set",
			},
		},
		{
			name: "static without section",
			cfg:  UpstreamAuthConfig{Type: "static"},
			want: []string{"upstreamAuth.static: required for type static"},
		},
		{
			name: "actor token problems",
			cfg: UpstreamAuthConfig{Type: "tokenExchange", TokenURL: "https://as/t", ClientID: "gw", ClientSecret: secret,
				ActorToken: &ActorTokenConfig{Source: "secret", Scopes: []string{"x"}}},
			want: []string{
				"upstreamAuth.actorToken.token: required for source secret",
				"upstreamAuth.actorToken.scopes: only valid with source clientCredentials",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			if err := tc.cfg.Validate(); err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateAtPrefix(t *testing.T) {
	t.Parallel()
	err := UpstreamAuthConfig{Type: "static"}.ValidateAt("apis[2].upstreamAuth")
	if err == nil || err.Error() != "apis[2].upstreamAuth.static: required for type static" {
		t.Errorf("err = %v", err)
	}
}

func TestUpstreamWarnings(t *testing.T) {
	f := false
	tests := []struct {
		name string
		c    UpstreamAuthConfig
		want int
	}{
		{"entraOBO with the per-operation default", UpstreamAuthConfig{Type: UpstreamAuthEntraOBO, Scopes: []string{"api://down/.default"}}, 1},
		{"entraOBO with static scopes", UpstreamAuthConfig{Type: UpstreamAuthEntraOBO, Scopes: []string{"api://down/.default"}, PerOperationScopes: &f}, 0},
		{"token exchange", UpstreamAuthConfig{Type: UpstreamAuthTokenExchange}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.c.Warnings("upstreamAuth")
			if len(got) != tc.want {
				t.Fatalf("warnings %q, want %d", got, tc.want)
			}
			if tc.want > 0 && !strings.HasPrefix(got[0], "upstreamAuth.perOperationScopes: ") {
				t.Errorf("warning %q lacks its path", got[0])
			}
		})
	}
}
