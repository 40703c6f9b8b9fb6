package authbridge

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

func TestIntrospectionClientAuthAndCache(t *testing.T) {
	for _, method := range []string{"", AuthMethodBasic, AuthMethodPost} {
		name := method
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			clk := newFakeClock()
			// Characters that RFC 6749 §2.3.1 form-encoding must protect.
			as := newAS(t, clk, &oidctest.Options{ClientID: "gw client:1", ClientSecret: "s3cr%t:+/ é"})
			ic := issuerFor(as)
			ic.Introspection = introspectionFor(as, method)
			v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
			exp := clk.Now().Add(30 * time.Minute)
			as.AddOpaqueToken("opaque-1", map[string]any{
				"sub": "user-9", "client_id": "cli", "scope": "pets:read pets:write",
				"aud": []string{testResource}, "iss": as.Issuer(), "exp": exp.Unix(), "token_type": "Bearer",
			})

			p, err := v.Verify(t.Context(), "opaque-1")
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := principalView{Issuer: as.Issuer(), Subject: "user-9", ClientID: "cli",
				Audience: []string{testResource}, Scopes: []string{"pets:read", "pets:write"}, Expiry: exp}
			if diff := cmp.Diff(want, view(p)); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
			if p.Token() != "opaque-1" {
				t.Error("principal does not carry the token")
			}
			wantAuth := method
			if wantAuth == "" {
				wantAuth = AuthMethodBasic
			}
			if got := as.LastIntrospectionAuth(); got != wantAuth {
				t.Errorf("client auth = %q, want %q", got, wantAuth)
			}

			// Cached: no second call within the TTL.
			p2, err := v.Verify(t.Context(), "opaque-1")
			if err != nil || p2.Token() != "opaque-1" || p2 == p {
				t.Fatalf("cached Verify: %v", err)
			}
			if got := as.IntrospectionCalls(); got != 1 {
				t.Errorf("introspection calls = %d, want 1", got)
			}
			// The cache TTL (60s) bounds reuse.
			clk.Advance(DefaultIntrospectionTTL)
			if _, err := v.Verify(t.Context(), "opaque-1"); err != nil {
				t.Fatal(err)
			}
			if got := as.IntrospectionCalls(); got != 2 {
				t.Errorf("introspection calls after TTL = %d, want 2", got)
			}
		})
	}
}

func TestIntrospectionCacheBoundedByExpiry(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	ic := issuerFor(as)
	ic.Introspection = introspectionFor(as, "")
	ic.Introspection.CacheTTL = Duration(5 * time.Minute)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
	as.AddOpaqueToken("short", map[string]any{"aud": testResource, "sub": "u", "exp": clk.Now().Add(20 * time.Second).Unix()})
	if _, err := v.Verify(t.Context(), "short"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(20 * time.Second)
	as.AddOpaqueToken("short", map[string]any{"active": false})
	if _, err := v.Verify(t.Context(), "short"); reasonOf(err) != reasonInactive {
		t.Fatalf("after exp: %s", reasonOf(err))
	}
	if got := as.IntrospectionCalls(); got != 2 {
		t.Errorf("introspection calls = %d, want 2 (cache entry must end at exp)", got)
	}
}

func TestIntrospectionNegativeCache(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	ic := issuerFor(as)
	ic.Introspection = introspectionFor(as, "")
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
	for range 3 {
		if _, err := v.Verify(t.Context(), "unknown"); reasonOf(err) != reasonInactive {
			t.Fatalf("unknown opaque token: %s", reasonOf(err))
		}
	}
	if got := as.IntrospectionCalls(); got != 1 {
		t.Errorf("introspection calls = %d, want 1", got)
	}
	clk.Advance(negativeIntrospectionTTL)
	as.AddOpaqueToken("unknown", map[string]any{"aud": testResource, "sub": "u"})
	if _, err := v.Verify(t.Context(), "unknown"); err != nil {
		t.Fatalf("after negative TTL: %v", err)
	}
}

func TestIntrospectionConcurrentCallsShareOneRequest(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	ic := issuerFor(as)
	ic.Introspection = introspectionFor(as, "")
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
	as.AddOpaqueToken("shared", map[string]any{"aud": testResource, "sub": "u"})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := v.Verify(t.Context(), "shared"); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
	wg.Wait()
	if got := as.IntrospectionCalls(); got > 2 {
		t.Errorf("50 concurrent verifications made %d introspection calls", got)
	}
}

func TestIntrospectionFailures(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	as.AddOpaqueToken("good", map[string]any{"aud": testResource, "sub": "u"})
	as.AddOpaqueToken("foreign-iss", map[string]any{"aud": testResource, "sub": "u", "iss": "https://other.example"})
	as.AddOpaqueToken("expired", map[string]any{"aud": testResource, "sub": "u", "exp": clk.Now().Add(-time.Hour).Unix()})
	as.AddOpaqueToken("future", map[string]any{"aud": testResource, "sub": "u", "nbf": clk.Now().Add(time.Hour).Unix()})
	as.AddOpaqueToken("trailing-slash-aud", map[string]any{"sub": "u", "aud": testResource + "/"})
	as.AddOpaqueToken("active-string", map[string]any{"active": "true"})
	as.AddOpaqueToken("no-aud", map[string]any{"sub": "u"})

	tests := []struct {
		name  string
		edit  func(*IntrospectionConfig)
		token string
		want  string // reason, "unavailable" or "" for success
	}{
		{name: "good", token: "good"},
		{name: "audience with trailing slash", token: "trailing-slash-aud"},
		{name: "foreign iss", token: "foreign-iss", want: reasonUnknownIssuer},
		{name: "expired", token: "expired", want: reasonExpired},
		{name: "not yet valid", token: "future", want: reasonNotYetValid},
		{name: "active as a string is not active", token: "active-string", want: reasonInactive},
		{name: "no audience proves nothing", token: "no-aud", want: reasonAudience},
		{name: "no audience allowed by the operator", token: "no-aud",
			edit: func(c *IntrospectionConfig) { c.AllowMissingAudience = true }},
		{name: "wrong client secret", token: "good", want: "unavailable",
			edit: func(c *IntrospectionConfig) { c.ClientSecret = Secret{Value: "wrong"} }},
		{name: "explicit URL", token: "good", edit: func(c *IntrospectionConfig) { c.URL = as.IntrospectionURL() }},
		{name: "explicit URL unreachable", token: "good", want: "unavailable",
			edit: func(c *IntrospectionConfig) { c.URL = "http://127.0.0.1:1/introspect" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ic := issuerFor(as)
			ic.Introspection = introspectionFor(as, "")
			if tc.edit != nil {
				tc.edit(ic.Introspection)
			}
			v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
			_, err := v.Verify(t.Context(), tc.token)
			switch {
			case tc.want == "":
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
			case tc.want == "unavailable":
				if !errors.Is(err, ErrUnavailable) {
					t.Fatalf("err = %v, want ErrUnavailable", err)
				}
			default:
				if reasonOf(err) != tc.want {
					t.Fatalf("reason = %s, want %q", reasonOf(err), tc.want)
				}
			}
		})
	}
}

func TestIntrospectionDownIs503(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	as.SetFailing(oidctest.EndpointIntrospection, http.StatusInternalServerError)
	ic := issuerFor(as)
	ic.Introspection = introspectionFor(as, "")
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{ic}}, nil)
	rec := serve(protect(v, "s"), bearerRequest("opaque"))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
	// Failures are not cached: recovery is immediate.
	as.SetFailing(oidctest.EndpointIntrospection, 0)
	as.AddOpaqueToken("opaque", map[string]any{"aud": testResource, "sub": "u"})
	if rec := serve(protect(v, "s"), bearerRequest("opaque")); rec.Code != http.StatusOK {
		t.Fatalf("after recovery: %d %s", rec.Code, rec.Body)
	}
}

func TestIntrospectionCacheEviction(t *testing.T) {
	c := newIntrospectionCache(2)
	now := time.Unix(1000, 0)
	e := introspectionEntry{err: invalid(reasonInactive), expires: now.Add(time.Minute)}
	k := func(b byte) [32]byte { return [32]byte{b} }
	c.put(k(1), e)
	c.put(k(2), e)
	if _, ok := c.get(k(1), now); !ok { // 1 becomes most recent
		t.Fatal("entry 1 missing")
	}
	c.put(k(3), e)
	if _, ok := c.get(k(2), now); ok {
		t.Error("least recently used entry 2 not evicted")
	}
	if _, ok := c.get(k(1), now); !ok {
		t.Error("entry 1 evicted")
	}
	if _, ok := c.get(k(3), now.Add(time.Minute)); ok {
		t.Error("expired entry served")
	}
	if got := c.len(); got != 1 {
		t.Errorf("len = %d, want 1", got)
	}
}
