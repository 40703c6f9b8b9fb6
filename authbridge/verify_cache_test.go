package authbridge

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

func TestVerifiedTokenCache(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	claims := as.AccessClaims(testResource, "pets:read")
	claims["exp"] = clk.Now().Add(10 * time.Minute).Unix()
	tok := as.Mint(t, claims)

	first, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if v.cache.len() != 1 {
		t.Fatalf("cache holds %d tokens after one verification, want 1", v.cache.len())
	}
	again, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if again == first || again.Token() != tok || again.Subject != first.Subject || !again.Expiry.Equal(first.Expiry) {
		t.Fatalf("cached principal %+v, want a copy of %+v carrying the token", again, first)
	}
	if p, ok := v.cache.get(tok, clk.Now()); !ok || p.Token() != tok {
		t.Fatal("second verification did not come from the cache")
	}

	t.Run("rejected tokens are not cached", func(t *testing.T) {
		n := v.cache.len()
		forged := as.Mint(t, as.AccessClaims(testResource), oidctest.WithForeignKey())
		for range 2 {
			if _, err := v.Verify(t.Context(), forged); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("forged token: %v", err)
			}
		}
		if v.cache.len() != n {
			t.Fatal("a rejected token was cached")
		}
	})
	t.Run("never past exp", func(t *testing.T) {
		clk.Advance(10 * time.Minute)
		if _, ok := v.cache.get(tok, clk.Now()); ok {
			t.Fatal("served from the cache at exp")
		}
		clk.Advance(10 * time.Minute) // past the clock-skew leeway
		if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("expired token: %v", err)
		}
	})
	t.Run("dropped when the issuer's keys change", func(t *testing.T) {
		claims := as.AccessClaims(testResource)
		claims["exp"] = clk.Now().Add(time.Hour).Unix()
		tok := as.Mint(t, claims)
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
		if _, ok := v.cache.get(tok, clk.Now()); !ok {
			t.Fatal("not cached")
		}
		as.Rotate(t)
		// A refresh (here forced, as an unknown kid would) sees the new keys.
		is := v.byIssuer[as.Issuer()]
		is.mu.Lock()
		keys := is.keys
		is.mu.Unlock()
		if _, err := keys.refresh(t.Context(), true); err != nil {
			t.Fatal(err)
		}
		if _, ok := v.cache.get(tok, clk.Now()); ok {
			t.Fatal("still served from the cache after the keys changed")
		}
	})
}

func TestVerifiedCacheBounded(t *testing.T) {
	c := newVerifiedCache(100)
	ks := &keySet{}
	now := time.Now()
	ks.staleAt.Store(now.Add(time.Hour).UnixNano())
	p := NewPrincipal("x")
	for i := range 1000 {
		c.put(fmt.Sprint("tok-", i), p, ks, 0, now.Add(time.Hour), now)
		if c.len() > 100 {
			t.Fatalf("cache grew to %d entries", c.len())
		}
	}
	if got, ok := c.get("tok-999", now); !ok || got.Token() != "tok-999" {
		t.Fatal("the newest entry is missing")
	}
	c.put("expired", p, ks, 0, now, now)
	if _, ok := c.get("expired", now); ok {
		t.Fatal("an already expired token was cached")
	}
}
