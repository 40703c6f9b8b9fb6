package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeTimeout bounds one run of a Node script.
const nodeTimeout = 60 * time.Second

// sdkTrace is one HTTP exchange recorded by client.mjs.
type sdkTrace struct {
	Method          string `json:"method"`
	URL             string `json:"url"`
	Status          int    `json:"status"`
	WWWAuthenticate string `json:"wwwAuthenticate"`
}

// sdkToolResult is client.mjs's summary of a CallToolResult.
type sdkToolResult struct {
	IsError           bool            `json:"isError"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	Text              string          `json:"text"`
}

// sdkToken is client.mjs's summary of its access token.
type sdkToken struct {
	Aud    any    `json:"aud"`
	Scope  string `json:"scope"`
	Scp    string `json:"scp"`
	Sub    string `json:"sub"`
	Iss    string `json:"iss"`
	Opaque bool   `json:"opaque"`
}

// sdkAuthorization is one authorization request the SDK made.
type sdkAuthorization struct {
	Scope               string `json:"scope"`
	Resource            string `json:"resource"`
	CodeChallengeMethod string `json:"codeChallengeMethod"`
}

// sdkResult is the JSON line client.mjs prints; fields depend on the mode.
type sdkResult struct {
	Mode            string             `json:"mode"`
	ProtocolVersion string             `json:"protocolVersion"`
	Tools           []string           `json:"tools"`
	GetPet          *sdkToolResult     `json:"getPet"`
	ListPets        *sdkToolResult     `json:"listPets"`
	MissingPet      *sdkToolResult     `json:"missingPet"`
	CreatePet       *sdkToolResult     `json:"createPet"`
	Registrations   int                `json:"registrations"`
	Authorizations  []sdkAuthorization `json:"authorizations"`
	Token           *sdkToken          `json:"token"`
	InitialToken    *sdkToken          `json:"initialToken"`
	SteppedUpToken  *sdkToken          `json:"steppedUpToken"`
	Challenge       string             `json:"challenge"`
	Error           string             `json:"error"`
	ConsentPages    []string           `json:"consentPages"`
	Search          *sdkToolResult     `json:"search"`
	Describe        *sdkToolResult     `json:"describe"`
	Trace           []sdkTrace         `json:"trace"`
}

// runSDKClient runs client.mjs against an MCP endpoint in one mode (with
// extra arguments such as --client-id) and fails the test if the client
// fails.
func runSDKClient(t *testing.T, mcpURL, mode string, extra ...string) sdkResult {
	t.Helper()
	node := nodeBinary(t)
	argv := append([]string{node, "client.mjs", "--url", mcpURL, "--mode", mode}, extra...)
	r := runCommand(t, nodeTimeout, testdataDir(t), argv...)
	if r.err != nil {
		t.Fatalf("client.mjs --mode %s: %v\nstderr:\n%s\nstdout:\n%s", mode, r.err, r.stderr, r.stdout)
	}
	line := strings.TrimSpace(r.stdout)
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	var res sdkResult
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("client.mjs output %q: %v", truncate(line, 500), err)
	}
	return res
}

// conformanceCheck is one entry of the conformance suite's checks.json.
type conformanceCheck struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Status       string          `json:"status"`
	ErrorMessage string          `json:"errorMessage"`
	Details      json.RawMessage `json:"details"`
}

// runConformance runs one server scenario of @modelcontextprotocol/conformance
// (with the Node 22 binary it needs) and returns its checks.
func runConformance(t *testing.T, mcpURL, scenario string) []conformanceCheck {
	t.Helper()
	node := nodeBinary(t)
	dir := testdataDir(t)
	out := t.TempDir()
	cli := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
	r := runCommand(t, nodeTimeout, dir, node, cli, "server", "--url", mcpURL, "--scenario", scenario, "-o", out)
	matches, err := filepath.Glob(filepath.Join(out, "*", "checks.json"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("conformance %s wrote no checks.json (exit: %v)\nstdout:\n%s\nstderr:\n%s", scenario, r.err, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var checks []conformanceCheck
	if err := json.Unmarshal(b, &checks); err != nil {
		t.Fatalf("conformance %s checks.json: %v", scenario, err)
	}
	if r.err != nil && !hasFailure(checks) {
		t.Errorf("conformance %s exited with %v but reported no failed check\nstdout:\n%s\nstderr:\n%s", scenario, r.err, r.stdout, r.stderr)
	}
	return checks
}

func hasFailure(checks []conformanceCheck) bool {
	for _, c := range checks {
		if c.Status == "FAILURE" {
			return true
		}
	}
	return false
}
