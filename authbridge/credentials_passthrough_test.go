package authbridge

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// allStrategies returns one configuration of every strategy against as.
func allStrategies(as *fakeAS) map[string]UpstreamAuthConfig {
	oauth := func(kind string) UpstreamAuthConfig {
		return UpstreamAuthConfig{Type: kind, TokenURL: as.tokenURL(), ClientID: "gw",
			ClientSecret: inlineSecret("gw-secret"), Scopes: []string{"api://up/.default"}}
	}
	return map[string]UpstreamAuthConfig{
		"none":          {},
		"static header": {Type: UpstreamAuthStatic, Static: &StaticConfig{Header: "X-API-Key", Value: inlineSecret("api-key")}},
		"static query":  {Type: UpstreamAuthStatic, Static: &StaticConfig{Query: "key", Value: inlineSecret("api-key")}},
		"static basic": {Type: UpstreamAuthStatic, Static: &StaticConfig{Basic: &BasicConfig{
			Username: "svc", Password: Secret{Value: "pw"}}}},
		"static bearer":     {Type: UpstreamAuthStatic, Static: &StaticConfig{Bearer: true, Value: inlineSecret("api-token")}},
		"clientCredentials": oauth(UpstreamAuthClientCredentials),
		"tokenExchange":     oauth(UpstreamAuthTokenExchange),
		"entraOBO":          oauth(UpstreamAuthEntraOBO),
	}
}

// TestInboundTokenNeverReachesUpstream sends real requests through every
// strategy to an upstream that fails the test if it sees the caller's
// token anywhere: headers, URL or body.
func TestInboundTokenNeverReachesUpstream(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var seen []string
		for name, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(v, callerToken) {
					seen = append(seen, "header "+name)
				}
			}
		}
		if strings.Contains(r.URL.String(), callerToken) {
			seen = append(seen, "URL")
		}
		if q, _ := url.QueryUnescape(r.URL.RawQuery); strings.Contains(q, callerToken) {
			seen = append(seen, "decoded query")
		}
		if strings.Contains(string(body), callerToken) {
			seen = append(seen, "body")
		}
		if len(seen) > 0 {
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprintf(w, "inbound token seen in %s", strings.Join(seen, ", "))
			return
		}
		fmt.Fprint(w, r.Header.Get("Authorization"))
	}))
	t.Cleanup(upstream.Close)
	as := newFakeAS(t)
	for name, cfg := range allStrategies(as) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			creds := mustCredentials(t, cfg, CredentialsOptions{Name: "pets"})
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, upstream.URL+"/pets?limit=1", strings.NewReader(`{"name":"rex"}`))
			if err != nil {
				t.Fatal(err)
			}
			// A request that arrives with the caller's Authorization already set.
			req.Header.Set("Authorization", "Bearer "+callerToken)
			if err := creds.Apply(t.Context(), req, callerPrincipal(time.Now()), []string{"pets:write"}); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			resp, err := upstream.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("upstream: %s", b)
			}
		})
	}
}

// TestPassthroughRefused covers requests that would carry the caller's
// token despite the strategy: an authorization server echoing it back,
// and a token placed in the URL or a header before Apply.
func TestPassthroughRefused(t *testing.T) {
	t.Parallel()
	echo := newFakeAS(t)
	echo.setRespond(func(w http.ResponseWriter, r tokenRequest, _ int64) {
		tok := r.Form.Get("subject_token") + r.Form.Get("assertion")
		if tok == "" {
			tok = callerToken // client credentials: the caller's token is never sent, but refuse it anyway
		}
		writeTokenJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer"})
	})
	for name, cfg := range allStrategies(echo) {
		t.Run("echoing AS/"+name, func(t *testing.T) {
			t.Parallel()
			creds := mustCredentials(t, cfg, CredentialsOptions{Name: "pets"})
			req := newUpstreamRequest(t, "https://up.example.com/pets")
			err := creds.Apply(t.Context(), req, callerPrincipal(time.Now()), nil)
			if cfg.TokenURL == "" { // none and static never ask a token endpoint
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				return
			}
			var ce *CredentialError
			if !errors.As(err, &ce) || ce.Code != CredentialPassthroughRefused {
				t.Fatalf("err = %v, want %s", err, CredentialPassthroughRefused)
			}
			if h := req.Header.Get("Authorization"); h != "" {
				t.Errorf("Authorization = %q after a refusal, want none", h)
			}
		})
	}
	for _, kind := range []string{UpstreamAuthTokenExchange, UpstreamAuthEntraOBO} {
		t.Run("echoed token not cached/"+kind, func(t *testing.T) {
			t.Parallel()
			as := newFakeAS(t)
			as.setRespond(echo.respond)
			creds := mustCredentials(t, allStrategies(as)[kind], CredentialsOptions{})
			for range 2 {
				err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), callerPrincipal(time.Now()), nil)
				var ce *CredentialError
				if !errors.As(err, &ce) || ce.Code != CredentialPassthroughRefused {
					t.Fatalf("err = %v, want %s", err, CredentialPassthroughRefused)
				}
			}
			if n := as.count.Load(); n != 2 {
				t.Errorf("token requests = %d, want 2: an echoed token must not be cached", n)
			}
		})
	}
	as := newFakeAS(t)
	places := map[string]func(*http.Request){
		"query":         func(r *http.Request) { r.URL.RawQuery = "t=" + url.QueryEscape(callerToken) },
		"path":          func(r *http.Request) { r.URL.Path = "/pets/" + callerToken },
		"custom header": func(r *http.Request) { r.Header.Set("X-Forwarded-Token", "Bearer "+callerToken) },
	}
	for name, cfg := range allStrategies(as) {
		for where, put := range places {
			t.Run(where+"/"+name, func(t *testing.T) {
				t.Parallel()
				creds := mustCredentials(t, cfg, CredentialsOptions{})
				req := newUpstreamRequest(t, "https://up.example.com/pets")
				put(req)
				err := creds.Apply(t.Context(), req, callerPrincipal(time.Now()), nil)
				var ce *CredentialError
				if !errors.As(err, &ce) || ce.Code != CredentialPassthroughRefused {
					t.Fatalf("err = %v, want %s", err, CredentialPassthroughRefused)
				}
				if strings.Contains(ce.Error(), callerToken) {
					t.Error("the refusal quotes the token")
				}
			})
		}
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	for name, cfg := range allStrategies(as) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			creds := mustCredentials(t, cfg, CredentialsOptions{Name: "pets"})
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
				out := fmt.Sprintf(verb, creds)
				for _, secret := range []string{"api-key", "api-token", "gw-secret", "pw", "c3ZjOnB3"} {
					if strings.Contains(out, secret) {
						t.Errorf("%s prints %q: %s", verb, secret, out)
					}
				}
			}
		})
	}
}
