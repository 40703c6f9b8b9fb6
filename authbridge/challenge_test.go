package authbridge

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const prmURL = "https://gw.example.com/.well-known/oauth-protected-resource/mcp/pets"

func TestChallengeString(t *testing.T) {
	tests := []struct {
		name string
		ch   Challenge
		want string
	}{
		{"empty", Challenge{}, "Bearer"},
		{"no token", Challenge{ResourceMetadata: prmURL, Scopes: []string{"pets:read", "offline_access"}},
			`Bearer scope="pets:read", resource_metadata="` + prmURL + `"`},
		{"invalid token", Challenge{ResourceMetadata: prmURL, Scopes: []string{"a", "b"}, Error: "invalid_token", Description: "token expired"},
			`Bearer error="invalid_token", error_description="token expired", scope="a b", resource_metadata="` + prmURL + `"`},
		{"quote and backslash in description", Challenge{Error: "invalid_token", Description: `bad "x" \ y`},
			`Bearer error="invalid_token", error_description="bad ?x? ? y"`},
		{"header injection in description", Challenge{Description: "x\r\nSet-Cookie: a=b"},
			`Bearer error_description="x??Set-Cookie: a=b"`},
		{"invalid scope tokens dropped", Challenge{Scopes: []string{`a"b`, "c d", `e\f`, "ok", "", "ü"}},
			`Bearer scope="ok"`},
		{"URL with quote", Challenge{ResourceMetadata: `https://x/"y z`},
			`Bearer resource_metadata="https://x/%22y%20z"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ch.String(); got != tc.want {
				t.Errorf("String() =\n%s\nwant\n%s", got, tc.want)
			}
			if _, ok := parseChallenge(tc.ch.String()); !ok {
				t.Errorf("not parseable: %s", tc.ch.String())
			}
		})
	}
}

func TestWriteChallenges(t *testing.T) {
	ch := Challenge{ResourceMetadata: prmURL, Scopes: []string{"pets:read", "pets:write"}}
	tests := []struct {
		name   string
		write  func(http.ResponseWriter)
		status int
		header string
		body   string
	}{
		{"unauthorized", func(w http.ResponseWriter) { WriteUnauthorized(w, ch) }, 401,
			`Bearer scope="pets:read pets:write", resource_metadata="` + prmURL + `"`, `{"error":"unauthorized"}`},
		{"insufficient scope", func(w http.ResponseWriter) { WriteInsufficientScope(w, ch) }, 403,
			`Bearer error="insufficient_scope", error_description="the token lacks the scopes this operation requires", scope="pets:read pets:write", resource_metadata="` + prmURL + `"`,
			`{"error":"insufficient_scope","error_description":"the token lacks the scopes this operation requires"}`},
		{"forbidden", func(w http.ResponseWriter) {
			WriteForbidden(w, Challenge{ResourceMetadata: prmURL, Scopes: []string{"x"}, Description: "tenant mismatch"})
		}, 403,
			`Bearer resource_metadata="` + prmURL + `"`, `{"error":"access_denied","error_description":"tenant mismatch"}`},
		{"invalid request", func(w http.ResponseWriter) {
			WriteInvalidRequest(w, Challenge{ResourceMetadata: prmURL, Scopes: []string{"x"}})
		}, 400,
			`Bearer error="invalid_request", resource_metadata="` + prmURL + `"`, `{"error":"invalid_request"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tc.write(rec)
			if rec.Code != tc.status {
				t.Errorf("status = %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.header {
				t.Errorf("WWW-Authenticate =\n%s\nwant\n%s", got, tc.header)
			}
			if got := strings.TrimSpace(rec.Body.String()); got != tc.body {
				t.Errorf("body = %s, want %s", got, tc.body)
			}
			if rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", rec.Header().Get("Content-Type"))
			}
		})
	}
}

func FuzzChallenge(f *testing.F) {
	f.Add(prmURL, "pets:read offline_access", "invalid_token", "token expired")
	f.Add(`https://x/"a\b`, `a"b c\d`, "x\r\ny", "\x00\xff\"\\")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, md, scopes, code, desc string) {
		ch := Challenge{ResourceMetadata: md, Scopes: strings.Split(scopes, " "), Error: code, Description: desc}
		h := ch.String()
		params, ok := parseChallenge(h)
		if !ok {
			t.Fatalf("malformed challenge %q", h)
		}
		for k := range params {
			switch k {
			case "error", "error_description", "scope", "resource_metadata":
			default:
				t.Fatalf("unexpected parameter %q in %q", k, h)
			}
		}
		if strings.Contains(params["scope"], "offline_access") {
			t.Fatalf("offline_access advertised: %q", h)
		}
		rec := httptest.NewRecorder()
		WriteUnauthorized(rec, ch)
		if got := rec.Header().Values("WWW-Authenticate"); len(got) != 1 || got[0] != h {
			t.Fatalf("header not preserved: %q", got)
		}
	})
}
