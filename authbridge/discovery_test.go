package authbridge

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

func TestDiscoveryURLs(t *testing.T) {
	tests := []struct {
		issuer string
		want   []string
	}{
		{"https://as.example.com/t1", []string{
			"https://as.example.com/.well-known/oauth-authorization-server/t1",
			"https://as.example.com/.well-known/openid-configuration/t1",
			"https://as.example.com/t1/.well-known/openid-configuration",
		}},
		{"https://as.example.com/t1/v2.0/", []string{
			"https://as.example.com/.well-known/oauth-authorization-server/t1/v2.0",
			"https://as.example.com/.well-known/openid-configuration/t1/v2.0",
			"https://as.example.com/t1/v2.0/.well-known/openid-configuration",
		}},
		{"https://as.example.com", []string{
			"https://as.example.com/.well-known/oauth-authorization-server",
			"https://as.example.com/.well-known/openid-configuration",
		}},
		{"https://tenant.auth0.com/", []string{
			"https://tenant.auth0.com/.well-known/oauth-authorization-server",
			"https://tenant.auth0.com/.well-known/openid-configuration",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.issuer, func(t *testing.T) {
			got, err := DiscoveryURLs(tc.issuer)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := DiscoveryURLs("not a url"); err == nil {
		t.Error("relative issuer accepted")
	}
}

func TestDiscoveryOrder(t *testing.T) {
	const (
		rfc8414  = "GET /.well-known/oauth-authorization-server/t1"
		inserted = "GET /.well-known/openid-configuration/t1"
		appended = "GET /t1/.well-known/openid-configuration"
		jwks     = "GET /t1/jwks"
	)
	tests := []struct {
		name string
		opts oidctest.Options
		want []string
	}{
		{"all served: RFC 8414 first", oidctest.Options{Path: "/t1"}, []string{rfc8414, jwks}},
		{"OIDC inserted", oidctest.Options{Path: "/t1", Discovery: oidctest.ServeOIDCInserted}, []string{rfc8414, inserted, jwks}},
		{"OIDC appended", oidctest.Options{Path: "/t1", Discovery: oidctest.ServeOIDCAppended}, []string{rfc8414, inserted, appended, jwks}},
		{"OIDC only, no path", oidctest.Options{Discovery: oidctest.ServeOIDCInserted}, []string{
			"GET /.well-known/oauth-authorization-server", "GET /.well-known/openid-configuration", "GET /jwks"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			as := newAS(t, clk, &tc.opts)
			v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
			if _, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource))); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tc.want, as.Requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiscoveryIssuerMismatchFailsClosed(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, &oidctest.Options{MetadataIssuer: "https://impostor.example.com"})
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	_, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource)))
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("issuer mismatch: %v", err)
	}
	if as.JWKSFetches() != 0 {
		t.Error("JWKS of a mismatched issuer was fetched")
	}
}

func TestDiscoveryExplicitURLs(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, &oidctest.Options{Path: "/t1"})
	t.Run("jwksURL skips discovery", func(t *testing.T) {
		ic := issuerFor(as)
		ic.JWKSURL = as.JWKSURL()
		before := as.Hits(oidctest.EndpointDiscovery)
		v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
		if _, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource))); err != nil {
			t.Fatal(err)
		}
		if got := as.Hits(oidctest.EndpointDiscovery) - before; got != 0 {
			t.Errorf("%d metadata requests, want 0", got)
		}
	})
	t.Run("metadataURL", func(t *testing.T) {
		ic := issuerFor(as)
		ic.MetadataURL = as.MetadataURL()
		v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
		if _, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource))); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStartupWithUnavailableAS(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	as.SetFailing(oidctest.EndpointDiscovery, http.StatusServiceUnavailable)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	tok := as.Mint(t, as.AccessClaims(testResource))
	hits := as.Hits(oidctest.EndpointDiscovery)
	for range 5 {
		if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("AS down: %v, want ErrUnavailable", err)
		}
	}
	if got := as.Hits(oidctest.EndpointDiscovery) - hits; got != 0 {
		t.Errorf("%d discovery attempts within the retry interval, want 0", got)
	}
	as.SetFailing(oidctest.EndpointDiscovery, 0)
	clk.Advance(DefaultRetryInterval)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestStartupWithClosedAS(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	tok := as.Mint(t, as.AccessClaims(testResource))
	as.Close()
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("closed AS: %v, want ErrUnavailable", err)
	}
}

func TestStartupTimeoutBoundsAHangingAS(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })

	clk := newFakeClock()
	start := time.Now()
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{{Issuer: hang.URL}}}, func(o *VerifierOptions) {
		o.StartupTimeout = 100 * time.Millisecond
	})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("NewVerifier took %v with a 100ms startup timeout", d)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := v.Verify(ctx, "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("unknown issuer: %v", err)
	}
	tok := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+hang.URL+`"}`)) + ".c2ln"
	if _, err := v.Verify(ctx, tok); !errors.Is(err, ErrUnavailable) {
		t.Errorf("hanging AS: %v, want ErrUnavailable", err)
	}
}
