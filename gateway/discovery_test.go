package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/policies"
)

// discoveryGateway serves api (the petstore against the demo upstream
// unless set) in discovery mode with metrics, writing audit records as
// JSON lines to audit.
func discoveryGateway(t *testing.T, api config.API, audit *syncBuffer) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(demoapi.New().Handler())
	t.Cleanup(up.Close)
	srv := httptest.NewUnstartedServer(nil)
	api.Mode = config.ModeDiscovery
	if api.Spec == "" {
		api.Spec = petstoreSpec(t)
	}
	if api.Upstream == "" {
		api.Upstream = up.URL + "/v1"
	}
	cfg := &config.Config{Listen: srv.Listener.Addr().String(), PublicURL: "http://" + srv.Listener.Addr().String(), Metrics: true, APIs: []config.API{api}}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	opts := Options{Config: cfg}
	if audit != nil {
		opts.AuditLogger = slog.New(slog.NewJSONHandler(audit, nil))
	}
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = g.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// call calls a tool and returns its result object.
func call(t *testing.T, url, token, tool string, args map[string]any) (rpc, map[string]any) {
	t.Helper()
	r := modern(t, url, token, "tools/call", map[string]any{"name": tool, "arguments": args})
	if r.status != http.StatusOK {
		return r, nil
	}
	return r, r.result(t)
}

// searchTools returns the tool names of a search_operations result, and
// the results by tool.
func searchResults(t *testing.T, res map[string]any) ([]string, map[string]map[string]any) {
	t.Helper()
	sc, ok := res["structuredContent"].(map[string]any)
	if !ok {
		t.Fatalf("no structured content: %v", res)
	}
	var names []string
	by := map[string]map[string]any{}
	for _, v := range sc["results"].([]any) {
		m := v.(map[string]any)
		names = append(names, m["tool"].(string))
		by[m["tool"].(string)] = m
	}
	return names, by
}

func resultText(res map[string]any) string {
	var b strings.Builder
	for _, c := range res["content"].([]any) {
		if m, ok := c.(map[string]any); ok {
			b.WriteString(m["text"].(string))
		}
	}
	return b.String()
}

func TestDiscoveryUnprotected(t *testing.T) {
	srv := discoveryGateway(t, config.API{Name: "petstore"}, nil)
	url := srv.URL + "/mcp/petstore"

	r := modern(t, url, "", "tools/list", nil)
	if diff := cmp.Diff([]string{"call_operation", "call_read_operation", "describe_operation", "search_operations"}, toolNames(t, r)); diff != "" {
		t.Fatalf("tools/list (-want +got):\n%s", diff)
	}
	annotations := map[string]map[string]any{}
	for _, v := range r.result(t)["tools"].([]any) {
		m := v.(map[string]any)
		annotations[m["name"].(string)] = m["annotations"].(map[string]any)
	}
	if annotations["call_operation"]["destructiveHint"] != true || annotations["call_operation"]["readOnlyHint"] != false ||
		annotations["call_read_operation"]["readOnlyHint"] != true || annotations["search_operations"]["readOnlyHint"] != true {
		t.Errorf("annotations %v", annotations)
	}

	_, res := call(t, url, "", "search_operations", map[string]any{"query": "add a new pet", "limit": 2})
	names, by := searchResults(t, res)
	if len(names) == 0 || names[0] != "createPet" || len(names) > 2 {
		t.Fatalf("search: %v", names)
	}
	if c := by["createPet"]; c["method"] != "POST" || c["path"] != "/pets" || c["callable"] != true || c["operationId"] != "createPet" || c["readOnly"] != false {
		t.Errorf("result %v", c)
	}

	_, res = call(t, url, "", "describe_operation", map[string]any{"tool": "getPet"})
	sc := res["structuredContent"].(map[string]any)
	if sc["callWith"] != "call_read_operation" || sc["inputSchema"] == nil || sc["outputSchema"] == nil || sc["method"] != "GET" {
		t.Errorf("describe: %v", sc)
	}

	_, res = call(t, url, "", "call_read_operation", map[string]any{"tool": "getPet", "arguments": map[string]any{"petId": 1}})
	if res["isError"] == true || res["structuredContent"].(map[string]any)["id"] != float64(1) {
		t.Fatalf("call_read_operation getPet: %v", res)
	}
	_, res = call(t, url, "", "call_operation", map[string]any{"tool": "createPet", "arguments": map[string]any{"name": "Kit"}})
	if res["isError"] == true || res["structuredContent"].(map[string]any)["name"] != "Kit" {
		t.Fatalf("call_operation createPet: %v", res)
	}

	bad := []struct {
		name, tool string
		args       map[string]any
		want       string
	}{
		{"write through the read-only tool", "call_read_operation", map[string]any{"tool": "createPet", "arguments": map[string]any{"name": "Kit"}}, "use call_operation"},
		{"arguments against the operation's schema", "call_operation", map[string]any{"tool": "createPet", "arguments": map[string]any{"tag": "x"}}, "invalid arguments"},
		{"unknown operation", "call_operation", map[string]any{"tool": "nope"}, `unknown operation "nope"`},
		{"no tool", "describe_operation", map[string]any{}, `"tool" is required`},
		{"unknown field", "call_operation", map[string]any{"tool": "getPet", "args": map[string]any{}}, "invalid arguments"},
		{"empty query", "search_operations", map[string]any{"query": " "}, `"query"`},
		{"limit out of range", "search_operations", map[string]any{"query": "pets", "limit": 500}, `"limit"`},
	}
	for _, b := range bad {
		_, res := call(t, url, "", b.tool, b.args)
		if res["isError"] != true || !strings.Contains(resultText(res), b.want) {
			t.Errorf("%s: %v", b.name, res)
		}
	}
	_, res = call(t, url, "", "search_operations", map[string]any{"query": "zebra giraffe"})
	if names, _ := searchResults(t, res); len(names) != 0 || !strings.Contains(resultText(res), "No operation matches") {
		t.Errorf("no-match search: %v", res)
	}
}

// TestDiscoveryAuthorization checks that every discovery surface applies
// the underlying operation's authorization: search marks what needs a
// step-up, call_operation answers 403 insufficient_scope with that
// operation's scopes, a stronger token then succeeds, and the audit
// records and metrics name the operation.
func TestDiscoveryAuthorization(t *testing.T) {
	as := oidctest.New(t, nil)
	audit := &syncBuffer{}
	srv := discoveryGateway(t, config.API{
		Name: "petstore",
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}},
	}, audit)
	url := srv.URL + "/mcp/petstore"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))
	write := as.Mint(t, as.AccessClaims(url, "pets:read", "pets:write"))

	_, res := call(t, url, read, "search_operations", map[string]any{"query": "pet"})
	names, by := searchResults(t, res)
	if len(names) != 4 {
		t.Fatalf("all visibility shows every operation, got %v", names)
	}
	if c := by["createPet"]; c["callable"] != false || !slices.Equal(toStrings(c["requiredScopes"]), []string{"pets:write"}) || !slices.Equal(toStrings(c["missingScopes"]), []string{"pets:write"}) {
		t.Errorf("createPet for a reader: %v", c)
	}
	if c := by["getPet"]; c["callable"] != true || !slices.Equal(toStrings(c["requiredScopes"]), []string{"pets:read"}) || c["missingScopes"] != nil {
		t.Errorf("getPet for a reader: %v", c)
	}

	// Step-up through the meta-tool, in both protocol eras.
	for _, era := range []func(*testing.T, string, string, string, map[string]any) rpc{modern, legacy} {
		r := era(t, url, read, "tools/call", map[string]any{"name": "call_operation", "arguments": map[string]any{"tool": "createPet", "arguments": map[string]any{"name": "Kit"}}})
		ch := r.header.Get("WWW-Authenticate")
		if r.status != http.StatusForbidden || !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="pets:write"`) {
			t.Fatalf("call_operation createPet with a read token: HTTP %d, challenge %q", r.status, ch)
		}
	}
	if _, res := call(t, url, write, "call_operation", map[string]any{"tool": "createPet", "arguments": map[string]any{"name": "Kit"}}); res == nil || res["isError"] == true {
		t.Fatalf("call_operation createPet after step-up: %v", res)
	}
	if _, res := call(t, url, read, "call_read_operation", map[string]any{"tool": "getPet", "arguments": map[string]any{"petId": 1}}); res == nil || res["isError"] == true {
		t.Fatalf("call_read_operation getPet: %v", res)
	}
	// A write through call_read_operation is refused without a decision.
	if r, res := call(t, url, read, "call_read_operation", map[string]any{"tool": "deletePet", "arguments": map[string]any{"petId": 1}}); r.status != http.StatusOK || res["isError"] != true {
		t.Fatalf("call_read_operation deletePet: HTTP %d %v", r.status, res)
	}

	// Audit records name the underlying operations, never the meta-tool.
	// They are written by the audit queue's goroutine: wait for the four.
	waitFor(t, func() bool { return strings.Count(audit.String(), "\n") >= 4 })
	var tools []string
	for _, line := range strings.Split(strings.TrimSpace(audit.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		tools = append(tools, rec["tool"].(string)+":"+rec["stage"].(string))
	}
	want := []string{"createPet:precheck", "createPet:precheck", "createPet:precheck", "getPet:precheck"}
	if diff := cmp.Diff(want, tools); diff != "" {
		t.Errorf("audit records (-want +got):\n%s\n%s", diff, audit.String())
	}
	got := scrape(t, srv.URL+"/metrics")
	wantMetrics := map[string]float64{
		`rest2mcp_tool_calls_total{api="petstore",outcome="denied",tool="createPet"}`: 2,
		`rest2mcp_tool_calls_total{api="petstore",outcome="ok",tool="createPet"}`:     1,
		`rest2mcp_tool_calls_total{api="petstore",outcome="ok",tool="getPet"}`:        1,
	}
	if diff := cmp.Diff(wantMetrics, pick(got, wantMetrics)); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	for series := range got {
		if strings.Contains(series, `tool="call_operation"`) || strings.Contains(series, `tool="call_read_operation"`) {
			t.Errorf("metric series names a meta-tool: %s", series)
		}
	}
}

// TestDiscoveryGrantedVisibility checks that under "granted" visibility
// hidden operations never appear in search or describe, and are refused
// through every surface.
func TestDiscoveryGrantedVisibility(t *testing.T) {
	as := oidctest.New(t, nil)
	srv := discoveryGateway(t, config.API{
		Name:   "petstore",
		Auth:   &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}},
		Policy: &policies.Config{Visibility: policies.VisibilityGranted},
	}, nil)
	url := srv.URL + "/mcp/petstore"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))

	if n := len(toolNames(t, modern(t, url, read, "tools/list", nil))); n != 4 {
		t.Fatalf("the four discovery tools are listed to everyone; got %d", n)
	}
	_, res := call(t, url, read, "search_operations", map[string]any{"query": "create delete list get pet", "limit": 50})
	names, _ := searchResults(t, res)
	slices.Sort(names)
	if diff := cmp.Diff([]string{"getPet", "listPets"}, names); diff != "" {
		t.Errorf("granted search (-want +got):\n%s", diff)
	}
	_, res = call(t, url, read, "describe_operation", map[string]any{"tool": "deletePet"})
	if res["isError"] != true || !strings.Contains(resultText(res), "unknown operation") {
		t.Errorf("describe of a hidden operation: %v", res)
	}
	r := modern(t, url, read, "tools/call", map[string]any{"name": "call_operation", "arguments": map[string]any{"tool": "deletePet", "arguments": map[string]any{"petId": 1}}})
	if r.status != http.StatusForbidden {
		t.Errorf("call_operation of a hidden operation: HTTP %d %s", r.status, r.raw)
	}
	// The direct tool name is not callable in discovery mode.
	if r := modern(t, url, read, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}}); r.status == http.StatusOK && r.body["error"] == nil && r.result(t)["isError"] != true {
		t.Errorf("direct tool callable in discovery mode: %s", r.raw)
	}
}

// TestDiscoveryGitHubListSize checks the budget promise of discovery
// mode on GitHub's current description (1,200+ operations): the whole
// tools/list answer stays within 8,000 bytes.
func TestDiscoveryGitHubListSize(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 13 MB spec; runs without -short")
	}
	_, file, _, _ := runtime.Caller(0)
	spec := filepath.Join(filepath.Dir(file), "..", "e2e", "testdata", "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")
	if _, err := os.Stat(spec); err != nil {
		t.Skipf("%s absent (npm packages of e2e/testdata not installed)", spec)
	}
	srv := discoveryGateway(t, config.API{Name: "github", Spec: spec}, nil)
	url := srv.URL + "/mcp/github"
	for _, era := range []func(*testing.T, string, string, string, map[string]any) rpc{modern, legacy} {
		r := era(t, url, "", "tools/list", nil)
		if n := len(toolNames(t, r)); n != 4 {
			t.Fatalf("%d tools", n)
		}
		t.Logf("discovery tools/list for GitHub: %d bytes", len(r.raw))
		if len(r.raw) > 8000 {
			t.Errorf("tools/list is %d bytes, over 8,000", len(r.raw))
		}
	}
	_, res := call(t, url, "", "search_operations", map[string]any{"query": "merge a pull request", "limit": 3})
	if names, _ := searchResults(t, res); len(names) == 0 || !slices.Contains(names, "pulls_merge") {
		t.Errorf("search on GitHub: %v", names)
	}
}

// TestToolsetsGitHub serves GitHub's description with toolsets: auto and
// checks that the toolset endpoints serve every operation, each listing
// at most 128 tools (VS Code's and Copilot's limit).
func TestToolsetsGitHub(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 13 MB spec; runs without -short")
	}
	_, file, _, _ := runtime.Caller(0)
	spec := filepath.Join(filepath.Dir(file), "..", "e2e", "testdata", "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")
	if _, err := os.Stat(spec); err != nil {
		t.Skipf("%s absent (npm packages of e2e/testdata not installed)", spec)
	}
	g, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "github", Spec: spec, Toolsets: &config.Toolsets{Auto: true}}}})
	all := len(g.APIs()[0].Tools())
	seen := map[string]bool{}
	endpoints := 0
	for _, a := range g.APIs()[1:] {
		name := a.Name()
		if strings.HasSuffix(name, mcpgen.ReadOnlySuffix) {
			continue
		}
		endpoints++
		names := toolNames(t, modern(t, srv.URL+"/mcp/"+name, "", "tools/list", nil))
		if len(names) > 128 {
			t.Errorf("%s lists %d tools", name, len(names))
		}
		for _, n := range names {
			if seen[n] {
				t.Errorf("%s in two toolsets", n)
			}
			seen[n] = true
		}
	}
	if len(seen) != all {
		t.Errorf("toolsets serve %d of %d operations", len(seen), all)
	}
	t.Logf("%d operations in %d toolset endpoints (plus read-only variants)", all, endpoints)
}

// TestDiscoveryBatchPrecheck checks that a JSON-RPC batch of
// call_operation calls never reaches an operation: batches are refused
// (-32600) before the pre-check, so a refused operation cannot hide in one.
func TestDiscoveryBatchPrecheck(t *testing.T) {
	as := oidctest.New(t, nil)
	srv := discoveryGateway(t, config.API{
		Name: "petstore",
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}},
	}, nil)
	url := srv.URL + "/mcp/petstore"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))
	batch := []map[string]any{
		{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{"name": "call_operation", "arguments": map[string]any{"tool": 42}}},
		{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": map[string]any{"name": "call_operation", "arguments": map[string]any{"tool": "deletePet", "arguments": map[string]any{"petId": 1}}}},
	}
	r := post(t, url, read, http.Header{"Mcp-Protocol-Version": {"2025-06-18"}}, batch)
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.raw), "-32600") {
		t.Errorf("batch with deletePet: HTTP %d %s, want 400 with -32600", r.status, r.raw)
	}
}
