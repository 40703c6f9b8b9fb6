package authbridge

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpointErrorMapping(t *testing.T) {
	t.Parallel()
	oauthErr := func(status int, code, desc string) func(http.ResponseWriter, tokenRequest, int64) {
		return func(w http.ResponseWriter, _ tokenRequest, _ int64) {
			writeTokenJSON(w, status, map[string]any{"error": code, "error_description": desc})
		}
	}
	raw := func(status int, ctype, body string) func(http.ResponseWriter, tokenRequest, int64) {
		return func(w http.ResponseWriter, _ tokenRequest, _ int64) {
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	tests := []struct {
		name             string
		respond          func(http.ResponseWriter, tokenRequest, int64)
		closed           bool // token endpoint not listening
		code             string
		retryable        bool
		needsInteraction bool
		msg              string
	}{
		{
			name: "invalid_grant", respond: oauthErr(400, "invalid_grant", "refresh token revoked"),
			code: CredentialInvalidGrant, needsInteraction: true,
			msg: "your session for pets has expired or was revoked; reconnect to sign in again",
		},
		{
			name: "consent_required", respond: oauthErr(400, "consent_required", "user must consent"),
			code: CredentialConsentRequired, needsInteraction: true,
			msg: "the upstream API pets needs your consent for scopes pets:read; sign in again to grant it (user must consent)",
		},
		{
			name: "interaction_required with a token in the description", respond: oauthErr(400, "interaction_required", "bad token "+callerToken),
			code: CredentialInteractionRequired, needsInteraction: true,
			msg: "the upstream API pets needs your consent for scopes pets:read; sign in again to grant it",
		},
		{
			name: "invalid_scope", respond: oauthErr(400, "invalid_scope", ""),
			code: CredentialInvalidScope, msg: "rejected the requested scopes (pets:read) for pets; an administrator must check upstreamAuth.scopes",
		},
		{
			name: "invalid_target", respond: oauthErr(400, "invalid_target", ""),
			code: CredentialInvalidTarget, msg: "upstreamAuth.audience and upstreamAuth.resource",
		},
		{
			name: "unauthorized_client", respond: oauthErr(400, "unauthorized_client", ""),
			code: CredentialUnauthorizedClient, msg: "the gateway's client is not allowed to use this grant",
		},
		{
			name: "invalid_client", respond: oauthErr(401, "invalid_client", ""),
			code: CredentialInvalidClient, msg: "rejected the gateway's client credentials for pets",
		},
		{
			name: "other OAuth error", respond: oauthErr(400, "invalid_request", "missing thing"),
			code: CredentialRejected, msg: "rejected the token request for pets (invalid_request)",
		},
		{
			name: "HTTP 500 with a text body", respond: raw(500, "text/plain", "stack trace SECRET-BODY"),
			code: CredentialUnavailable, retryable: true, msg: "did not answer (HTTP 500); try again",
		},
		{
			name: "HTTP 503 temporarily_unavailable", respond: oauthErr(503, "temporarily_unavailable", ""),
			code: CredentialUnavailable, retryable: true, msg: "did not answer (temporarily_unavailable); try again",
		},
		{
			name: "HTTP 429", respond: raw(429, "application/json", "{}"),
			code: CredentialUnavailable, retryable: true, msg: "did not answer (HTTP 429); try again",
		},
		{
			name: "HTTP 404 HTML", respond: raw(404, "text/html", "<html>SECRET-BODY</html>"),
			code: CredentialRejected, msg: "(HTTP 404)",
		},
		{
			name: "malformed JSON", respond: raw(200, "application/json", `{"access_token": "SECRET-BODY`),
			code: CredentialInvalidResponse, msg: "returned an invalid response",
		},
		{
			name: "oversized body", respond: raw(200, "application/json", `{"access_token":"x","pad":"`+strings.Repeat("a", maxTokenResponse)+`"}`),
			code: CredentialInvalidResponse, msg: "returned an invalid response",
		},
		{
			name: "missing access_token", respond: raw(200, "application/json", `{"token_type":"Bearer","expires_in":60}`),
			code: CredentialInvalidResponse, msg: "returned an invalid response",
		},
		{
			name: "DPoP token", respond: raw(200, "application/json", `{"access_token":"SECRET-BODY","token_type":"DPoP"}`),
			code: CredentialInvalidResponse, msg: "returned an invalid response",
		},
		{
			name: "timeout",
			respond: func(w http.ResponseWriter, _ tokenRequest, _ int64) {
				time.Sleep(300 * time.Millisecond)
				writeTokenJSON(w, 200, map[string]any{"access_token": "late"})
			},
			code: CredentialTimeout, retryable: true, msg: "did not answer (timeout); try again",
		},
		{
			name: "connection refused", closed: true,
			code: CredentialUnavailable, retryable: true, msg: "did not answer (connection failed); try again",
		},
	}
	kinds := []string{UpstreamAuthTokenExchange, UpstreamAuthEntraOBO, UpstreamAuthClientCredentials}
	for _, tc := range tests {
		for _, kind := range kinds {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				as := newFakeAS(t)
				as.setRespond(tc.respond)
				tokenURL := as.tokenURL()
				if tc.closed {
					dead := httptest.NewServer(http.NotFoundHandler())
					tokenURL = dead.URL + "/token"
					dead.Close()
				}
				tr := true
				timeout := 10 * time.Second
				if tc.code == CredentialTimeout {
					timeout = 100 * time.Millisecond
				}
				cfg := UpstreamAuthConfig{Type: kind, TokenURL: tokenURL, ClientID: "gw", ClientSecret: inlineSecret("gw-secret"),
					PerOperationScopes: &tr, Timeout: Duration(timeout)}
				creds := mustCredentials(t, cfg, CredentialsOptions{Name: "pets"})
				err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), callerPrincipal(time.Now()), []string{"pets:read"})
				var ce *CredentialError
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v (%T), want *CredentialError", err, err)
				}
				want := tc.msg
				if kind == UpstreamAuthClientCredentials && (tc.code == CredentialConsentRequired || tc.code == CredentialInteractionRequired) {
					// The same mapping applies; only the message's scope
					// list differs, and it is checked for delegated kinds.
					// (A local copy: parallel subtests share tc.)
					want = "sign in again to grant it"
				}
				if ce.Code != tc.code || ce.Retryable != tc.retryable || ce.NeedsInteraction != tc.needsInteraction {
					t.Errorf("got code=%s retryable=%v interaction=%v, want %s %v %v (message %q)",
						ce.Code, ce.Retryable, ce.NeedsInteraction, tc.code, tc.retryable, tc.needsInteraction, ce.Message)
				}
				if !strings.Contains(ce.Error(), want) {
					t.Errorf("message %q does not contain %q", ce.Error(), want)
				}
				for _, secret := range []string{"gw-secret", callerToken, "SECRET-BODY", "eyJ"} {
					if strings.Contains(ce.Error(), secret) {
						t.Errorf("message %q leaks %q", ce.Error(), secret)
					}
				}
				if tc.code == CredentialTimeout && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("timeout error does not wrap context.DeadlineExceeded")
				}
			})
		}
	}
}

func TestSanitizeDescription(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"user must consent", "user must consent"},
		{"AADSTS65001: not consented.\r\nTrace ID: abc", "AADSTS65001: not consented."},
		{"AADSTS50076: MFA required. Trace ID: abc", "AADSTS50076: MFA required."},
		{"token " + callerToken, ""},
		{strings.Repeat("word ", 50), ""},
		{"bell\a", ""},
		{"naïve", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := sanitizeDescription(tc.in); got != tc.want {
			t.Errorf("sanitizeDescription(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCallerCancellation(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	release := make(chan struct{})
	as.setRespond(func(w http.ResponseWriter, _ tokenRequest, _ int64) {
		<-release
		writeTokenJSON(w, 200, map[string]any{"access_token": "tok", "expires_in": 600})
	})
	creds := mustCredentials(t, exchangeConfig(as.tokenURL()), CredentialsOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- creds.Apply(ctx, newUpstreamRequest(t, "https://up/"), callerPrincipal(time.Now()), nil)
	}()
	for as.count.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
}
