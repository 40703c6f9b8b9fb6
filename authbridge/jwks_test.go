package authbridge

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

func reasonOf(err error) string {
	var ite *InvalidTokenError
	if errors.As(err, &ite) {
		return ite.Reason
	}
	if err == nil {
		return "<nil>"
	}
	return "other: " + err.Error()
}

func TestJWKSUnknownKidFloodIsRateLimited(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	if _, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource))); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	base := as.JWKSFetches()
	if base != 1 {
		t.Fatalf("JWKS fetched %d times after warm-up, want 1", base)
	}

	claims := as.AccessClaims(testResource)
	tokens := make([]string, 200)
	for i := range tokens {
		kid := make([]byte, 8)
		_, _ = rand.Read(kid)
		tokens[i] = as.Mint(t, claims, oidctest.WithAlg("ES256"), oidctest.WithKID(hex.EncodeToString(kid)))
	}
	flood := func() {
		var wg sync.WaitGroup
		for _, tok := range tokens {
			wg.Go(func() {
				if _, err := v.Verify(t.Context(), tok); reasonOf(err) != reasonUnknownKey {
					t.Errorf("random kid: %s", reasonOf(err))
				}
			})
		}
		wg.Wait()
	}
	// Within the interval of the warm-up fetch: no fetch at all.
	flood()
	if got := as.JWKSFetches() - base; got != 0 {
		t.Errorf("flood right after a fetch caused %d JWKS fetches, want 0", got)
	}
	// After the interval: at most one forced refresh for the whole flood.
	clk.Advance(DefaultJWKSMinRefreshInterval)
	flood()
	if got := as.JWKSFetches() - base; got != 1 {
		t.Errorf("flood after the interval caused %d JWKS fetches, want 1", got)
	}
	clk.Advance(DefaultJWKSMinRefreshInterval / 2)
	flood()
	if got := as.JWKSFetches() - base; got != 1 {
		t.Errorf("second flood within the interval: %d fetches in total, want 1", got)
	}
}

func TestJWKSKnownKidBadSignatureDoesNotRefetch(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	clk.Advance(time.Hour - time.Minute) // every refresh would be allowed
	before := as.JWKSFetches()
	for range 20 {
		_, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource), oidctest.WithForeignKey()))
		if reasonOf(err) != reasonSignature {
			t.Fatalf("foreign key: %s", reasonOf(err))
		}
	}
	if got := as.JWKSFetches() - before; got != 0 {
		t.Errorf("forgeries under a known kid caused %d fetches", got)
	}
}

func TestJWKSRotation(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	long := func() oidctest.Claims {
		c := as.AccessClaims(testResource)
		c["exp"] = clk.Now().Add(5 * time.Hour).Unix()
		return c
	}
	oldTok := as.Mint(t, long())
	if _, err := v.Verify(t.Context(), oldTok); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}

	as.Rotate(t)
	newTok := as.Mint(t, long())
	if _, err := v.Verify(t.Context(), newTok); reasonOf(err) != reasonUnknownKey {
		t.Fatalf("new key inside the rate-limit window: %s, want %q", reasonOf(err), reasonUnknownKey)
	}
	clk.Advance(DefaultJWKSMinRefreshInterval)
	if _, err := v.Verify(t.Context(), newTok); err != nil {
		t.Fatalf("new key after the window: %v", err)
	}
	if _, err := v.Verify(t.Context(), oldTok); err != nil {
		t.Fatalf("old key still published: %v", err)
	}

	// Periodic refresh while the old key is still published keeps it.
	clk.Advance(DefaultJWKSMaxAge)
	if _, err := v.Verify(t.Context(), oldTok); err != nil {
		t.Fatalf("old key still published after periodic refresh: %v", err)
	}

	// Retired: trusted from cache until the next periodic refresh, then
	// rejected without further fetches.
	as.RetireOld()
	if _, err := v.Verify(t.Context(), oldTok); err != nil {
		t.Fatalf("retired key before refresh: %v", err)
	}
	clk.Advance(DefaultJWKSMaxAge)
	fetches := as.JWKSFetches()
	if _, err := v.Verify(t.Context(), oldTok); reasonOf(err) != reasonUnknownKey {
		t.Fatalf("retired key after refresh: %s", reasonOf(err))
	}
	if _, err := v.Verify(t.Context(), newTok); err != nil {
		t.Fatalf("current key after refresh: %v", err)
	}
	if got := as.JWKSFetches() - fetches; got != 1 {
		t.Errorf("periodic refresh made %d fetches, want 1", got)
	}
}

func TestJWKSIntervalsAreConfigurable(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, func(o *VerifierOptions) {
		o.JWKSMinRefreshInterval = time.Second
	})
	as.Rotate(t)
	tok := as.Mint(t, as.AccessClaims(testResource))
	clk.Advance(time.Second)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("rotation after a 1s interval: %v", err)
	}
}

func TestJWKSUnavailable(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	as.SetFailing(oidctest.EndpointJWKS, http.StatusInternalServerError)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	tok := as.Mint(t, as.AccessClaims(testResource))
	if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("JWKS down: %v, want ErrUnavailable", err)
	}
	rec := serve(protect(v), bearerRequest(tok))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("middleware: %d Retry-After %q, want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	fetches := as.JWKSFetches()
	for range 10 {
		_, _ = v.Verify(t.Context(), tok)
	}
	if got := as.JWKSFetches() - fetches; got != 0 {
		t.Errorf("%d fetches within the retry interval, want 0", got)
	}
	if err := v.Ready(t.Context()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ready = %v, want ErrUnavailable", err)
	}
	as.SetFailing(oidctest.EndpointJWKS, 0)
	clk.Advance(DefaultRetryInterval)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if err := v.Ready(t.Context()); err != nil {
		t.Errorf("Ready after recovery: %v", err)
	}
	// Later failures keep the cached keys.
	as.SetFailing(oidctest.EndpointJWKS, http.StatusInternalServerError)
	clk.Advance(DefaultJWKSMaxAge)
	if _, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource))); err != nil {
		t.Fatalf("stale keys during an outage: %v", err)
	}
}

func TestJWKSResponseIsBounded(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, func(o *VerifierOptions) {
		o.MaxResponseBytes = 512 // the metadata fits, a JWKS with an RSA key does not
	})
	_, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource)))
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "larger than 512 bytes") {
		t.Fatalf("oversized JWKS: %v", err)
	}
}

func TestJWKSIgnoresUnusableKeys(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	// A JWKS proxy that adds an HMAC key, an encryption-use copy of the
	// RSA key and a key of unknown type to the issuer's real keys.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(as.JWKSURL())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var set struct {
			Keys []map[string]any `json:"keys"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var rsaKey map[string]any
		for _, k := range set.Keys {
			if k["kty"] == "RSA" {
				rsaKey = k
			}
		}
		enc := map[string]any{"kty": "RSA", "use": "enc", "kid": "enc-copy", "n": rsaKey["n"], "e": rsaKey["e"]}
		oct := map[string]any{"kty": "oct", "kid": "hmac", "k": base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))}
		odd := map[string]any{"kty": "XYZ", "kid": "odd"}
		set.Keys = append([]map[string]any{oct, enc, odd}, set.Keys...)
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(proxy.Close)
	ic := issuerFor(as)
	ic.JWKSURL = proxy.URL
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
	if _, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource))); err != nil {
		t.Fatalf("valid token next to unusable keys: %v", err)
	}
	for _, kid := range []string{"enc-copy", "hmac", "odd"} {
		_, err := v.Verify(t.Context(), as.Mint(t, as.AccessClaims(testResource), oidctest.WithKID(kid)))
		if reasonOf(err) != reasonUnknownKey {
			t.Errorf("kid %s: %s, want %q", kid, reasonOf(err), reasonUnknownKey)
		}
	}
}
