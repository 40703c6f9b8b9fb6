package openapi_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

const (
	corpusDir   = "../../shared/specs"
	octokitSpec = "../e2e/testdata/node_modules/@octokit/openapi/generated/api.github.com.json"
)

// TestCacheIdentity proves that a cache hit returns exactly what a fresh
// load returns: the documents are deeply equal (dynamic types of schema
// values included), and the tools generated from them encode to the same
// bytes. The fresh document is the one the first load (a miss) returns:
// writing the entry only reads it. The repair path is covered by
// TestCacheMultiFile.
func TestCacheIdentity(t *testing.T) {
	tests := []struct {
		name string
		path string
		// large documents are skipped with -short; optional ones are
		// skipped when absent.
		large, optional bool
	}{
		{name: "swagger 2.0", path: filepath.Join(corpusDir, "swagger-petstore-v2.json")},
		{name: "swagger 2.0 multi-file", path: filepath.Join(corpusDir, "oai-v2-petstore-separate/spec/swagger.json")},
		{name: "openapi 3.0 yaml", path: filepath.Join(corpusDir, "swagger-petstore-v3.0.yaml")},
		{name: "openapi 3.0 fragments", path: filepath.Join(corpusDir, "box-openapi.json"), large: true},
		{name: "openapi 3.1", path: filepath.Join(corpusDir, "openai-openapi.yaml"), large: true},
		{name: "cloudflare", path: filepath.Join(corpusDir, "cloudflare-api.json"), large: true},
		{name: "octokit github", path: octokitSpec, large: true, optional: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.large && testing.Short() {
				t.Skip("large document; skipped with -short")
			}
			if _, err := os.Stat(tt.path); errors.Is(err, fs.ErrNotExist) {
				if tt.optional {
					t.Skipf("%s is absent (npm packages of e2e/testdata not installed)", tt.path)
				}
				t.Skipf("corpus not available: %v", err)
			}
			src := openapi.Source{Path: tt.path}
			logger, rec := openapi.NewLogRecorder()
			opts := &openapi.LoadOptions{CacheDir: t.TempDir(), Logger: logger}
			fresh, err := openapi.Load(t.Context(), src, opts)
			if err != nil {
				t.Fatalf("Load (miss): %v", err)
			}
			if rec.Count(openapi.MsgCacheHit) != 0 {
				t.Fatal("first load was a cache hit")
			}
			cached, err := openapi.Load(t.Context(), src, opts)
			if err != nil {
				t.Fatalf("Load (hit): %v", err)
			}
			if rec.Count(openapi.MsgCacheHit) != 1 {
				t.Fatal("second load was not a cache hit")
			}
			if diff := cmp.Diff(fresh, cached); diff != "" {
				t.Fatalf("cached document differs (-fresh +cached):\n%s", diff)
			}
			freshTools, freshDiags := mcpgen.Generate(fresh, nil)
			cachedTools, cachedDiags := mcpgen.Generate(cached, nil)
			if diff := cmp.Diff(freshDiags, cachedDiags); diff != "" {
				t.Errorf("generation diagnostics differ (-fresh +cached):\n%s", diff)
			}
			want, got := encodeTools(t, freshTools), encodeTools(t, cachedTools)
			if len(freshTools) != len(cachedTools) || string(want) != string(got) {
				t.Errorf("tools from the cached document encode differently (%d vs %d bytes, %d vs %d tools)",
					len(want), len(got), len(freshTools), len(cachedTools))
			}
			if len(fresh.Operations) > 0 && len(freshTools) == 0 {
				t.Error("no tools generated; the comparison proves nothing")
			}
		})
	}
}

// encodeTools returns the MCP tool definitions (as served by tools/list)
// and the invocation bindings as JSON.
func encodeTools(t *testing.T, tools []*mcpgen.Tool) []byte {
	t.Helper()
	type wire struct {
		Tool     any
		Bindings []mcpgen.Binding
		Scopes   []string
		Wrapped  bool
	}
	out := make([]wire, len(tools))
	for i, tl := range tools {
		out[i] = wire{Tool: tl.MCPTool(), Bindings: tl.Bindings, Scopes: tl.Scopes, Wrapped: tl.OutputWrapped}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatalf("encode tools: %v", err)
	}
	return b
}
