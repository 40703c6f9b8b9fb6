package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// discoveryTools are the tools an API in discovery mode lists.
var discoveryTools = []string{"call_operation", "call_read_operation", "describe_operation", "search_operations"}

// TestDiscoveryStepUp drives the Petstore in discovery mode with the
// MCP TypeScript SDK and oidc-provider: search and describe through the
// meta-tools, a 403 insufficient_scope challenge for createPet's own
// scopes when it is called through call_operation with the baseline
// token, the SDK's re-authorization, and the same call succeeding.
func TestDiscoveryStepUp(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := gatewayAt(freePort(t))
	as := startAS(t, asOptions{resources: []string{g.MCPURL}})
	g.start(t, gwConfig{APIs: []gwAPI{{Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: jwtAuth(as), Mode: "discovery"}}})

	res := runSDKClient(t, g.MCPURL, "discovery-step-up")
	if diff := cmp.Diff(discoveryTools, res.Tools); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	var search struct {
		Results []struct {
			Tool           string   `json:"tool"`
			Callable       bool     `json:"callable"`
			RequiredScopes []string `json:"requiredScopes"`
		} `json:"results"`
	}
	if err := json.Unmarshal(res.Search.StructuredContent, &search); err != nil || len(search.Results) == 0 {
		t.Fatalf("search: %v %s", err, res.Search.StructuredContent)
	}
	if r := search.Results[0]; r.Tool != "createPet" || r.Callable || !slices.Equal(r.RequiredScopes, []string{"pets:write"}) {
		t.Errorf("first result for a reader = %+v, want createPet, not callable, pets:write", r)
	}
	if res.Describe == nil || res.Describe.IsError || !strings.Contains(string(res.Describe.StructuredContent), `"inputSchema"`) {
		t.Errorf("describe = %+v", res.Describe)
	}
	if res.InitialToken == nil || res.InitialToken.Scope != "pets:read" {
		t.Errorf("initial token = %+v, want pets:read", res.InitialToken)
	}
	challenge, ok := parseBearerChallenge(res.Challenge)
	if !ok || challenge["error"] != "insufficient_scope" || challenge["resource_metadata"] != g.PRMURL ||
		!slices.Contains(strings.Fields(challenge["scope"]), "pets:write") {
		t.Errorf("challenge through call_operation = %q", res.Challenge)
	}
	if len(res.Authorizations) != 2 || !slices.Contains(strings.Fields(res.Authorizations[1].Scope), "pets:write") {
		t.Errorf("authorizations = %+v, want the initial one and a step-up with pets:write", res.Authorizations)
	}
	if res.CreatePet == nil || res.CreatePet.IsError || !strings.Contains(res.CreatePet.Text, "Fido") {
		t.Errorf("call_operation createPet after step-up = %+v", res.CreatePet)
	}
	if res.GetPet == nil || res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Tom") {
		t.Errorf("call_read_operation getPet = %+v", res.GetPet)
	}
}

// TestDiscoveryGitHub serves GitHub's current description (1,200+
// operations, from @octokit/openapi) in discovery mode and drives it with
// the SDK: search → describe → call_read_operation, which reaches a local
// upstream at the operation's path.
func TestDiscoveryGitHub(t *testing.T) {
	skipShort(t)
	t.Parallel()
	spec, err := filepath.Abs(filepath.Join(testdataDir(t), "node_modules", "@octokit", "openapi", "generated", "api.github.com.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(spec); err != nil {
		t.Fatalf("%v: run `make test` or `npm ci --prefix e2e/testdata`", err)
	}
	var mu sync.Mutex
	var paths []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":1,"name":"hello","full_name":"octo/hello"}`))
	}))
	t.Cleanup(up.Close)
	g := gatewayAt(freePort(t))
	g.start(t, gwConfig{APIs: []gwAPI{{Name: apiName, Spec: spec, Upstream: up.URL, Mode: "discovery"}}})

	res := runSDKClient(t, g.MCPURL, "discovery-github")
	if diff := cmp.Diff(discoveryTools, res.Tools); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(res.Search.StructuredContent), `"tool":"repos_get"`) {
		t.Errorf("search for a repository: %s", res.Search.StructuredContent)
	}
	if res.GetPet == nil || res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "octo/hello") {
		t.Errorf("call_read_operation repos_get = %+v", res.GetPet)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(paths, "GET /repos/octo/hello") {
		t.Errorf("upstream requests %v, want GET /repos/octo/hello", paths)
	}
}
