package authbridge

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAS is a token endpoint that records every request and answers with
// respond (default: a fresh bearer token valid for an hour).
type fakeAS struct {
	srv   *httptest.Server
	count atomic.Int64

	mu       sync.Mutex
	requests []tokenRequest
	respond  func(w http.ResponseWriter, r tokenRequest, n int64)
}

// tokenRequest is what the fake token endpoint received.
type tokenRequest struct {
	Form        url.Values
	BasicUser   string // raw, still form-URL-encoded
	BasicPass   string
	HasBasic    bool
	ContentType string
	Method      string
}

func newFakeAS(t *testing.T) *fakeAS {
	t.Helper()
	as := &fakeAS{}
	as.srv = httptest.NewServer(http.HandlerFunc(as.serve))
	t.Cleanup(as.srv.Close)
	return as
}

// tokenURL returns the token endpoint URL.
func (as *fakeAS) tokenURL() string { return as.srv.URL + "/token" }

func (as *fakeAS) setRespond(f func(w http.ResponseWriter, r tokenRequest, n int64)) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.respond = f
}

func (as *fakeAS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	tr := tokenRequest{Form: form, ContentType: r.Header.Get("Content-Type"), Method: r.Method}
	tr.BasicUser, tr.BasicPass, tr.HasBasic = r.BasicAuth()
	n := as.count.Add(1)
	as.mu.Lock()
	as.requests = append(as.requests, tr)
	respond := as.respond
	as.mu.Unlock()
	if respond == nil {
		respond = func(w http.ResponseWriter, _ tokenRequest, n int64) {
			writeTokenJSON(w, http.StatusOK, map[string]any{
				"access_token": "upstream-token-" + strconv.FormatInt(n, 10),
				"token_type":   "Bearer",
				"expires_in":   3600,
			})
		}
	}
	respond(w, tr, n)
}

// last returns the most recent request.
func (as *fakeAS) last(t *testing.T) tokenRequest {
	t.Helper()
	as.mu.Lock()
	defer as.mu.Unlock()
	if len(as.requests) == 0 {
		t.Fatal("token endpoint received no request")
	}
	return as.requests[len(as.requests)-1]
}

func writeTokenJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// callerToken is a realistic-looking caller token used across tests.
const callerToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6Imh0dHBzOi8vZ3cvbWNwL3BldHMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

// callerPrincipal returns a caller holding callerToken, valid for an hour
// after now.
func callerPrincipal(now time.Time) *Principal {
	p := NewPrincipal(callerToken)
	p.Issuer = "https://idp.example.com"
	p.Subject = "alice"
	p.ClientID = "vscode"
	p.Expiry = now.Add(time.Hour)
	return p
}

// mustCredentials builds credentials or fails the test.
func mustCredentials(t *testing.T, cfg UpstreamAuthConfig, opts CredentialsOptions) Credentials {
	t.Helper()
	c, err := NewCredentials(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("NewCredentials: %v", err)
	}
	return c
}

// newUpstreamRequest returns a GET to an upstream URL.
func newUpstreamRequest(t *testing.T, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// inlineSecret returns an inline secret.
func inlineSecret(v string) *Secret { return &Secret{Value: v} }
