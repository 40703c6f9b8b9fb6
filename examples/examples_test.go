package examples_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rest2mcp/rest2mcp/examples"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/openapi"
)

// TestConfigsValidate loads every example configuration strictly, validates
// it and loads the specs it names, so the examples cannot drift from the
// code.
func TestConfigsValidate(t *testing.T) {
	files, err := filepath.Glob("*/rest2mcp.yaml")
	if err != nil || len(files) < 6 {
		t.Fatalf("expected at least 6 example configs, got %v (%v)", files, err)
	}
	env := func(string) (string, bool) { return "", false }
	for _, f := range files {
		t.Run(filepath.Dir(f), func(t *testing.T) {
			cfg, err := config.Load(f, env)
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			for _, a := range cfg.APIs {
				doc, err := openapi.Load(context.Background(), openapi.Source{Path: a.Spec}, nil)
				if err != nil {
					t.Fatalf("api %s: %v", a.Name, err)
				}
				if len(doc.Operations) == 0 {
					t.Fatalf("api %s: no operations", a.Name)
				}
				if a.Auth != nil {
					for _, w := range a.Auth.Warnings(cfg.ResourceURL(a.Name)) {
						t.Logf("warning: %s", w)
					}
				}
			}
		})
	}
}

// TestEmbeddedPetstore checks that the embedded copy is the example spec.
func TestEmbeddedPetstore(t *testing.T) {
	b, err := os.ReadFile("petstore/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(examples.PetstoreSpec) {
		t.Fatal("embedded PetstoreSpec differs from petstore/openapi.yaml")
	}
}

// TestVSCodeConfig checks that the VS Code example is valid JSON naming an
// HTTP server.
func TestVSCodeConfig(t *testing.T) {
	b, err := os.ReadFile("vscode/mcp.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Servers map[string]struct{ Type, URL string } `json:"servers"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if s, ok := v.Servers["petstore"]; !ok || s.Type != "http" || s.URL == "" {
		t.Fatalf("unexpected servers: %+v", v.Servers)
	}
}
