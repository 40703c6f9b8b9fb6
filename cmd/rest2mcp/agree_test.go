package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/policies"
)

// exampleEnv holds a value for every secret the example configurations
// name; a new example with a new secret must add it here.
var exampleEnv = map[string]string{
	"ENTRA_CLIENT_SECRET":           "test-secret",
	"KEYCLOAK_CLIENT_SECRET":        "test-secret",
	"PETSTORE_API_KEY":              "test-key",
	"REST2MCP_INTROSPECTION_SECRET": "test-secret",
	"REST2MCP_EXCHANGE_SECRET":      "test-secret",
}

// relPathRE finds the file settings relative to the configuration.
var relPathRE = regexp.MustCompile(`(spec|policyFile): [^\s{]+`)

// exampleConfig copies an example configuration into a temporary
// directory, with absolute spec paths and file secrets pointing at a
// temporary file, and returns its path.
func exampleConfig(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("test-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		t.Fatal(err)
	}
	s := relPathRE.ReplaceAllStringFunc(string(b), func(m string) string {
		key, val, _ := strings.Cut(m, ": ")
		if filepath.IsAbs(val) || strings.Contains(val, "://") {
			return m
		}
		return key + ": " + filepath.Join(abs, val)
	})
	s = strings.ReplaceAll(s, "fromFile: /run/secrets/", "fromFile: "+dir+"/x-")
	if strings.Contains(s, "fromFile: "+dir+"/x-") {
		for _, l := range strings.Split(s, "\n") {
			if i := strings.Index(l, "fromFile: "+dir+"/x-"); i >= 0 {
				name := strings.TrimSuffix(strings.TrimSpace(l[i+len("fromFile: "):]), "}")
				if err := os.WriteFile(name, []byte("test-secret\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	out := filepath.Join(dir, "rest2mcp.yaml")
	if err := os.WriteFile(out, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExamplesAgree builds every example configuration the three ways a
// user meets it — rest2mcp validate, rest2mcp policy explain and serve
// (gateway.New) — and checks they agree: validate passes, and serve and
// the offline builder produce the same tools, descriptions, required
// scopes and decisions, which policy explain prints.
func TestExamplesAgree(t *testing.T) {
	files, err := filepath.Glob("../../examples/*/rest2mcp.yaml")
	if err != nil || len(files) < 6 {
		t.Fatalf("expected at least 6 example configs, got %v (%v)", files, err)
	}
	lookupEnv := func(k string) (string, bool) { v, ok := exampleEnv[k]; return v, ok }
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			path := exampleConfig(t, f)
			out, _, code := runCLIEnv(t, exampleEnv, "validate", "--config", path)
			if code != 0 {
				t.Fatalf("validate exits %d:\n%s", code, out)
			}
			cfg, err := config.Load(path, lookupEnv)
			if err != nil {
				t.Fatal(err)
			}
			g, err := gateway.New(context.Background(), gateway.Options{Config: cfg, LookupEnv: lookupEnv})
			if err != nil {
				t.Fatalf("serve: %v", err)
			}
			for _, api := range cfg.APIs {
				served, _ := g.Snapshot(api.Name)
				offline, err := gateway.BuildAPI(context.Background(), api, gateway.BuildOptions{Config: cfg, LookupEnv: lookupEnv, NoCredentials: true})
				if err != nil {
					t.Fatalf("offline build: %v", err)
				}
				if diff := cmp.Diff(describe(served), describe(offline)); diff != "" {
					t.Errorf("api %s: served and offline builds differ (-serve +offline):\n%s", api.Name, diff)
				}
				if !strings.Contains(out, "api "+api.Name) || !strings.Contains(out, strconv.Itoa(len(served.Tools()))+" tools from") {
					t.Errorf("validate does not report api %s with %d tools:\n%s", api.Name, len(served.Tools()), out)
				}
				for _, scopes := range subjectsFor(served) {
					explained, errOut, code := runCLIEnv(t, exampleEnv, "policy", "explain", "--config", path, "--api", api.Name, "--scopes", scopes)
					if code != 0 {
						t.Fatalf("policy explain exits %d: %s", code, errOut)
					}
					if diff := cmp.Diff(explainServed(served, api.Name, scopes), explained); diff != "" {
						t.Errorf("api %s, scopes %q: policy explain differs from serve's decisions (-serve +explain):\n%s", api.Name, scopes, diff)
					}
				}
			}
		})
	}
}

// describe renders what a client sees of a snapshot, and the policy's
// requirements and decisions for a few callers.
func describe(s *gateway.Snapshot) []string {
	var out []string
	for _, t := range s.Tools() {
		line := t.Name + " | " + t.Description
		if p := s.Policy(); p != nil {
			line += " | requires " + fmt.Sprint(p.Requirements(t.Name))
			for _, scopes := range subjectsFor(s) {
				d := p.Decide(t.Name, p.NewSubject(policies.Subject{Subject: "someone", Scopes: strings.Fields(scopes)}))
				line += " | [" + scopes + "] allow=" + strconv.FormatBool(d.Allow) + " " + d.Rule
			}
		}
		out = append(out, line)
	}
	return append(out, "baseline "+strings.Join(s.Baseline(), " "))
}

// subjectsFor returns the scope sets the test decides for: none, the
// baseline, and every scope any tool requires.
func subjectsFor(s *gateway.Snapshot) []string {
	if s.Policy() == nil {
		return []string{""}
	}
	all := map[string]bool{}
	for _, t := range s.Tools() {
		for _, alt := range s.Policy().Requirements(t.Name) {
			for _, sc := range alt {
				all[sc] = true
			}
		}
	}
	var every []string
	for sc := range all {
		every = append(every, sc)
	}
	return []string{"", strings.Join(s.Baseline(), " "), strings.Join(slices.Sorted(slices.Values(every)), " ")}
}

// explainServed is what policy explain must print for the served policy.
func explainServed(s *gateway.Snapshot, name, scopes string) string {
	var buf bytes.Buffer
	if s.Policy() == nil {
		buf.WriteString("API " + name + " is served without authorization (no auth section): every tool is callable by anyone who can reach it.\n")
		return buf.String()
	}
	subj := s.Policy().NewSubject(policies.Subject{Subject: "someone", Scopes: strings.Fields(scopes)})
	buf.WriteString("API " + name + " — scopes: " + strconv.Quote(scopes) + "\n\n")
	_ = policies.Explain(&buf, s.Policy(), subj)
	return buf.String()
}
