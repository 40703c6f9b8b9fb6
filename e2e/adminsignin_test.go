package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAdminSignInOIDCProvider signs in to the registry UI through a real
// OpenID Provider (oidc-provider, as.mjs, which requires PKCE and logs in
// alice headlessly): the UI redirects to the provider, the callback sets
// the session, a change needs the form's CSRF token, and sign-out ends the
// session.
func TestAdminSignInOIDCProvider(t *testing.T) {
	skipShort(t)
	t.Parallel()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	as := startAS(t, asOptions{resources: []string{base + "/mcp/petstore"}})
	status, body := postJSON(t, as.Issuer+"/reg", `{"client_name":"rest2mcp UI","redirect_uris":["`+base+`/signin/callback"],"grant_types":["authorization_code"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_basic"}`)
	var client struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &client) != nil || client.Secret == "" {
		t.Fatalf("register the UI's client: HTTP %d %s", status, body)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ui-secret"), []byte(client.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`listen: 127.0.0.1:%d
store: %s
cacheDir: "off"
admin:
  oidc:
    issuer: %s
    clientID: %s
    clientSecret: {fromFile: %s}
    roleClaim: sub
    roleValue: alice
`, port, filepath.Join(dir, "registry.db"), as.Issuer, client.ID, filepath.Join(dir, "ui-secret"))
	if err := os.WriteFile(filepath.Join(dir, "rest2mcp.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &gateway{ListenURL: base}
	g.proc = startProcess(t, "rest2mcp", dir, gatewayBinary, "serve", "--config", filepath.Join(dir, "rest2mcp.yaml"))
	g.waitReady(t)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(u string) (*http.Response, string) {
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// Not signed in: the admin API refuses, the UI goes through the
	// provider and comes back signed in.
	if resp, _ := get(base + "/admin/api/apis"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("admin API before sign-in: %d", resp.StatusCode)
	}
	resp, page := get(base + "/upload")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != base+"/upload" || !strings.Contains(page, "Signed in as alice") {
		t.Fatalf("after the sign-in: HTTP %d at %s: %s", resp.StatusCode, resp.Request.URL, page)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the form: %s", page)
	}
	post := func(v url.Values) int {
		resp, err := browser.PostForm(base+"/signout", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if resp, _ := get(base + "/admin/api/apis"); resp.StatusCode != http.StatusOK {
		t.Errorf("admin API with the session: %d", resp.StatusCode)
	}
	if st := post(nil); st != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d, want 403", st)
	}
	if st := post(url.Values{"csrf": {m[1]}}); st != http.StatusOK {
		t.Errorf("sign-out: %d", st)
	}
	if resp, _ := get(base + "/admin/api/apis"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("admin API after sign-out: %d", resp.StatusCode)
	}
}
