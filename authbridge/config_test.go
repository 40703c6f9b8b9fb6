package authbridge

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestConfigYAML(t *testing.T) {
	src := `
issuers:
  - issuer: https://login.microsoftonline.com/tid/v2.0
    audiences: ["api://pets"]
    requireTyp: false
    leeway: 45s
    profile: entra
    introspection:
      clientID: gw
      clientSecret: {fromEnv: INTROSPECT_SECRET}
      cacheTTL: 2m
scopes: [pets:read]
rateLimit: {requestsPerMinute: 120, burst: 10}
`
	var c Config
	if err := yaml.UnmarshalStrict([]byte(src), &c, yaml.DisallowUnknownFields); err != nil {
		t.Fatal(err)
	}
	want := Config{
		Issuers: []IssuerConfig{{
			Issuer: "https://login.microsoftonline.com/tid/v2.0", Audiences: []string{"api://pets"},
			Leeway: Duration(45 * time.Second), Profile: ProfileEntra,
			Introspection: &IntrospectionConfig{ClientID: "gw", ClientSecret: Secret{FromEnv: "INTROSPECT_SECRET"}, CacheTTL: Duration(2 * time.Minute)},
		}},
		Scopes:    []string{"pets:read"},
		RateLimit: &RateLimitConfig{RequestsPerMinute: 120, Burst: 10},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := c.Validate(testResource); err != nil {
		t.Errorf("Validate: %v", err)
	}
	out, err := yaml.Marshal(c)
	if err != nil || !strings.Contains(string(out), "leeway: 45s") {
		t.Errorf("Marshal: %v\n%s", err, out)
	}
	if err := yaml.UnmarshalStrict([]byte("issuers: [{issuer: x, leeway: 30}]"), &c); err == nil {
		t.Error("numeric duration accepted")
	}
	if err := yaml.UnmarshalStrict([]byte("issuers: [{isuer: x}]"), &c, yaml.DisallowUnknownFields); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestConfigValidate(t *testing.T) {
	c := Config{
		Issuers: []IssuerConfig{
			{Issuer: "https://idp.example.com"},
			{Issuer: "http://idp.example.com/t1", Algorithms: []string{"none", "HS256", "RS256", "XX1"}, Leeway: Duration(time.Hour),
				JWKSURL: "ftp://x", Profile: "azure", ClientIDClaims: []string{""}, Audiences: []string{" "},
				Introspection: &IntrospectionConfig{AuthMethod: "private_key_jwt", CacheTTL: Duration(time.Hour)}},
			{Issuer: "https://idp.example.com"},
			{Issuer: "http://127.0.0.1:8080/realms/x", MetadataURL: "http://[::1]:9/m", JWKSURL: "http://localhost/j"},
			{Issuer: "https://user:pw@idp.example.com/#frag"},
			{},
		},
		Scopes:                []string{"ok", "bad scope"},
		ResourceDocumentation: "docs",
		RateLimit:             &RateLimitConfig{RequestsPerMinute: 0, Burst: -1},
	}
	err := c.Validate("http://gw.example.com/mcp?x=1")
	if err == nil {
		t.Fatal("Validate accepted an invalid config")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`resource: must be https (http only for loopback), got "http://gw.example.com/mcp?x=1"`,
		`auth.issuers[1].issuer: must be https (http only for loopback), got "http://idp.example.com/t1"`,
		`auth.issuers[1].audiences[0]: must not be empty`,
		`auth.issuers[1].jwksURL: must be https (http only for loopback), got "ftp://x"`,
		`auth.issuers[1].algorithms[0]: unsecured tokens (alg none) are never accepted`,
		`auth.issuers[1].algorithms[1]: HS256 is a shared-secret algorithm and is never accepted for access tokens`,
		`auth.issuers[1].algorithms[3]: unsupported algorithm "XX1" (supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA)`,
		`auth.issuers[1].leeway: must be between 0s and 5m0s`,
		`auth.issuers[1].clientIDClaims[0]: must not be empty`,
		`auth.issuers[1].profile: unknown profile "azure" (one of generic, entra, auth0, okta, keycloak)`,
		`auth.issuers[1].introspection.clientID: required`,
		`auth.issuers[1].introspection.clientSecret: exactly one of value, fromEnv, fromFile must be set`,
		`auth.issuers[1].introspection.authMethod: must be client_secret_basic or client_secret_post`,
		`auth.issuers[1].introspection.cacheTTL: must be between 0s and 10m0s`,
		`auth.issuers[2].issuer: duplicate of auth.issuers[0]`,
		`auth.issuers[4].issuer: must not contain user info`,
		`auth.issuers[5].issuer: required`,
		`auth.scopes[1]: invalid scope token "bad scope" (RFC 6749 §3.3)`,
		`auth.resourceDocumentation: must be an absolute URL, got "docs"`,
		`auth.rateLimit.requestsPerMinute: must be positive`,
		`auth.rateLimit.burst: must not be negative`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if err := (Config{}).Validate(""); err == nil || !strings.Contains(err.Error(), "auth.issuers: at least one issuer is required") {
		t.Errorf("empty config: %v", err)
	}
}

func TestConfigWarnings(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		resource string
		want     []string // substrings, one per expected warning, in order
	}{
		{name: "clean generic", cfg: Config{Issuers: []IssuerConfig{{Issuer: "https://idp.example.com"}}}, resource: testResource},
		{name: "generic traps", resource: testResource + "/",
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://idp.example.com"}}, Scopes: []string{"offline_access"}},
			want: []string{"resource: ", "auth.scopes: offline_access"}},
		{name: "entra v2 without app audience", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://login.microsoftonline.com/tid/v2.0", RequireTyp: true}}},
			want: []string{"accessTokenAcceptedVersion to 2", "App ID URI", `typ "JWT"`, "rolesAsScopes", "pre-register"}},
		{name: "entra v1 well configured", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://sts.windows.net/tid/", Audiences: []string{"api://pets"}, RolesAsScopes: true}}},
			want: []string{"v1 issuer", "pre-register"}},
		{name: "entra common alias", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://login.microsoftonline.com/common/v2.0", Audiences: []string{"00000000-0000-0000-0000-000000000001"}, RolesAsScopes: true}}},
			want: []string{"multi-tenant alias", "accessTokenAcceptedVersion to 2", "pre-register"}},
		{name: "entra with two application IDs", resource: testResource,
			cfg: Config{Issuers: []IssuerConfig{{Issuer: "https://login.microsoftonline.com/tid/v2.0", RolesAsScopes: true,
				Audiences: []string{"00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"}}}},
			want: []string{"accessTokenAcceptedVersion to 2", "2 application IDs listed", "pre-register"}},
		{name: "auth0 without trailing slash", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://tenant.eu.auth0.com"}}},
			want: []string{"end with a slash", "API Identifier"}},
		{name: "auth0 fine", resource: testResource,
			cfg: Config{Issuers: []IssuerConfig{{Issuer: "https://tenant.auth0.com/", Audiences: []string{"https://pets"}}}}},
		{name: "okta org server", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://dev-1.okta.com", ScopeClaim: "scope"}}},
			want: []string{"org authorization server", `"scp"`}},
		{name: "okta custom server", resource: testResource,
			cfg: Config{Issuers: []IssuerConfig{{Issuer: "https://dev-1.okta.com/oauth2/default"}}}},
		{name: "keycloak account audience", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://kc.example.com/realms/r", Audiences: []string{"account"}}}},
			want: []string{`accepting aud "account"`}},
		{name: "keycloak without audience mapper", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://kc.example.com/realms/r"}}},
			want: []string{"audience mapper"}},
		{name: "explicit keycloak profile, odd issuer", resource: testResource,
			cfg:  Config{Issuers: []IssuerConfig{{Issuer: "https://kc.example.com/x", Profile: ProfileKeycloak, Audiences: []string{"pets"}, RequireTyp: true}}},
			want: []string{"/realms/<realm>", `typ "JWT"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cfg.Warnings(tc.resource)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d warnings, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want it to mention %q", i, got[i], w)
				}
			}
		})
	}
}
