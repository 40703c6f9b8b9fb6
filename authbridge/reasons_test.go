package authbridge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
