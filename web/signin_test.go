package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/web"
)

// TestSessionInForms: with a signed-in admin every post form carries the
// session's CSRF token and the header offers Sign out; without one, no
// form has a token field.
func TestSessionInForms(t *testing.T) {
	h, err := web.New(newFake(), nil)
	if err != nil {
		t.Fatal(err)
	}
	postForm := regexp.MustCompile(`(?s)<form[^>]*method="post".*?</form>`)
	for _, path := range []string{"/", "/upload", "/apis/pets", "/apis/pets/versions"} {
		for _, signedIn := range []bool{false, true} {
			req := httptest.NewRequest("GET", path, nil)
			if signedIn {
				req = req.WithContext(web.WithSession(req.Context(), web.Session{User: "alice@example.com", CSRF: "tok<en>", SignOut: "/signout"}))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", path, rec.Code)
			}
			forms := postForm.FindAllString(body, -1)
			for _, f := range forms {
				if has := strings.Contains(f, `name="csrf" value="tok&lt;en&gt;"`); has != signedIn {
					t.Errorf("%s signed in %v: form with CSRF field %v: %s", path, signedIn, has, f)
				}
			}
			if signedIn && (len(forms) == 0 || !strings.Contains(body, "Signed in as alice@example.com") || !strings.Contains(body, `action="/signout"`)) {
				t.Errorf("%s: no sign-out form or user: %s", path, body)
			}
			if !signedIn && strings.Contains(body, "Sign out") {
				t.Errorf("%s: Sign out offered without a session", path)
			}
		}
	}
}

func TestServeNotice(t *testing.T) {
	h, err := web.New(newFake(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeNotice(rec, httptest.NewRequest("GET", "/signin/callback", nil), http.StatusForbidden, web.Notice{Title: "Not an admin", Message: "claim <roles> missing", Link: "/signin", LinkText: "Sign in again"})
	body := rec.Body.String()
	if rec.Code != 403 || !strings.Contains(body, "<h1>Not an admin</h1>") || !strings.Contains(body, "claim &lt;roles&gt; missing") || !strings.Contains(body, `href="/signin"`) || rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("%d %v %s", rec.Code, rec.Header(), body)
	}
}
