package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rest2mcp/rest2mcp/internal/demoapi"
)

const (
	apiName      = "petstore"
	readyTimeout = 30 * time.Second
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// authServer is a running as.mjs (oidc-provider).
type authServer struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
	proc    *process
}

// asOptions configures as.mjs.
type asOptions struct {
	port            int      // 0: any free port
	resources       []string // JWT-format gateway resources
	opaqueResources []string // opaque-format gateway resources
	upstream        string   // token-exchange target resource
}

// startAS starts the oidc-provider authorization server.
func startAS(t *testing.T, o asOptions) *authServer {
	t.Helper()
	node := nodeBinary(t)
	dir := testdataDir(t)
	argv := []string{node, "as.mjs", "--port", strconv.Itoa(o.port)}
	for _, r := range o.resources {
		argv = append(argv, "--resource", r)
	}
	for _, r := range o.opaqueResources {
		argv = append(argv, "--opaque-resource", r)
	}
	if o.upstream != "" {
		argv = append(argv, "--upstream", o.upstream)
	}
	p := startProcess(t, "as.mjs", dir, argv...)
	line := p.readLine(t, readyTimeout)
	var as authServer
	if err := json.Unmarshal([]byte(line), &as); err != nil || as.Issuer == "" {
		t.Fatalf("as.mjs ready line %q: %v", line, err)
	}
	as.proc = p
	return &as
}

// tokenResponse is an OAuth token endpoint response.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	Error       string `json:"error"`
	ErrorDesc   string `json:"error_description"`
}

// clientCredentials obtains a token from the AS with the client
// credentials grant for one resource.
func (as *authServer) clientCredentials(t *testing.T, clientID, secret, resource, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {resource}, "scope": {scope}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, as.Issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		t.Fatalf("token response: %v", err)
	}
	if resp.StatusCode != http.StatusOK || tr.AccessToken == "" {
		t.Fatalf("client credentials for %s (%s): HTTP %d %s: %s", resource, scope, resp.StatusCode, tr.Error, tr.ErrorDesc)
	}
	return tr.AccessToken
}

// sign asks the AS to sign arbitrary claims with its access-token key and
// the given JOSE typ header.
func (as *authServer) sign(t *testing.T, typ string, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, as.Issuer+"/_test/sign?typ="+url.QueryEscape(typ), strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	defer resp.Body.Close()
	jwt, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign: HTTP %d: %v %s", resp.StatusCode, err, jwt)
	}
	return string(jwt)
}

// startUpstream serves the demo Petstore API on 127.0.0.1, wrapped by wrap
// (nil: unwrapped), and returns its base URL (ending in /v1).
func startUpstream(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = demoapi.New().Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// Gateway configuration, mirroring the subset of the rest2mcp config file
// the tests use.
type (
	gwConfig struct {
		Listen         string  `json:"listen"`
		PublicURL      string  `json:"publicURL"`
		InsecureNoAuth bool    `json:"insecureNoAuth,omitempty"`
		APIs           []gwAPI `json:"apis"`
	}
	gwAPI struct {
		Name         string          `json:"name"`
		Spec         string          `json:"spec"`
		Upstream     string          `json:"upstream"`
		Auth         *gwAuth         `json:"auth,omitempty"`
		Policy       *gwPolicy       `json:"policy,omitempty"`
		UpstreamAuth *gwUpstreamAuth `json:"upstreamAuth,omitempty"`
		Mode         string          `json:"mode,omitempty"`
	}
	gwAuth struct {
		Issuers   []gwIssuer   `json:"issuers"`
		RateLimit *gwRateLimit `json:"rateLimit,omitempty"`
	}
	gwIssuer struct {
		Issuer         string           `json:"issuer"`
		Profile        string           `json:"profile,omitempty"`
		Audiences      []string         `json:"audiences,omitempty"`
		RolesAsScopes  bool             `json:"rolesAsScopes,omitempty"`
		MetadataURL    string           `json:"metadataURL,omitempty"`
		RequireTyp     bool             `json:"requireTyp,omitempty"`
		JWKSMinRefresh string           `json:"jwksMinRefresh,omitempty"`
		Introspection  *gwIntrospection `json:"introspection,omitempty"`
	}
	gwIntrospection struct {
		URL          string   `json:"url"`
		ClientID     string   `json:"clientID"`
		ClientSecret gwSecret `json:"clientSecret"`
	}
	gwSecret struct {
		Value string `json:"value"`
	}
	gwRateLimit struct {
		RequestsPerMinute int `json:"requestsPerMinute"`
		Burst             int `json:"burst"`
	}
	gwPolicy struct {
		Visibility string            `json:"visibility,omitempty"`
		ScopeMap   map[string]string `json:"scopeMap,omitempty"`
	}
	gwUpstreamAuth struct {
		Type         string   `json:"type"`
		TokenURL     string   `json:"tokenURL"`
		ClientID     string   `json:"clientID"`
		ClientSecret gwSecret `json:"clientSecret"`
		Audience     string   `json:"audience,omitempty"`
		Scopes       []string `json:"scopes,omitempty"`
		// PerOperationScopes is false to request Scopes on every call.
		PerOperationScopes *bool `json:"perOperationScopes,omitempty"`
	}
)

// petstoreSpec returns the absolute path of the example Petstore spec.
func petstoreSpec(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "examples", "petstore", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// jwtAuth is the auth section for a JWT-issuing oidc-provider.
func jwtAuth(as *authServer) *gwAuth {
	return &gwAuth{
		Issuers:   []gwIssuer{{Issuer: as.Issuer, RequireTyp: true}},
		RateLimit: &gwRateLimit{RequestsPerMinute: 600, Burst: 100},
	}
}

// gateway is a running rest2mcp.
type gateway struct {
	ListenURL string // where it listens: http://127.0.0.1:PORT
	BaseURL   string // its public base URL (ListenURL unless behind a proxy)
	MCPURL    string // BaseURL + /mcp/petstore: the protected resource
	PRMURL    string // the endpoint's protected resource metadata
	proc      *process
}

// gatewayAt returns the URLs of a gateway that will listen on port.
func gatewayAt(port int) *gateway {
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	return gatewayBehind(port, base)
}

// gatewayBehind returns the URLs of a gateway that will listen on port and
// be reached through publicBase (a proxy in front of it).
func gatewayBehind(port int, publicBase string) *gateway {
	return &gateway{
		ListenURL: fmt.Sprintf("http://127.0.0.1:%d", port),
		BaseURL:   publicBase,
		MCPURL:    publicBase + "/mcp/" + apiName,
		PRMURL:    publicBase + "/.well-known/oauth-protected-resource/mcp/" + apiName,
	}
}

// start writes cfg (listen and publicURL filled in) and runs
// `rest2mcp serve --config`, waiting until /readyz answers 200.
func (g *gateway) start(t *testing.T, cfg gwConfig) {
	t.Helper()
	if gatewayBinary == "" {
		t.Fatal("gateway binary was not built (TestMain)")
	}
	cfg.Listen = strings.TrimPrefix(g.ListenURL, "http://")
	cfg.PublicURL = g.BaseURL
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rest2mcp.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	g.proc = startProcess(t, "rest2mcp", filepath.Dir(path), gatewayBinary, "serve", "--config", path)
	g.waitReady(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- rest2mcp config:\n%s", b)
		}
	})
}

// waitReady polls /readyz until it answers 200.
func (g *gateway) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: time.Second}
	for {
		if done, err := g.proc.exited(); done {
			t.Fatalf("rest2mcp exited before it was ready: %v\nstderr:\n%s", err, g.proc.stderr)
		}
		resp, err := client.Get(g.ListenURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rest2mcp not ready within %v (last: %v)\nstderr:\n%s", readyTimeout, err, g.proc.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startGateway picks a port and starts a gateway for the Petstore API at
// upstream; configure may set auth, policy and upstream auth.
func startGateway(t *testing.T, upstream string, configure func(g *gateway, api *gwAPI, cfg *gwConfig)) *gateway {
	t.Helper()
	g := gatewayAt(freePort(t))
	cfg := gwConfig{APIs: []gwAPI{{Name: apiName, Spec: petstoreSpec(t), Upstream: upstream}}}
	if configure != nil {
		configure(g, &cfg.APIs[0], &cfg)
	}
	g.start(t, cfg)
	return g
}
