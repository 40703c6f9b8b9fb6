package authbridge

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestInboundFetchesNeverFollowRedirects checks that metadata, JWKS and
// introspection requests are not redirected to another server, whatever
// the injected HTTP client does (the gateway's client follows redirects
// by default). A followed 307 would resend the introspection form, with
// the caller's token and the client secret, to the redirect target; a
// followed JWKS redirect would let its target supply the keys.
func TestInboundFetchesNeverFollowRedirects(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		http.Error(w, "not here", http.StatusNotFound)
	}))
	t.Cleanup(elsewhere.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)

	clk := newFakeClock()
	as := newAS(t, clk, nil)
	following := &http.Client{Timeout: 5 * time.Second} // follows redirects
	for _, tc := range []struct {
		name  string
		ic    IssuerConfig
		token string
	}{
		{"metadata", IssuerConfig{Issuer: as.Issuer(), MetadataURL: redirector.URL + "/metadata"}, as.Mint(t, as.AccessClaims(testResource))},
		{"jwks", IssuerConfig{Issuer: as.Issuer(), JWKSURL: redirector.URL + "/jwks"}, as.Mint(t, as.AccessClaims(testResource))},
		{"introspection", func() IssuerConfig {
			ic := issuerFor(as)
			ic.JWKSURL = as.JWKSURL()
			ic.Introspection = introspectionFor(as, AuthMethodPost)
			ic.Introspection.URL = redirector.URL + "/introspect"
			return ic
		}(), "opaque-secret-token-123456"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{tc.ic}}, func(o *VerifierOptions) {
				o.HTTPClient = following
				o.StartupTimeout = -1
			})
			if _, err := v.Verify(t.Context(), tc.token); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Verify: %v, want ErrUnavailable", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) > 0 {
				t.Errorf("the redirect was followed: %s", strings.Join(seen, "; "))
			}
			seen = nil
		})
	}
}
