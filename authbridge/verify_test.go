package authbridge

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// principalView is the comparable part of a Principal.
type principalView struct {
	Issuer, Subject, ClientID string
	Audience, Scopes          []string
	Expiry                    time.Time
}

func view(p *Principal) principalView {
	return principalView{p.Issuer, p.Subject, p.ClientID, p.Audience, p.Scopes, p.Expiry}
}

func TestVerifyPositive(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	exp := clk.Now().Add(time.Hour)
	base := principalView{Issuer: as.Issuer(), Subject: "user-1", ClientID: "client-1", Audience: []string{testResource}, Expiry: exp}
	with := func(f func(*principalView)) principalView { p := base; f(&p); return p }

	tests := []struct {
		name   string
		claims func(oidctest.Claims)
		opts   []oidctest.MintOption
		want   principalView
	}{
		{name: "RS256 with scope string", claims: func(c oidctest.Claims) { c["scope"] = "pets:read pets:write" },
			want: with(func(p *principalView) { p.Scopes = []string{"pets:read", "pets:write"} })},
		{name: "ES256", opts: []oidctest.MintOption{oidctest.WithAlg("ES256")}, claims: func(c oidctest.Claims) { c["scope"] = "a" },
			want: with(func(p *principalView) { p.Scopes = []string{"a"} })},
		{name: "EdDSA", opts: []oidctest.MintOption{oidctest.WithAlg("EdDSA")}, want: base},
		{name: "PS256", opts: []oidctest.MintOption{oidctest.WithAlg("PS256")}, want: base},
		{name: "scp string", claims: func(c oidctest.Claims) { c["scp"] = "a b" },
			want: with(func(p *principalView) { p.Scopes = []string{"a", "b"} })},
		{name: "scp array", claims: func(c oidctest.Claims) { c["scp"] = []string{"a", "b", "a"} },
			want: with(func(p *principalView) { p.Scopes = []string{"a", "b"} })},
		{name: "scope wins over scp", claims: func(c oidctest.Claims) { c["scope"] = "x"; c["scp"] = "y" },
			want: with(func(p *principalView) { p.Scopes = []string{"x"} })},
		{name: "azp as client ID", claims: func(c oidctest.Claims) { delete(c, "client_id"); c["azp"] = "spa" },
			want: with(func(p *principalView) { p.ClientID = "spa" })},
		{name: "kid-less token", opts: []oidctest.MintOption{oidctest.WithKID("")}, want: base},
		{name: "typ JWT accepted when typ is not enforced", opts: []oidctest.MintOption{oidctest.WithTyp("JWT")}, want: base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := as.AccessClaims(testResource)
			if tc.claims != nil {
				tc.claims(c)
			}
			tok := as.Mint(t, c, tc.opts...)
			p, err := v.Verify(t.Context(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tc.want, view(p), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
			if p.Token() != tok {
				t.Error("principal does not carry the token")
			}
			if p.Claims["jti"] != c["jti"] {
				t.Errorf("claims not kept: %v", p.Claims)
			}
		})
	}
}

func TestVerifyMultipleIssuers(t *testing.T) {
	clk := newFakeClock()
	t1 := newAS(t, clk, &oidctest.Options{Path: "/tenant1"})
	t2 := newAS(t, clk, &oidctest.Options{Path: "/tenant2", Discovery: oidctest.ServeOIDCAppended})
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(t1), issuerFor(t2)}}, nil)
	for _, as := range []*oidctest.Server{t1, t2} {
		p, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource, "s")))
		if err != nil {
			t.Fatalf("token of %s: %v", as.Issuer(), err)
		}
		if p.Issuer != as.Issuer() {
			t.Errorf("issuer = %q, want %q", p.Issuer, as.Issuer())
		}
	}
	// A token of tenant2 claiming tenant1 is checked with tenant1's keys.
	forged := t2.Mint(t, t1.AccessClaims(testResource), oidctest.WithKID(t1.KeyID("RS256")))
	if _, err := v.Verify(t.Context(), forged); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("cross-tenant forgery: err = %v, want ErrInvalidToken", err)
	}
	if v.Resource() != testResource {
		t.Errorf("Resource = %q", v.Resource())
	}
	if diff := cmp.Diff([]string{t1.Issuer(), t2.Issuer()}, v.Issuers()); diff != "" {
		t.Errorf("Issuers (-want +got):\n%s", diff)
	}
}

func TestVerifyEntraStyle(t *testing.T) {
	const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	const appID = "api://b2c5b1de-35a4-4b76-a5a6-8d3d2c35c3a1"
	clk := newFakeClock()
	as := newAS(t, clk, &oidctest.Options{Path: "/" + tid + "/v2.0", Discovery: oidctest.ServeOIDCAppended})
	ic := issuerFor(as)
	ic.Profile = ProfileEntra
	ic.Audiences = []string{appID}
	ic.RolesAsScopes = true
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)

	c := as.AccessClaims(appID)
	delete(c, "client_id")
	c["azp"] = "c3b1a6e2-0000-4000-8000-000000000001"
	c["scp"] = "Pets.Read"
	c["roles"] = []string{"Pets.Admin"}
	c["tid"] = tid
	c["ver"] = "2.0"
	p, err := v.Verify(t.Context(), as.Mint(t, c, oidctest.WithTyp("JWT")))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := principalView{Issuer: as.Issuer(), Subject: "user-1", ClientID: "c3b1a6e2-0000-4000-8000-000000000001",
		Audience: []string{appID}, Scopes: []string{"Pets.Read", "Pets.Admin", appID + "/Pets.Read", appID + "/Pets.Admin", testResource + "/Pets.Read", testResource + "/Pets.Admin"}, Expiry: clk.Now().Add(time.Hour)}
	if diff := cmp.Diff(want, view(p)); diff != "" {
		t.Errorf("principal (-want +got):\n%s", diff)
	}

	// App-only token: appid, roles, no scp.
	c = as.AccessClaims(appID)
	delete(c, "client_id")
	c["appid"] = "daemon-app"
	c["roles"] = []string{"Pets.Sync"}
	p, err = v.Verify(t.Context(), as.Mint(t, c, oidctest.WithTyp("JWT")))
	if err != nil {
		t.Fatalf("app-only Verify: %v", err)
	}
	if diff := cmp.Diff([]string{"Pets.Sync", appID + "/Pets.Sync", testResource + "/Pets.Sync"}, p.Scopes); diff != "" || p.ClientID != "daemon-app" {
		t.Errorf("app-only scopes (-want +got):\n%s client %q", diff, p.ClientID)
	}
}

func TestVerifyErrors(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	ic := issuerFor(as)
	ic.Algorithms = []string{"ES256"}
	ic.ScopeClaim = "permissions"
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)

	if _, err := v.Verify(t.Context(), ""); !errors.Is(err, ErrNoToken) {
		t.Errorf("empty token: %v", err)
	}
	_, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource)))
	var ite *InvalidTokenError
	if !errors.As(err, &ite) || ite.Reason != reasonAlgorithm {
		t.Errorf("RS256 outside the allow-list: %v", err)
	}
	c := as.AccessClaims(testResource, "ignored")
	c["permissions"] = []string{"p1"}
	p, err := v.Verify(t.Context(), as.Mint(t, c, oidctest.WithAlg("ES256")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"p1"}, p.Scopes); diff != "" {
		t.Errorf("custom scope claim (-want +got):\n%s", diff)
	}
}

func TestNewVerifierRejectsInvalidConfig(t *testing.T) {
	_, err := NewVerifier(t.Context(), VerifierOptions{Resource: testResource, Config: Config{
		Issuers: []IssuerConfig{{Issuer: "http://idp.example.com", Algorithms: []string{"HS256"}}},
	}})
	if err == nil {
		t.Fatal("NewVerifier accepted an http issuer and HS256")
	}
	if _, err := NewVerifier(t.Context(), VerifierOptions{Config: Config{}}); err == nil {
		t.Fatal("NewVerifier accepted an empty resource")
	}
	_, err = NewVerifier(t.Context(), VerifierOptions{Resource: testResource, LookupEnv: func(string) (string, bool) { return "", false },
		Config: Config{Issuers: []IssuerConfig{{Issuer: "https://idp.example.com", JWKSURL: "https://idp.example.com/jwks",
			Introspection: &IntrospectionConfig{URL: "https://idp.example.com/i", ClientID: "c", ClientSecret: Secret{FromEnv: "MISSING"}}}}}})
	if err == nil {
		t.Fatal("NewVerifier accepted an unresolvable secret")
	}
}
