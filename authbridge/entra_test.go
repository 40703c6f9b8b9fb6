package authbridge

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/internal/entratest"
)

// entraFixture is an Entra emulator with the Petstore API registered
// under two App ID URIs (api://petstore and the MCP endpoint URL), a
// pre-registered public MCP client and a daemon with an app role.
type entraFixture struct {
	e                  *entratest.Server
	clk                *fakeClock
	api, other, daemon entratest.App
	legacy             entratest.App
}

const otherTenant = "22222222-0000-4000-8000-000000000000"

func newEntraFixture(t *testing.T) *entraFixture {
	t.Helper()
	clk := newFakeClock()
	e := entratest.New(t, &entratest.Options{Tenants: []string{entratest.DefaultTenant, otherTenant}, Now: clk.Now})
	f := &entraFixture{e: e, clk: clk}
	f.api = e.Register(entratest.App{Name: "petstore", AppIDURIs: []string{"api://petstore", testResource},
		Scopes: []string{"Pets.Read", "Pets.Write"}, AppRoles: []string{"Pets.Sync"}, AccessTokenVersion: 2})
	f.other = e.Register(entratest.App{Name: "other", AppIDURIs: []string{"api://other"}, Scopes: []string{"Pets.Read"}, AccessTokenVersion: 2})
	f.legacy = e.Register(entratest.App{Name: "legacy", AppIDURIs: []string{"api://legacy"}, Scopes: []string{"Pets.Read"}})
	f.daemon = e.Register(entratest.App{Name: "daemon", ClientSecret: "daemon-secret"})
	e.AssignRoles(f.daemon.ClientID, f.api.ClientID, "Pets.Sync")
	return f
}

func (f *entraFixture) verifier(t *testing.T, ics ...IssuerConfig) *Verifier {
	t.Helper()
	v, err := NewVerifier(t.Context(), VerifierOptions{Resource: testResource, Config: Config{Issuers: ics}, Now: f.clk.Now})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

func (f *entraFixture) v2Issuer(audiences ...string) IssuerConfig {
	return IssuerConfig{Issuer: f.e.Issuer(entratest.DefaultTenant), Profile: ProfileEntra, Audiences: audiences, RolesAsScopes: true}
}

func (f *entraFixture) login(t *testing.T, resource string, scopes ...string) string {
	t.Helper()
	tr, err := f.e.Login(t.Context(), entratest.LoginRequest{ClientID: entratest.VSCodeClientID, RedirectURI: "http://127.0.0.1:33418/", Scopes: scopes, Resource: resource})
	if err != nil {
		t.Fatalf("login %v: %v", scopes, err)
	}
	return tr.AccessToken
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	var ite *InvalidTokenError
	if !errors.As(err, &ite) || ite.Reason != reason {
		t.Errorf("err = %v, want invalid token (%s)", err, reason)
	}
}

// TestEntraEmulator runs the verifier against Entra-shaped tokens from
// the emulator: every accepted shape and every rejection the Entra
// profile promises.
func TestEntraEmulator(t *testing.T) {
	f := newEntraFixture(t)
	v := f.verifier(t, f.v2Issuer("api://petstore", f.api.ClientID))

	t.Run("VS Code: api:// scopes, no resource", func(t *testing.T) {
		p, err := v.Verify(t.Context(), f.login(t, "", "api://petstore/Pets.Read"))
		if err != nil {
			t.Fatal(err)
		}
		if !p.HasScope("api://petstore/Pets.Read") || p.ClientID != entratest.VSCodeClientID {
			t.Errorf("principal %v", p)
		}
	})
	t.Run("RFC 8707 client: the endpoint URL is the App ID URI", func(t *testing.T) {
		gv := f.verifier(t, f.v2Issuer(f.api.ClientID)) // only the GUID listed
		p, err := gv.Verify(t.Context(), f.login(t, testResource, testResource+"/Pets.Read"))
		if err != nil {
			t.Fatal(err)
		}
		if !p.HasScope(testResource + "/Pets.Read") {
			t.Errorf("scopes %v lack %s/Pets.Read", p.Scopes, testResource)
		}
	})
	t.Run("app-only roles", func(t *testing.T) {
		tok := f.e.Token(t, entratest.TokenRequest{Client: f.daemon.ClientID, API: f.api.ClientID, AppOnly: true, Roles: []string{"Pets.Sync"}})
		p, err := v.Verify(t.Context(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if !p.HasScope("api://petstore/Pets.Sync") || p.ClientID != f.daemon.ClientID {
			t.Errorf("principal %v", p)
		}
	})
	t.Run("wrong audience", func(t *testing.T) {
		_, err := v.Verify(t.Context(), f.login(t, "", "api://other/Pets.Read"))
		wantReason(t, err, reasonAudience)
	})
	t.Run("v1 token only when its issuer is configured", func(t *testing.T) {
		tok := f.e.Token(t, entratest.TokenRequest{Client: entratest.VSCodeClientID, API: f.legacy.ClientID, Scopes: []string{"Pets.Read"}})
		_, err := v.Verify(t.Context(), tok)
		wantReason(t, err, reasonUnknownIssuer)
		v1 := f.verifier(t, IssuerConfig{Issuer: f.e.IssuerV1(entratest.DefaultTenant), MetadataURL: f.e.MetadataURLV1(entratest.DefaultTenant),
			Audiences: []string{"api://legacy"}})
		p, err := v1.Verify(t.Context(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if !p.HasScope("api://legacy/Pets.Read") || p.ClientID != entratest.VSCodeClientID {
			t.Errorf("v1 principal %v", p)
		}
	})
	t.Run("expired", func(t *testing.T) {
		c, v1, err := f.e.Claims(entratest.TokenRequest{Client: entratest.VSCodeClientID, API: f.api.ClientID, Scopes: []string{"Pets.Read"}})
		if err != nil {
			t.Fatal(err)
		}
		c["exp"] = f.clk.Now().Add(-time.Hour).Unix()
		_, err = v.Verify(t.Context(), f.e.Sign(t, c, v1))
		wantReason(t, err, reasonExpired)
	})
	t.Run("another tenant's issuer, same keys", func(t *testing.T) {
		tok := f.e.Token(t, entratest.TokenRequest{Tenant: otherTenant, Client: entratest.VSCodeClientID, API: f.api.ClientID, Scopes: []string{"Pets.Read"}})
		_, err := v.Verify(t.Context(), tok)
		wantReason(t, err, reasonUnknownIssuer)
	})
	t.Run("forged signature", func(t *testing.T) {
		tok := f.login(t, "", "api://petstore/Pets.Read")
		_, err := v.Verify(t.Context(), tok[:len(tok)-6]+"AAAAAA")
		wantReason(t, err, reasonSignature)
	})
	t.Run("key rotation", func(t *testing.T) {
		f.e.Rotate(t)
		f.clk.Advance(DefaultJWKSMinRefreshInterval) // an unknown kid may refresh the keys again
		tok := f.login(t, "", "api://petstore/Pets.Write")
		p, err := v.Verify(t.Context(), tok)
		if err != nil {
			t.Fatalf("token signed with the rotated key: %v", err)
		}
		if !slices.Contains(p.Scopes, "api://petstore/Pets.Write") {
			t.Errorf("scopes %v", p.Scopes)
		}
	})
}
