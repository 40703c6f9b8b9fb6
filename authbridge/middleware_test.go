package authbridge

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		header  string
		want    string
		wantErr error // nil: success; ErrNoToken; errAny: any other error
	}{
		{"Bearer abc", "abc", nil},
		{"bearer abc", "abc", nil},
		{"BEARER a.b-c_d~e+f/g==", "a.b-c_d~e+f/g==", nil},
		{"Bearer   abc", "abc", nil},
		{"Bearer abc ", "abc", nil},
		{"", "", ErrNoToken},
		{"Basic dXNlcjpw", "", ErrNoToken},
		{"DPoP abc", "", ErrNoToken},
		{"Bearer", "", errAny},
		{"Bearer ", "", errAny},
		{"Bearer a b", "", errAny},
		{"Bearer a\tb", "", errAny},
		{"Bearer a=b", "", errAny},
		{"Bearer =", "", errAny},
		{`Bearer a"b`, "", errAny},
		{"Bearer\tabc", "", errAny},
		{"Bearerabc", "", ErrNoToken},
		{"Bear(er abc", "", errAny},
	}
	for _, tc := range tests {
		got, err := ParseAuthorization(tc.header)
		switch {
		case tc.wantErr == nil && (err != nil || got != tc.want):
			t.Errorf("ParseAuthorization(%q) = %q, %v; want %q", tc.header, got, err, tc.want)
		case tc.wantErr == ErrNoToken && !errors.Is(err, ErrNoToken):
			t.Errorf("ParseAuthorization(%q) err = %v, want ErrNoToken", tc.header, err)
		case tc.wantErr == errAny && (err == nil || errors.Is(err, ErrNoToken)):
			t.Errorf("ParseAuthorization(%q) err = %v, want a malformed-header error", tc.header, err)
		}
	}
}

var errAny = errors.New("any error")

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Basic x", "Bearer a b", "Bearer ", "Bearer x==", "Bearer \x00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tok, err := ParseAuthorization(header)
		if err != nil {
			if tok != "" {
				t.Fatalf("token %q returned with error %v", tok, err)
			}
			if strings.Contains(err.Error(), header) && len(header) > 8 {
				t.Fatalf("error echoes the header: %v", err)
			}
			return
		}
		if !isB64Token(tok) {
			t.Fatalf("accepted token %q outside the b64token charset", tok)
		}
		if !strings.Contains(header, tok) {
			t.Fatalf("token %q not taken from %q", tok, header)
		}
		scheme, _, _ := strings.Cut(strings.TrimLeft(header, " \t"), " ")
		if !strings.EqualFold(scheme, "bearer") {
			t.Fatalf("accepted scheme %q", scheme)
		}
	})
}

// stubVerifier accepts "good" and reports err for anything else.
type stubVerifier struct{ err error }

func (s stubVerifier) Verify(_ context.Context, raw string) (*Principal, error) {
	if raw == "good" {
		p := NewPrincipal(raw)
		p.Subject = "alice"
		return p, nil
	}
	return nil, s.err
}

func TestRequireBearerEveryMethod(t *testing.T) {
	h := protect(stubVerifier{err: invalid(reasonExpired)}, "s")
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodOptions, http.MethodHead} {
		r := httptest.NewRequest(m, testResource, nil)
		if rec := serve(h, r); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s without token: %d", m, rec.Code)
		}
		r = httptest.NewRequest(m, testResource, nil)
		r.Header.Set("Authorization", "Bearer good")
		if rec := serve(h, r); rec.Code != http.StatusOK {
			t.Errorf("%s with token: %d", m, rec.Code)
		}
	}
}

func TestRequireBearerUnexpectedErrorFailsClosed(t *testing.T) {
	for _, err := range []error{ErrUnavailable, context.Canceled, errors.New("boom")} {
		rec := serve(protect(stubVerifier{err: err}), bearerRequest("bad"))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%v: status %d, want 503", err, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "boom") {
			t.Errorf("%v: internal error leaked: %s", err, rec.Body)
		}
	}
}

func TestRequireBearerKeepsFormBody(t *testing.T) {
	var got string
	h := RequireBearer(stubVerifier{}, MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	body := "a=1&b=" + strings.Repeat("x", maxFormPeek) // longer than the peek
	r := httptest.NewRequest(http.MethodPost, testResource, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer good")
	if rec := serve(h, r); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if got != body {
		t.Errorf("body not restored: %d bytes, want %d", len(got), len(body))
	}
}

func TestRequireBearerScopesAreDynamic(t *testing.T) {
	scopes := []string{"v1"}
	h := RequireBearer(stubVerifier{}, MiddlewareOptions{ResourceMetadataURL: prmURL, Scopes: func() []string { return scopes }})(http.NotFoundHandler())
	first := serve(h, httptest.NewRequest(http.MethodGet, testResource, nil)).Header().Get("WWW-Authenticate")
	scopes = []string{"v2", "offline_access"}
	second := serve(h, httptest.NewRequest(http.MethodGet, testResource, nil)).Header().Get("WWW-Authenticate")
	if !strings.Contains(first, `scope="v1"`) || !strings.Contains(second, `scope="v2"`) {
		t.Errorf("challenges %q, %q", first, second)
	}
}
