//go:build !nodev

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
)

func TestDevRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback listen", []string{"--listen", "0.0.0.0:8080"}, "only listens on loopback"},
		{"all interfaces", []string{"--listen", ":8080"}, "only listens on loopback"},
		{"public address", []string{"--listen", "192.0.2.10:8080"}, "only listens on loopback"},
		{"bad user", []string{"--user", "alice"}, "NAME=SCOPE"},
		{"built-in user redefined", []string{"--user", "dev=pets:read"}, "built-in user"},
		{"unknown --as", []string{"--yes", "--as", "bob", "--listen", "127.0.0.1:0", "--data-dir", "off"}, `unknown user "bob"`},
		{"spec and config", []string{"--config", "x.yaml", "--listen", "127.0.0.1:0"}, "either --config or --spec"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, append([]string{"dev", "--spec", petstore}, tc.args...)...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want a failure mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

// lockedBuffer is a bytes buffer safe for the server goroutine and the
// test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDevServesProtected runs `rest2mcp dev` in process and checks that
// the endpoint is protected by the development server on the same
// listener, which issues tokens it accepts.
func TestDevServesProtected(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"dev", "--spec", petstore, "--upstream", "http://127.0.0.1:1/v1", "--name", "petstore",
			"--listen", "127.0.0.1:0", "--data-dir", "off", "--cache-dir", "off"}, io.Discard, &stderr, func(string) (string, bool) { return "", false })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dev: %v", err)
		}
	}()
	re := regexp.MustCompile(`authorization server: (http://127\.0\.0\.1:\d+)/dev-as`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	endpoint := base + "/mcp/petstore"
	for _, want := range []string{"Install in VS Code: " + vscodeInstallLink("petstore", endpoint), "curl -si -X POST " + endpoint} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stderr.String())
		}
	}

	list := func(token string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",`+
			`"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/list")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := list(""); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata=") {
		t.Fatalf("without a token: HTTP %d %q, want a 401 challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	// A script's client: register, client credentials, call.
	resp, err := http.Post(base+"/dev-as/register", "application/json", strings.NewReader(`{"client_name":"script","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct{ ClientID, ClientSecret string }
	var raw map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	resp.Body.Close()
	reg.ClientID, _ = raw["client_id"].(string)
	reg.ClientSecret, _ = raw["client_secret"].(string)
	resp, err = http.PostForm(base+"/dev-as/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {reg.ClientID},
		"client_secret": {reg.ClientSecret}, "scope": {"pets:read"}, "resource": {endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("token: HTTP %d", resp.StatusCode)
	}
	if resp := list(tok.AccessToken); resp.StatusCode != http.StatusOK {
		t.Errorf("with a development token: HTTP %d, want 200", resp.StatusCode)
	}

	// The metadata lists the policy's scopes.
	resp, err = http.Get(base + "/.well-known/oauth-authorization-server/dev-as")
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Scopes []string `json:"scopes_supported"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if !strings.Contains(strings.Join(md.Scopes, " "), "pets:write") {
		t.Errorf("scopes_supported = %v, want the policy's pets:write", md.Scopes)
	}
}

func TestDevResourcesFromPolicy(t *testing.T) {
	// devResources on a nil gateway (before it is built) is empty, not a
	// panic.
	if r := devResources(nil); r != nil {
		t.Errorf("devResources(nil) = %v", r)
	}
}

func TestProtectWithDevAS(t *testing.T) {
	issuer := "http://127.0.0.1:8080/dev-as"
	cfg := &config.Config{APIs: []config.API{
		{Name: "a", UpstreamAuth: &authbridge.UpstreamAuthConfig{Type: authbridge.UpstreamAuthTokenExchange, Audience: "https://up.example"}},
		{Name: "b", Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: "https://idp.example"}}, Scopes: []string{"x"}},
			UpstreamAuth: &authbridge.UpstreamAuthConfig{Type: authbridge.UpstreamAuthTokenExchange, TokenURL: "https://idp.example/token", ClientID: "c", ClientSecret: &authbridge.Secret{Value: "s"}}},
	}}
	clients, err := protectWithDevAS(cfg, issuer, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.APIs {
		if a.Auth == nil || len(a.Auth.Issuers) != 1 || a.Auth.Issuers[0].Issuer != issuer || a.Auth.Issuers[0].JWKSURL != issuer+"/jwks" || !a.Auth.Issuers[0].RequireTyp {
			t.Errorf("api %s auth = %+v, want only the development issuer", a.Name, a.Auth)
		}
	}
	if got := cfg.APIs[1].Auth.Scopes; len(got) != 1 || got[0] != "x" {
		t.Errorf("api b lost its scopes: %v", got)
	}
	a := cfg.APIs[0].UpstreamAuth
	if a.TokenURL != issuer+"/token" || a.ClientID != devClientID || a.ClientSecret == nil {
		t.Errorf("api a token exchange = %+v, want the development token endpoint and client", a)
	}
	if len(clients) != 1 || clients[0].ID != devClientID || clients[0].Secret != a.ClientSecret.Value || clients[0].Audiences[0] != "https://up.example" {
		t.Errorf("clients = %+v", clients)
	}
	if cfg.APIs[1].UpstreamAuth.TokenURL != "https://idp.example/token" {
		t.Error("a token exchange with another identity provider was redirected to the development server")
	}
}

func TestVSCodeInstallLink(t *testing.T) {
	link := vscodeInstallLink("petstore", "http://127.0.0.1:8080/mcp/petstore")
	rest, ok := strings.CutPrefix(link, "vscode:mcp/install?")
	if !ok {
		t.Fatalf("link %s", link)
	}
	raw, err := url.QueryUnescape(rest)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(raw), &v); err != nil || v["name"] != "petstore" || v["type"] != "http" || v["url"] != "http://127.0.0.1:8080/mcp/petstore" {
		t.Errorf("decoded %s: %v %v", raw, v, err)
	}
}

// dev takes serve's selection, --mode and --toolsets flags and warns as
// serve does.
func TestDevSelectionFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"dev", "--spec", petstore, "--upstream", "http://127.0.0.1:1/v1", "--name", "petstore",
			"--listen", "127.0.0.1:0", "--data-dir", "off", "--cache-dir", "off",
			"--include-tag", "pets", "--include-tag", "Pets", "--exclude-method", "DELETE", "--mode", "tools", "--toolsets", "auto"},
			io.Discard, &stderr, func(string) (string, bool) { return "", false })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dev: %v", err)
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), "authorization server: "); {
		if time.Now().After(deadline) {
			t.Fatalf("no banner:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), `no tag \"Pets\"; did you mean \"pets\"?`) {
		t.Errorf("dev does not warn about the selection:\n%s", stderr.String())
	}
}
