package main

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestServeSelectionFlags(t *testing.T) {
	parse := func(t *testing.T, args ...string) *serveFlags {
		t.Helper()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var f serveFlags
		f.register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return &f
	}
	noEnv := func(string) (string, bool) { return "", false }
	f := parse(t, "--spec", petstore, "--name", "pets", "--include-tag", "pets", "--include-path", "/pets/**", "--exclude-method", "DELETE")
	cfg, err := f.buildConfig(t.Context(), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.APIs[0]
	if a.Include == nil || !slices.Equal(a.Include.Tags, []string{"pets"}) || !slices.Equal(a.Include.Paths, []string{"/pets/**"}) ||
		a.Exclude == nil || !slices.Equal(a.Exclude.Methods, []string{"DELETE"}) {
		t.Errorf("include %+v exclude %+v", a.Include, a.Exclude)
	}
	if cfg, err := parse(t, "--spec", petstore, "--name", "pets").buildConfig(t.Context(), noEnv); err != nil || cfg.APIs[0].Include != nil || cfg.APIs[0].Exclude != nil {
		t.Errorf("no flags: %v, include %+v", err, cfg.APIs[0].Include)
	}
	if _, err := parse(t, "--config", "x.yaml", "--include-tag", "pets").buildConfig(t.Context(), noEnv); err == nil || !strings.Contains(err.Error(), "include/exclude") {
		t.Errorf("--config with selection flags: %v", err)
	}
	if _, err := parse(t, "--spec", petstore, "--name", "pets", "--exclude-method", "FETCH").buildConfig(t.Context(), noEnv); err == nil {
		t.Error("unknown method accepted")
	}
}

func TestTooManyToolsHint(t *testing.T) {
	var tools []*mcpgen.Tool
	for i := range 130 {
		tag := []string{"repos", "issues", "users", "meta"}[i%4]
		tools = append(tools, &mcpgen.Tool{Name: "t", Operation: &openapi.Operation{Tags: []string{tag}}})
	}
	hint := tooManyToolsHint(tools, false)
	for _, want := range []string{"130 tools", "128", `--include-tag "issues" (33 tools)`, `--include-tag "repos" (33 tools)`, "--toolsets auto"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint lacks %q: %s", want, hint)
		}
	}
	if strings.Contains(hint, `"users"`) { // fourth: 32 tools, tied with meta, later by name
		t.Errorf("hint names more than the three largest tags: %s", hint)
	}
	// With toolsets already on, the hint does not suggest them again.
	hint = tooManyToolsHint(tools, true)
	if strings.Contains(hint, "--toolsets auto") || !strings.Contains(hint, "--mode discovery") || !strings.Contains(hint, "toolset endpoints") {
		t.Errorf("hint with toolsets on: %s", hint)
	}
}

func TestServeModeFlag(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f serveFlags
	f.register(fs)
	if err := fs.Parse([]string{"--spec", petstore, "--name", "pets", "--mode", "discovery"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.buildConfig(t.Context(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIs[0].Mode != "discovery" {
		t.Errorf("mode %q", cfg.APIs[0].Mode)
	}
	cfg.APIs[0].Mode = "nope"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "mode") {
		t.Errorf("bad mode accepted: %v", err)
	}
}

func TestServeToolsetsFlag(t *testing.T) {
	build := func(args ...string) (*config.Config, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var f serveFlags
		f.register(fs)
		if err := fs.Parse(append([]string{"--spec", petstore, "--name", "pets"}, args...)); err != nil {
			t.Fatal(err)
		}
		cfg, err := f.buildConfig(t.Context(), func(string) (string, bool) { return "", false })
		return cfg, err
	}
	cfg, err := build("--toolsets", "auto")
	if err != nil || cfg.APIs[0].Toolsets == nil || !cfg.APIs[0].Toolsets.Auto {
		t.Errorf("--toolsets auto: %v %+v", err, cfg)
	}
	if _, err := build("--toolsets", "manual"); err == nil || !strings.Contains(err.Error(), "config file") {
		t.Errorf("--toolsets manual: %v", err)
	}
}
