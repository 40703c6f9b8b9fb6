package authbridge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRequireBearerRejectReasons(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		header []string
		url    string
		want   RejectReason // "" = accepted
	}{
		{name: "no header", want: RejectMissingToken},
		{name: "other scheme", header: []string{"Basic Zm9vOmJhcg=="}, want: RejectMissingToken},
		{name: "malformed", header: []string{"Bearer a b"}, want: RejectInvalidRequest},
		{name: "two headers", header: []string{"Bearer a", "Bearer b"}, want: RejectInvalidRequest},
		{name: "token in query", url: "/?access_token=x", header: []string{"Bearer a"}, want: RejectInvalidRequest},
		{name: "invalid token", header: []string{"Bearer a"}, err: &InvalidTokenError{Reason: "expired"}, want: RejectInvalidToken},
		{name: "unavailable", header: []string{"Bearer a"}, err: ErrUnavailable, want: RejectUnavailable},
		{name: "accepted", header: []string{"Bearer good"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []RejectReason
			mw := RequireBearer(stubVerifier{err: tt.err}, MiddlewareOptions{
				OnReject: func(_ context.Context, r RejectReason) { got = append(got, r) },
			})
			h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			u := tt.url
			if u == "" {
				u = "/"
			}
			req := httptest.NewRequest(http.MethodPost, u, strings.NewReader("{}"))
			for _, v := range tt.header {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Fatalf("accepted request reported %v", got)
			case tt.want == "" && rec.Code != http.StatusOK:
				t.Fatalf("status %d, want 200", rec.Code)
			case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
				t.Fatalf("reported %v, want [%s] (status %d)", got, tt.want, rec.Code)
			}
		})
	}
}

// TestRejectReasonsWithVerifiedCache: a token served from the verified-
// token cache is accepted without a reason, and the same token once
// expired is refused as invalid_token (never as accepted from the cache).
func TestRejectReasonsWithVerifiedCache(t *testing.T) {
	clk := newFakeClock()
	as := newAS(t, clk, nil)
	v := newTestVerifier(t, clk, Config{Issuers: []IssuerConfig{issuerFor(as)}}, nil)
	claims := as.AccessClaims(testResource, "pets:read")
	claims["exp"] = clk.Now().Add(10 * time.Minute).Unix()
	tok := as.Mint(t, claims)

	var got []RejectReason
	h := RequireBearer(v, MiddlewareOptions{
		OnReject: func(_ context.Context, r RejectReason) { got = append(got, r) },
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	call := func() int {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range 2 { // the second one from the cache
		if code := call(); code != http.StatusOK || len(got) != 0 {
			t.Fatalf("call %d: status %d, reasons %v; want 200 and none", i, code, got)
		}
	}
	if _, ok := v.cache.get(tok, clk.Now()); !ok {
		t.Fatal("token not cached")
	}
	clk.Advance(20 * time.Minute) // past exp and the clock-skew leeway
	if code := call(); code != http.StatusUnauthorized || len(got) != 1 || got[0] != RejectInvalidToken {
		t.Fatalf("expired cached token: status %d, reasons %v; want 401 and [invalid_token]", code, got)
	}
}
