package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// startDev runs `rest2mcp dev` with args on a free loopback port and waits
// until it is ready.
func startDev(t *testing.T, args ...string) *gateway {
	t.Helper()
	g := gatewayAt(freePort(t))
	argv := append([]string{gatewayBinary, "dev", "--listen", strings.TrimPrefix(g.ListenURL, "http://"), "--data-dir", t.TempDir()}, args...)
	g.proc = startProcess(t, "rest2mcp dev", t.TempDir(), argv...)
	g.waitReady(t)
	return g
}

// TestDev runs `rest2mcp dev` alone — the gateway and its embedded
// development authorization server on one loopback listener — against
// the MCP TypeScript SDK client: 401 → PRM → AS metadata → registration →
// PKCE → token for the endpoint → list → read → write with step-up; a
// user who may never get the write scope gets the 403 and an actionable
// error; the refusals (non-loopback listener, plain PKCE, bad redirect
// URIs, tokens for another resource) hold.
func TestDev(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	// Two APIs from one config, to check that a token for one is refused
	// by the other.
	cfg := map[string]any{"apis": []map[string]any{
		{"name": apiName, "spec": petstoreSpec(t), "upstream": upstream},
		// The other one exchanges each caller's token at the development
		// server for the upstream (RFC 8693).
		{"name": "other", "spec": petstoreSpec(t), "upstream": upstream,
			"upstreamAuth": map[string]any{"type": "tokenExchange", "audience": "https://upstream.example/pets"}},
	}}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "rest2mcp.yaml")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	g := startDev(t, "--config", cfgPath, "--yes", "--user", "alice=pets:read")
	issuer := g.BaseURL + "/dev-as"
	otherURL := g.BaseURL + "/mcp/other"

	t.Run("banner", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(g.proc.stderr.String(), "see the 401 challenge") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		banner := g.proc.stderr.String()
		link := "vscode:mcp/install?" + url.QueryEscape(fmt.Sprintf(`{"name":%q,"type":"http","url":%q}`, apiName, g.MCPURL))
		for _, want := range []string{"DEVELOPMENT authorization server", issuer, link, "curl -si -X POST " + g.MCPURL} {
			if !strings.Contains(banner, want) {
				t.Errorf("banner lacks %q:\n%s", want, banner)
			}
		}
	})

	t.Run("SDK client: OAuth, list, read, write with step-up", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "step-up")
		if res.Registrations != 1 {
			t.Errorf("registrations = %d, want 1 (dynamic client registration)", res.Registrations)
		}
		if len(res.Authorizations) != 2 {
			t.Fatalf("authorizations = %+v, want the initial one and the step-up", res.Authorizations)
		}
		for _, a := range res.Authorizations {
			if a.CodeChallengeMethod != "S256" || a.Resource != g.MCPURL {
				t.Errorf("authorization %+v: want PKCE S256 and resource %s", a, g.MCPURL)
			}
		}
		for name, tok := range map[string]*sdkToken{"initial": res.InitialToken, "stepped-up": res.SteppedUpToken} {
			if tok == nil || tok.Opaque || tok.Iss != issuer || tok.Sub != "dev" || !audIs(tok.Aud, g.MCPURL) {
				t.Errorf("%s token = %+v, want a JWT from %s for user dev with aud %s", name, tok, issuer, g.MCPURL)
			}
		}
		if res.InitialToken != nil && res.InitialToken.Scope != "pets:read" {
			t.Errorf("initial token scope = %q, want pets:read", res.InitialToken.Scope)
		}
		if res.SteppedUpToken == nil || !slices.Contains(strings.Fields(res.SteppedUpToken.Scope), "pets:write") {
			t.Errorf("stepped-up token = %+v, want pets:write", res.SteppedUpToken)
		}
		if res.CreatePet == nil || res.CreatePet.IsError || !strings.Contains(res.CreatePet.Text, "Fido") {
			t.Errorf("createPet after step-up = %+v, want the new pet Fido", res.CreatePet)
		}
		// The discovery chain, in order.
		var seen []string
		for _, want := range []struct{ method, url string }{
			{"POST", g.MCPURL},
			{"GET", g.PRMURL},
			{"GET", g.BaseURL + "/.well-known/oauth-authorization-server/dev-as"},
			{"POST", issuer + "/register"},
			{"GET", issuer + "/authorize"},
			{"POST", issuer + "/token"},
		} {
			i := slices.IndexFunc(res.Trace, func(tr sdkTrace) bool {
				return tr.Method == want.method && strings.HasPrefix(tr.URL, want.url)
			})
			if i < 0 {
				t.Errorf("the SDK never called %s %s", want.method, want.url)
			}
			seen = append(seen, fmt.Sprint(i))
		}
		if t.Failed() {
			t.Logf("trace indexes %v; trace: %+v", seen, res.Trace)
		}
	})

	t.Run("SDK client: list and read", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "list-and-call")
		if diff := cmp.Diff(allTools, res.Tools); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
		if res.GetPet == nil || res.GetPet.IsError {
			t.Errorf("getPet = %+v, want success", res.GetPet)
		}
	})

	t.Run("refused: plain PKCE", func(t *testing.T) {
		id := registerClient(t, issuer, `{"client_name":"t","redirect_uris":["http://127.0.0.1:9/cb"],"token_endpoint_auth_method":"none"}`)
		for _, method := range []string{"plain", ""} {
			q := url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {"http://127.0.0.1:9/cb"},
				"scope": {"pets:read"}, "state": {"state-123456"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWK2L5ljdRaNFs"},
				"resource": {g.MCPURL}}
			if method != "" {
				q.Set("code_challenge_method", method)
			}
			loc := authorizeRedirect(t, issuer+"/authorize?"+q.Encode())
			if loc.Query().Get("error") != "invalid_request" || !strings.Contains(loc.Query().Get("error_description"), "S256") || loc.Query().Get("code") != "" {
				t.Errorf("code_challenge_method %q: redirected to %s, want invalid_request naming S256 and no code", method, loc)
			}
		}
	})

	t.Run("refused: redirect URIs neither loopback nor https", func(t *testing.T) {
		for _, uri := range []string{"http://example.com/cb", "myapp:/callback", "http://192.168.1.10/cb"} {
			status, body := postJSON(t, issuer+"/register", fmt.Sprintf(`{"client_name":"t","redirect_uris":[%q],"token_endpoint_auth_method":"none"}`, uri))
			if status != http.StatusBadRequest || !strings.Contains(body, "invalid_redirect_uri") {
				t.Errorf("register %s: HTTP %d %s, want 400 invalid_redirect_uri", uri, status, body)
			}
		}
	})

	t.Run("refused: a token for another resource", func(t *testing.T) {
		id, secret := registerConfidential(t, issuer)
		// The authorization server refuses resources it does not serve.
		status, body := tokenRequest(t, issuer, id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"pets:read"}, "resource": {"https://elsewhere.example/mcp"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "invalid_target") {
			t.Errorf("client credentials for another resource: HTTP %d %s, want 400 invalid_target", status, body)
		}
		// A token for one endpoint is refused by the other.
		status, body = tokenRequest(t, issuer, id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"pets:read"}, "resource": {otherURL}})
		if status != http.StatusOK {
			t.Fatalf("client credentials: HTTP %d %s", status, body)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" {
			t.Fatalf("token response %s: %v", body, err)
		}
		s := &mcpSession{url: otherURL, version: modernVersion, token: tok.AccessToken}
		if r := s.call(t, "tools/list", nil); r.Status != http.StatusOK {
			t.Errorf("tools/list on %s with its own token: %v, want 200", otherURL, r)
		}
		if res := s.callTool(t, "getPet", map[string]any{"petId": 1}); res.IsError {
			t.Errorf("getPet on %s (token exchange at the development server): %+v", otherURL, res)
		}
		if log := g.proc.stderr.String(); !strings.Contains(log, "grant_type=urn:ietf:params:oauth:grant-type:token-exchange client_id=rest2mcp-gateway scope=pets:read aud=https://upstream.example/pets") {
			t.Errorf("no token exchange for the upstream in the log:\n%s", log)
		}
		s = &mcpSession{url: g.MCPURL, version: modernVersion, token: tok.AccessToken}
		if r := s.call(t, "tools/list", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("tools/list on %s with a token for %s: %v, want 401", g.MCPURL, otherURL, r)
		}
	})

	t.Run("refused: non-loopback listener", func(t *testing.T) {
		for _, listen := range []string{"0.0.0.0:0", "192.0.2.1:8080", ":8080"} {
			r := runCommand(t, 30*time.Second, t.TempDir(), gatewayBinary, "dev", "--spec", petstoreSpec(t), "--listen", listen)
			if r.err == nil || !strings.Contains(r.stderr, "loopback") {
				t.Errorf("dev --listen %s: err %v, stderr %q; want a refusal naming loopback", listen, r.err, r.stderr)
			}
		}
	})
}

// TestDevUserWithoutWriteScope signs in (with --yes) as a user who may
// only read: reading works, and the write tool's step-up fails with an
// error naming the missing scope and the user.
func TestDevUserWithoutWriteScope(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := startDev(t, "--spec", petstoreSpec(t), "--upstream", upstream, "--name", apiName, "--yes", "--as", "alice", "--user", "alice=pets:read")
	res := runSDKClient(t, g.MCPURL, "denied")
	if res.Token == nil || res.Token.Sub != "alice" || res.Token.Scope != "pets:read" {
		t.Errorf("token = %+v, want alice with pets:read", res.Token)
	}
	if res.GetPet == nil || res.GetPet.IsError {
		t.Errorf("getPet = %+v, want success", res.GetPet)
	}
	ch, ok := parseBearerChallenge(res.Challenge)
	if !ok || ch["error"] != "insufficient_scope" || !slices.Contains(strings.Fields(ch["scope"]), "pets:write") {
		t.Errorf("403 challenge %q, want insufficient_scope with pets:write", res.Challenge)
	}
	for _, want := range []string{"access_denied", "alice", "pets:write"} {
		if !strings.Contains(res.Error, want) {
			t.Errorf("error %q lacks %q", res.Error, want)
		}
	}
}

func audIs(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return len(a) == 1 && a[0] == want
	}
	return false
}

func postJSON(t *testing.T, u, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func registerClient(t *testing.T, issuer, metadata string) string {
	t.Helper()
	status, body := postJSON(t, issuer+"/register", metadata)
	var c struct {
		ClientID string `json:"client_id"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &c) != nil || c.ClientID == "" {
		t.Fatalf("register: HTTP %d %s", status, body)
	}
	return c.ClientID
}

func registerConfidential(t *testing.T, issuer string) (string, string) {
	t.Helper()
	status, body := postJSON(t, issuer+"/register", `{"client_name":"script","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"}`)
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &c) != nil || c.ClientSecret == "" {
		t.Fatalf("register: HTTP %d %s", status, body)
	}
	return c.ClientID, c.ClientSecret
}

func tokenRequest(t *testing.T, issuer, id, secret string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// authorizeRedirect GETs an authorization URL and returns where it
// redirects.
func authorizeRedirect(t *testing.T, u string) *url.URL {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("GET %s: HTTP %d %s, want a redirect", u, resp.StatusCode, b)
	}
	return loc
}

// TestDevConsentPage runs the SDK client's step-up against `rest2mcp dev`
// without --yes: the headless browser allows each consent page, which
// names the client and, per scope, the tools it unlocks; on step-up it
// asks only for the new scope.
func TestDevConsentPage(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := startDev(t, "--spec", petstoreSpec(t), "--upstream", upstream, "--name", apiName)
	res := runSDKClient(t, g.MCPURL, "consent")
	if len(res.ConsentPages) != 2 {
		t.Fatalf("consent pages = %q, want the sign-in and the step-up", res.ConsentPages)
	}
	first, second := res.ConsentPages[0], res.ConsentPages[1]
	for _, want := range []string{"Development authorization server", "Allow rest2mcp e2e client ?", "Permissions requested pets:read : lets it use getPet , listPets"} {
		if !strings.Contains(first, want) {
			t.Errorf("first consent page lacks %q:\n%s", want, first)
		}
	}
	if strings.Contains(first, "pets:write") {
		t.Errorf("first consent page mentions pets:write, which was not asked for:\n%s", first)
	}
	for _, want := range []string{"Additional permissions requested pets:write : lets it use createPet , deletePet", "Allowed earlier: pets:read"} {
		if !strings.Contains(second, want) {
			t.Errorf("step-up consent page lacks %q:\n%s", want, second)
		}
	}
	if res.CreatePet == nil || res.CreatePet.IsError || !strings.Contains(res.CreatePet.Text, "Fido") {
		t.Errorf("createPet after step-up = %+v, want the new pet Fido", res.CreatePet)
	}
}

// TestDevInspector lists the tools of `rest2mcp dev --yes` with the MCP
// Inspector CLI, which does its own OAuth (registration, PKCE, token).
// Its interactive login opens a browser; MCP_AUTO_OPEN_ENABLED lets it do
// so without a terminal, and BROWSER points xdg-open at oauth-browser.mjs, which
// follows the redirects to the Inspector's loopback callback.
func TestDevInspector(t *testing.T) {
	skipShort(t)
	t.Parallel()
	node := nodeBinary(t)
	dir := testdataDir(t)
	cli := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js")
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("the MCP Inspector is not installed (%v); run `npm ci --prefix e2e/testdata`", err)
	}
	upstream := startUpstream(t, nil)
	g := startDev(t, "--spec", petstoreSpec(t), "--upstream", upstream, "--name", apiName, "--yes")

	tmp := t.TempDir()
	browser := filepath.Join(tmp, "browser.sh")
	script := fmt.Sprintf("#!/bin/sh\nexec %q %q \"$1\"\n", node, filepath.Join(dir, "oauth-browser.mjs"))
	if err := os.WriteFile(browser, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	callback := fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", freePort(t))
	r := runCommandEnv(t, nodeTimeout, dir, []string{
		"HOME=" + tmp,
		"MCP_AUTO_OPEN_ENABLED=true",
		"BROWSER=" + browser,
		"MCP_INSPECTOR_SECRET_STORE=memory",
	}, node, cli, "--cli", g.MCPURL, "--transport", "http", "--method", "tools/list", "--callback-url", callback, "--format", "json")
	if r.err != nil {
		t.Fatalf("inspector --cli tools/list: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
	}
	var out struct {
		Result struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("inspector output %q: %v", truncate(r.stdout, 500), err)
	}
	var names []string
	for _, tl := range out.Result.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	if diff := cmp.Diff(allTools, names); diff != "" {
		t.Errorf("Inspector tools (-want +got):\n%s\nstderr:\n%s", diff, r.stderr)
	}
	if !strings.Contains(g.proc.stderr.String(), `client_name="MCP Inspector"`) {
		t.Errorf("the Inspector did not register a client with the development authorization server:\n%s", g.proc.stderr)
	}
}
