package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// chromiumPath is Debian's Chromium, installed by scripts/test.sh (browsers
// cannot be downloaded here, so playwright-core drives the system one).
const chromiumPath = "/usr/bin/chromium"

// browserResult is registry-ui.mjs's JSON line.
type browserResult struct {
	Status            string   `json:"status"`
	Summary           string   `json:"summary"`
	SummaryAfter      string   `json:"summaryAfter"`
	CreatePetsEnabled bool     `json:"createPetsEnabled"`
	Scopes            string   `json:"scopes"`
	Install           string   `json:"install"`
	MCPJSON           string   `json:"mcpJSON"`
	ListRow           string   `json:"listRow"`
	TryIt             string   `json:"tryIt"`
	Tools             []string `json:"tools"`
	Screenshots       []string `json:"screenshots"`
}

// screenshotDir is where the browser test leaves its screenshots:
// $REST2MCP_ARTIFACTS, or rest2mcp-e2e-screenshots in the temp directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("REST2MCP_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "rest2mcp-e2e-screenshots")
	}
	dir = filepath.Join(dir, "registry-ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRegistryUIInBrowser: a person uploads a spec from ../shared/specs in
// the web UI (Chromium), sees the tools, disables one and requires a scope
// on another, and calls a tool from the try-it form; the MCP TypeScript SDK
// client then sees the change.
func TestRegistryUIInBrowser(t *testing.T) {
	skipShort(t)
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (CI is set): scripts/test.sh installs it with apt-get install chromium", chromiumPath)
		}
		t.Skipf("skipping: %s is missing (apt-get install chromium; scripts/test.sh does it)", chromiumPath)
	}
	node := nodeBinary(t)
	dir := testdataDir(t)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatal("e2e: playwright-core is not installed; run `npm ci --prefix e2e/testdata`")
	}
	// The OpenAPI Initiative's Petstore example, copied from ../shared/specs.
	spec := filepath.Join(dir, "oai-v3.0-petstore.yaml")
	upstream := startUpstream(t, nil)

	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	proc := startProcess(t, "rest2mcp", t.TempDir(), gatewayBinary, "serve", "--data-dir", t.TempDir(),
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--cache-dir", "off")
	g := &gateway{ListenURL: base, proc: proc}
	g.waitReady(t)

	shots := screenshotDir(t)
	start := time.Now()
	r := runCommand(t, 2*time.Minute, dir, node, "registry-ui.mjs", "--base", base, "--spec", spec, "--upstream", upstream, "--shots", shots, "--chromium", chromiumPath)
	if r.err != nil {
		t.Fatalf("registry-ui.mjs: %v\nstderr:\n%s\nstdout:\n%s\n(screenshots in %s)", r.err, r.stderr, r.stdout, shots)
	}
	line := strings.TrimSpace(r.stdout)
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	var res browserResult
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("registry-ui.mjs output %q: %v", line, err)
	}
	t.Logf("browser run took %v; screenshots: %s", time.Since(start), strings.Join(res.Screenshots, ", "))

	if !strings.Contains(res.Summary, "3 tools") || !strings.Contains(res.Status, "3 tools") {
		t.Errorf("after the upload the page says %q / %q, want 3 tools", res.Summary, res.Status)
	}
	if res.CreatePetsEnabled || !strings.Contains(res.SummaryAfter, "2 tools") {
		t.Errorf("after disabling createPets: enabled=%v, page says %q", res.CreatePetsEnabled, res.SummaryAfter)
	}
	if res.Scopes != "pets:read" {
		t.Errorf("showPetById requires %q, want pets:read", res.Scopes)
	}
	if !strings.HasPrefix(res.Install, "https://insiders.vscode.dev/redirect/mcp/install?") || !strings.Contains(res.MCPJSON, base+"/mcp/petstore") {
		t.Errorf("connect page: install %q, mcp.json %q", res.Install, res.MCPJSON)
	}
	// The try-it form called listPets through the MCP endpoint: the page
	// shows the upstream request line and the tool's result.
	if !strings.Contains(res.TryIt, "GET "+upstream+"/pets?limit=2") || !strings.Contains(res.TryIt, "MCP answer (HTTP 200)") ||
		!strings.Contains(res.TryIt, "Rex") {
		t.Errorf("try-it result = %q", res.TryIt)
	}
	if !strings.Contains(res.ListRow, "2 tools") {
		t.Errorf("APIs row = %q", res.ListRow)
	}
	if want := []string{"listPets", "showPetById"}; !slices.Equal(res.Tools, want) {
		t.Errorf("the MCP client sees %v, want %v", res.Tools, want)
	}
	// The admin API agrees: the scope is stored as the operation's override.
	resp, err := http.Get(base + "/admin/api/apis/petstore/operations/showPetById")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var op struct {
		Scopes     []string `json:"scopes"`
		ScopesFrom string   `json:"scopesFrom"`
	}
	json.NewDecoder(resp.Body).Decode(&op)
	if !slices.Equal(op.Scopes, []string{"pets:read"}) || !strings.HasPrefix(op.ScopesFrom, "set here") {
		t.Errorf("admin API operation = %+v", op)
	}
}
