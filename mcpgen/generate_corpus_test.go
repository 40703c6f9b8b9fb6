package mcpgen

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// corpusDir holds the pinned real-world specifications (see its
// MANIFEST.md).
const corpusDir = "../../shared/specs"

// corpusEntry is one manifest row: the root document and the size of the
// whole description (all its files).
type corpusEntry struct {
	file  string
	bytes int
	ops   int // operations (paths only), from the manifest
}

// corpusFiles lists the corpus entries from the manifest's first and
// third columns.
func corpusFiles(t *testing.T) []corpusEntry {
	t.Helper()
	manifest, err := os.ReadFile(filepath.Join(corpusDir, "MANIFEST.md"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var entries []corpusEntry
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|[^|]*\\| ([0-9,]+) \\| ([0-9,]+)").FindAllStringSubmatch(string(manifest), -1) {
		n, err := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
		if err != nil {
			t.Fatalf("manifest size %q: %v", m[2], err)
		}
		ops, err := strconv.Atoi(strings.ReplaceAll(m[3], ",", ""))
		if err != nil {
			t.Fatalf("manifest operations %q: %v", m[3], err)
		}
		entries = append(entries, corpusEntry{file: m[1], bytes: n, ops: ops})
	}
	if len(entries) == 0 {
		t.Fatal("no corpus entries in MANIFEST.md")
	}
	return entries
}

// corpusWantTools pins the tool counts of some entries.
var corpusWantTools = map[string]int{
	"cloudflare-api.json":      1533,
	"oai-v3.0-petstore.yaml":   3,
	"swagger-petstore-v2.json": 20,
}

// shortCorpusBytes bounds the documents TestCorpus converts under -short:
// the whole corpus takes over a minute under -race, most of it loading the
// large documents.
const shortCorpusBytes = 300 << 10

// TestCorpus converts every document of the shared corpus and checks every
// tool (see checkTools). Under -short only the documents smaller than
// shortCorpusBytes are converted.
func TestCorpus(t *testing.T) {
	for _, entry := range corpusFiles(t) {
		file := entry.file
		t.Run(file, func(t *testing.T) {
			if testing.Short() && entry.bytes > shortCorpusBytes {
				t.Skipf("%d bytes: converted without -short only", entry.bytes)
			}
			path := filepath.Join(corpusDir, file)
			t.Parallel()
			doc, err := openapi.Load(t.Context(), openapi.Source{Path: path}, nil)
			if err != nil {
				t.Logf("load: %v (nothing to convert)", err)
				return
			}
			start := time.Now()
			tools, diags := Generate(doc, nil)
			elapsed := time.Since(start)
			byCode := map[string]int{}
			for _, d := range diags {
				byCode[d.Code]++
			}
			t.Logf("%d operations → %d tools in %v, diagnostics %v", len(doc.Operations), len(tools), elapsed, byCode)
			for _, d := range diags {
				if d.Severity == openapi.SeverityError {
					t.Errorf("diagnostic %s %s: %s", d.Code, d.Pointer, d.Message)
				}
			}
			if want, ok := corpusWantTools[file]; ok && len(tools) != want {
				t.Errorf("got %d tools, want %d", len(tools), want)
			}
			// Every operation becomes a tool (tools = operations).
			if len(tools) != entry.ops {
				t.Errorf("got %d tools for %d operations in the manifest", len(tools), entry.ops)
			}
			checkTools(t, tools)
		})
	}
}

// checkTools verifies the invariants every generated tool list must hold.
func checkTools(t *testing.T, tools []*Tool) {
	t.Helper()
	seen := map[string]bool{}
	for _, tool := range tools {
		if !toolNameRE.MatchString(tool.Name) {
			t.Errorf("tool name %q is invalid", tool.Name)
		}
		if seen[tool.Name] {
			t.Errorf("tool name %q is not unique", tool.Name)
		}
		seen[tool.Name] = true
		if tool.Description == "" {
			t.Errorf("%s: empty description", tool.Name)
		}
		if _, err := checkToolSchema(tool.InputSchema, true); err != nil {
			t.Errorf("%s: input schema: %v", tool.Name, err)
		}
		if tool.OutputSchema != nil {
			if _, err := checkToolSchema(tool.OutputSchema, false); err != nil {
				t.Errorf("%s: output schema: %v", tool.Name, err)
			}
		}
		for _, b := range tool.Bindings {
			if !argNameRE.MatchString(b.Arg) {
				t.Errorf("%s: argument %q is invalid", tool.Name, b.Arg)
			}
		}
	}
}
