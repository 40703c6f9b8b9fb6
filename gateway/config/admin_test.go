package config

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateAdmin(t *testing.T) {
	const oidc = "admin: {oidc: {issuer: https://idp.example.com, clientID: ui, clientSecret: {fromEnv: UI_SECRET}, roleValue: rest2mcp-admin}}\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{name: "OIDC sign-in on loopback", yaml: "store: r.db\n" + oidc},
		{name: "OIDC with an https admin URL away from loopback", yaml: "store: r.db\nlisten: 0.0.0.0:8080\npublicURL: https://gw.example.com\ninsecureNoAuth: true\n" + oidc},
		{name: "loopback adminListen", yaml: "store: r.db\nadminListen: 127.0.0.1:8081\n"},
		{
			name: "adminListen clashes",
			yaml: "store: r.db\nlisten: 127.0.0.1:8080\nmetrics: true\nmetricsListen: 127.0.0.1:9090\nadminListen: 127.0.0.1:8080\n",
			want: []string{"adminListen: must differ from listen (127.0.0.1:8080); leave it empty to serve the UI and admin API on the main listener"},
		},
		{
			name: "adminListen equals metricsListen",
			yaml: "store: r.db\nmetrics: true\nmetricsListen: 127.0.0.1:9090\nadminListen: 127.0.0.1:9090\n",
			want: []string{"adminListen: must differ from metricsListen (127.0.0.1:9090)"},
		},
		{name: "bad adminListen", yaml: "store: r.db\nadminListen: nope\n", want: []string{`adminListen: must be host:port, got "nope"`}},
		{
			name: "OIDC over http away from loopback",
			yaml: "store: r.db\nlisten: 0.0.0.0:8080\npublicURL: http://gw.internal:8080\ninsecureNoAuth: true\n" + oidc,
			want: []string{`admin.publicURL: must be https for OIDC sign-in (session cookies need it; http only on loopback), got "http://gw.internal:8080"`},
		},
		{
			name: "admin URL of a public adminListen must be given",
			yaml: "store: r.db\nadminListen: 0.0.0.0:8081\n" + oidc,
			want: []string{`admin.publicURL: must be https for OIDC sign-in (session cookies need it; http only on loopback), got "http://0.0.0.0:8081"`},
		},
		{name: "admin URL given", yaml: "store: r.db\nadminListen: 0.0.0.0:8081\nadmin: {publicURL: https://admin.example.com, oidc: {issuer: https://idp.example.com, clientID: ui, roleValue: a}}\n"},
		{
			name: "every OIDC problem",
			yaml: `store: r.db
admin:
  publicURL: https://admin.example.com/ui?x=1
  oidc:
    issuer: http://idp.example.com
    clientSecret: {value: s3cret}
    sessionKey: {fromEnv: A, fromFile: b}
    scopes: [openid, ""]
    roleClaim: groups
    sessionTTL: 10s`,
			want: []string{
				`admin.publicURL: must be an absolute http(s) URL without path, query or fragment, got "https://admin.example.com/ui?x=1"`,
				`admin.oidc.issuer: must be https (http only on loopback), got "http://idp.example.com"`,
				"admin.oidc.clientID: required: the UI's client id at the provider",
				"admin.oidc.clientSecret: give a reference (fromEnv or fromFile), not the value",
				"admin.oidc.sessionKey: exactly one of value, fromEnv, fromFile must be set",
				"admin.oidc.roleValue: required: the value of groups that makes a user an admin (e.g. rest2mcp-admin)",
				`admin.oidc.scopes[0]: must be a scope other than openid (always requested), got "openid"`,
				`admin.oidc.scopes[1]: must be a scope other than openid (always requested), got ""`,
				"admin.oidc.sessionTTL: must be between 1m0s and 168h0m0s, got 10s",
			},
		},
		{name: "no issuer", yaml: "store: r.db\nadmin: {oidc: {clientID: ui, roleValue: a}}\n", want: []string{"admin.oidc.issuer: required: the OpenID Provider's issuer URL"}},
		{name: "issuer not a URL", yaml: "store: r.db\nadmin: {oidc: {issuer: idp, clientID: ui, roleValue: a}}\n", want: []string{`admin.oidc.issuer: must be an absolute https URL, got "idp"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			c.ApplyDefaults()
			var got []string
			var ve *ValidationError
			if err := c.Validate(); errors.As(err, &ve) {
				got = ve.Problems
			} else if err != nil {
				t.Fatalf("unexpected error type: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdminDefaults(t *testing.T) {
	c := &Config{Listen: "127.0.0.1:8080", AdminListen: "127.0.0.1:8081"}
	c.ApplyDefaults()
	if got := c.AdminPublicURL(); got != "http://127.0.0.1:8081" {
		t.Errorf("AdminPublicURL: %q", got)
	}
	c.Listen = "0.0.0.0:8080"
	if !c.AdminListenIsLoopback() {
		t.Error("a loopback adminListen is loopback")
	}
	o := &AdminOIDC{}
	if o.EffectiveRoleClaim() != "roles" || o.EffectiveSessionTTL() != DefaultAdminSessionTTL {
		t.Errorf("defaults: %q %s", o.EffectiveRoleClaim(), o.EffectiveSessionTTL())
	}
}
