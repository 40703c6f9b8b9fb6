package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestToolsSelectionFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"include tag", []string{"--include-tag", "pets"}, []string{"createPet", "deletePet", "getPet", "listPets"}},
		{"include operation (repeatable)", []string{"--include-operation", "getPet", "--include-operation", "listPets"}, []string{"getPet", "listPets"}},
		{"old --operation alias", []string{"--operation", "getPet"}, []string{"getPet"}},
		{"include path glob", []string{"--include-path", "/pets/*"}, []string{"deletePet", "getPet"}},
		{"exclude methods", []string{"--exclude-method", "delete", "--exclude-method", "POST"}, []string{"getPet", "listPets"}},
		{"criteria ANDed", []string{"--include-path", "/pets/*", "--exclude-method", "DELETE"}, []string{"getPet"}},
		{"nothing matches", []string{"--include-tag", "nope"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"tools", "--spec", petstore, "--json"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var tools []struct{ Name string }
			if err := json.Unmarshal([]byte(out), &tools); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var got []string
			for _, tl := range tools {
				got = append(got, tl.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("tools %q, want %q", got, tc.want)
			}
			if !strings.Contains(errOut, "~TOKENS") {
				t.Errorf("no budget on stderr with --json:\n%s", errOut)
			}
		})
	}
	for _, args := range [][]string{
		{"--exclude-method", "FROB"},
		{"--include-path", "pets/**"},
		{"--include-tag", ""},
		{"--toolsets", "manual"},
	} {
		if _, errOut, code := runCLI(t, append([]string{"tools", "--spec", petstore}, args...)...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d (%s), want 2 with a message", args, code, errOut)
		}
	}
}

func TestToolsBudget(t *testing.T) {
	out, _, code := runCLI(t, "tools", "--spec", petstore, "--name", "pets")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"ENDPOINT", "/mcp/pets ", "~TOKENS", "listPets ("} {
		if !strings.Contains(out, want) {
			t.Errorf("budget lacks %q:\n%s", want, out)
		}
	}
}

func TestToolsToolsetsJSON(t *testing.T) {
	out, errOut, code := runCLI(t, "tools", "--spec", petstore, "--toolsets", "auto", "--json", "--name", "pets")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Toolsets []struct {
			Name, Endpoint string
			ReadOnly       bool
			Tools          []string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	covered := map[string]int{}
	var sawReadOnly bool
	for _, s := range got.Toolsets {
		if s.Endpoint != "/mcp/pets/"+s.Name {
			t.Errorf("toolset %q endpoint %q", s.Name, s.Endpoint)
		}
		if len(s.Tools) > maxClientTools {
			t.Errorf("toolset %q has %d tools", s.Name, len(s.Tools))
		}
		if s.ReadOnly {
			sawReadOnly = true
			continue
		}
		for _, tl := range s.Tools {
			covered[tl]++
		}
	}
	if len(covered) != 4 || !sawReadOnly {
		t.Errorf("toolsets cover %v (read-only variant %v):\n%s", covered, sawReadOnly, out)
	}
	for tl, n := range covered {
		if n != 1 {
			t.Errorf("%s in %d toolsets", tl, n)
		}
	}
}

func TestToolsDiscoveryMode(t *testing.T) {
	out, errOut, code := runCLI(t, "tools", "--spec", petstore, "--mode", "discovery", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var tools []struct{ Name string }
	if err := json.Unmarshal([]byte(out), &tools); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "search_operations,describe_operation,call_operation,call_read_operation" {
		t.Errorf("discovery tools %v", names)
	}
	if !strings.Contains(errOut, "discovery mode: 4 tools search, describe and call 4 operations (4 in the spec;") || strings.Contains(errOut, "4 tools from 4 operations") {
		t.Errorf("stderr: %s", errOut)
	}
	for _, args := range [][]string{{"--mode", "search"}, {"--mode", "discovery", "--toolsets", "auto"}} {
		if _, _, code := runCLI(t, append([]string{"tools", "--spec", petstore}, args...)...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// A tag or operationId that matches nothing is named, with its
// case-insensitive near matches, in tools, validate and serve.
func TestSelectionMatchesNothing(t *testing.T) {
	_, errOut, code := runCLI(t, "tools", "--spec", petstore, "--include-tag", "PETS", "--include-operation", "getpet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`no tag "PETS"; did you mean "pets"?`, `no operationId "getpet"; did you mean "getPet"?`, "select none of the spec's 4 operations"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("tools stderr lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut, _ = runCLI(t, "tools", "--spec", petstore, "--include-tag", "pets", "--include-tag", "cats")
	if !strings.Contains(errOut, `include: no tag "cats" in the spec`) || strings.Contains(errOut, "select none") {
		t.Errorf("tools with one unknown tag of two:\n%s", errOut)
	}
	spec, err := filepath.Abs(petstore)
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(t.TempDir(), "rest2mcp.yaml")
	cfg := "apis:\n  - name: pets\n    spec: " + spec + "\n    upstream: http://127.0.0.1:1/v1\n    include: {tags: [pets, Pets]}\n"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, _ := runCLI(t, "validate", "--config", cfgFile)
	if !strings.Contains(out+errOut, `warning selection: include: no tag "Pets"; did you mean "pets"?`) {
		t.Errorf("validate output lacks the hint:\n%s%s", out, errOut)
	}
	// Selecting nothing fails the build with the hint.
	if err := os.WriteFile(cfgFile, []byte(strings.Replace(cfg, "[pets, Pets]", "[Pets]", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "validate", "--config", cfgFile)
	if code == 0 || !strings.Contains(out+errOut, `error: api pets: `) || !strings.Contains(out+errOut, `no tag "Pets"; did you mean "pets"?`) {
		t.Errorf("validate of an empty selection (exit %d):\n%s%s", code, out, errOut)
	}
}
