package authbridge

import (
	"testing"

	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

func BenchmarkVerify(b *testing.B) {
	clk := newFakeClock()
	as := oidctest.New(b, &oidctest.Options{Now: clk.Now})
	ic := IssuerConfig{Issuer: as.Issuer()}
	id, secret := as.ClientCredentials()
	ic.Introspection = &IntrospectionConfig{ClientID: id, ClientSecret: Secret{Value: secret}}
	v, err := NewVerifier(b.Context(), VerifierOptions{Resource: testResource, Config: Config{Issuers: []IssuerConfig{ic}}, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	as.AddOpaqueToken("opaque", map[string]any{"aud": testResource, "sub": "u"})
	for _, bc := range []struct{ name, token string }{
		{"RS256", as.Mint(b, as.AccessClaims(testResource, "a b"))},
		{"ES256", as.Mint(b, as.AccessClaims(testResource, "a b"), oidctest.WithAlg("ES256"))},
		{"EdDSA", as.Mint(b, as.AccessClaims(testResource, "a b"), oidctest.WithAlg("EdDSA"))},
		{"introspection cached", "opaque"},
		{"unknown kid", as.Mint(b, as.AccessClaims(testResource), oidctest.WithKID("nope"))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			_, _ = v.Verify(b.Context(), bc.token)
			for b.Loop() {
				_, _ = v.Verify(b.Context(), bc.token)
			}
		})
	}
}
