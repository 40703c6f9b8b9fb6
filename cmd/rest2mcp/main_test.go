package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const petstore = "../../examples/petstore/openapi.yaml"

// runCLI runs the command line and returns stdout, stderr and the exit
// code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv is runCLI with an environment.
func runCLIEnv(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	code := 0
	var ee exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		errb.WriteString(err.Error())
		code = 1
	}
	return out.String(), errb.String(), code
}

func TestToolsJSONIsTheWireFormat(t *testing.T) {
	out, errOut, code := runCLI(t, "tools", "--spec", petstore, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var tools []map[string]any
	if err := json.Unmarshal([]byte(out), &tools); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	if len(tools) != 4 {
		t.Fatalf("%d tools", len(tools))
	}
	for _, tl := range tools {
		for _, k := range []string{"name", "description", "inputSchema", "annotations"} {
			if _, ok := tl[k]; !ok {
				t.Errorf("tool %v lacks %s", tl["name"], k)
			}
		}
	}
	if !strings.Contains(errOut, "4 tools from 4 operations") {
		t.Errorf("summary missing: %s", errOut)
	}
}

func TestToolsTable(t *testing.T) {
	out, _, code := runCLI(t, "tools", "--spec", petstore)
	if code != 0 || !strings.Contains(out, "TOOL") || !strings.Contains(out, "getPet") || !strings.Contains(out, "read-only") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(cfg, []byte("listen: 0.0.0.0:80\napis: [{name: Bad, spec: x.yaml}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	entraEnv := map[string]string{"ENTRA_CLIENT_SECRET": "s"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string
	}{
		{"good spec", nil, []string{"validate", "--spec", petstore}, 0, []string{"4 tools from 4 operations", "ok"}},
		{"good config", nil, []string{"validate", "--config", "../../examples/petstore/rest2mcp.yaml"}, 0, []string{"api petstore"}},
		{"IdP config", entraEnv, []string{"validate", "--config", "../../examples/entra/rest2mcp.yaml"}, 0, []string{"api petstore", "warning auth"}},
		{"missing secret", nil, []string{"validate", "--config", "../../examples/entra/rest2mcp.yaml"}, 1, []string{"error secrets upstreamAuth", "ENTRA_CLIENT_SECRET is not set"}},
		{"config problems all listed", nil, []string{"validate", "--config", cfg}, 1, []string{"apis[0].name", "apis[0].auth: required"}},
		{"no input", nil, []string{"validate"}, 2, nil},
		{"not a spec", nil, []string{"validate", "--spec", cfg}, 1, []string{"error"}},
		{"broken operation located", nil, []string{"validate", "--spec", broken}, 1, []string{"error", "/paths/~1a/get"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLIEnv(t, tc.env, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			// Each problem is reported once.
			if n := strings.Count(out, "is not set"); n > 1 {
				t.Errorf("a missing secret is reported %d times:\n%s", n, out)
			}
		})
	}
}

func TestPolicyExplain(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "rest2mcp.yaml")
	spec, err := filepath.Abs(petstore)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(`apis:
  - name: petstore
    spec: `+spec+`
    auth: {issuers: [{issuer: "http://127.0.0.1:9"}]}
    policy:
      rules:
        - {name: staff-delete, match: {methods: [DELETE]}, allOf: [pets:write], when: '"staff" in claims.groups'}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "policy", "explain", "--config", cfg, "--scopes", "pets:read")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"createPet", "needs scopes", "pets:write", "rule:staff-delete", "refused", "2 of 4 tools allowed"} {
		if !strings.Contains(out, w) {
			t.Errorf("explain output lacks %q:\n%s", w, out)
		}
	}
	out, _, _ = runCLI(t, "policy", "explain", "--config", cfg, "--scopes", "pets:write pets:read", "--claims", `{"groups":["staff"]}`)
	if !strings.Contains(out, "4 of 4 tools allowed") {
		t.Errorf("staff with write scope:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"tools"}, {"tools", "spec.yaml"}, {"serve", "spec.yaml"}, {"policy"}, {"policy", "explian"}} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if _, errOut, code := runCLI(t, "serve"); code != 1 || !strings.Contains(errOut, "--config") {
		t.Errorf("serve without input: exit %d: %s", code, errOut)
	}
	for _, args := range [][]string{{"tools", "-h"}, {"serve", "--help"}, {"validate", "-h"}} {
		if _, _, code := runCLI(t, args...); code != 0 {
			t.Errorf("%q: exit %d, want 0", args, code)
		}
	}
	if out, _, code := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "rest2mcp ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Swagger Petstore - OpenAPI 3.0": "swagger-petstore-openapi-3-0",
		"GitHub v3 REST API":             "github-v3-rest-api",
		"  ":                             "api",
		"Ünïcode":                        "n-code",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
