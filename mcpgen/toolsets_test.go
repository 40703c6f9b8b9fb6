package mcpgen

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// checkToolsets verifies the invariants of AutoToolsets: every tool in
// exactly one toolset, each at most max, valid unique names, sorted
// output, and read-only variants holding only read-only tools.
func checkToolsets(t *testing.T, tools []*Tool, sets []Toolset, max int) {
	t.Helper()
	seen := map[*Tool]string{}
	names := map[string]bool{}
	for i, s := range sets {
		if !ValidToolsetName(s.Name) {
			t.Errorf("toolset name %q is not a valid URL segment", s.Name)
		}
		if names[s.Name] {
			t.Errorf("toolset name %q twice", s.Name)
		}
		names[s.Name] = true
		if i > 0 && sets[i-1].Name >= s.Name {
			t.Errorf("toolsets not sorted: %q before %q", sets[i-1].Name, s.Name)
		}
		if len(s.Tools) == 0 || len(s.Tools) > max {
			t.Errorf("toolset %q has %d tools (max %d)", s.Name, len(s.Tools), max)
		}
		for _, tool := range s.Tools {
			if prev, ok := seen[tool]; ok {
				t.Errorf("tool %s in %q and %q", tool.Name, prev, s.Name)
			}
			seen[tool] = s.Name
		}
	}
	if len(seen) != len(tools) {
		t.Errorf("toolsets cover %d of %d tools", len(seen), len(tools))
	}
	for _, ro := range ReadOnlyVariants(sets) {
		if !ro.ReadOnly || !ValidToolsetName(ro.Name) || names[ro.Name] {
			t.Errorf("read-only variant %q: ReadOnly=%v, name clash=%v", ro.Name, ro.ReadOnly, names[ro.Name])
		}
		for _, tool := range ro.Tools {
			if !tool.Annotations.ReadOnly {
				t.Errorf("read-only variant %q holds %s", ro.Name, tool.Name)
			}
		}
	}
}

func TestAutoToolsets(t *testing.T) {
	var ops []*openapi.Operation
	// 230 operations under one tag, spread over path words: split by path.
	for i := range 230 {
		ops = append(ops, &openapi.Operation{ID: fmt.Sprintf("repos%03d", i), Method: []string{"GET", "POST"}[i%2],
			Path: fmt.Sprintf("/repos/{owner}/{repo}/part%d/%d", i/20, i), Tags: []string{"Repos"}})
	}
	// 12 under another tag; 3 tiny tags; 2 untagged under /misc.
	for i := range 12 {
		ops = append(ops, &openapi.Operation{ID: fmt.Sprintf("issue%d", i), Method: "GET", Path: fmt.Sprintf("/issues/%d", i), Tags: []string{"Pull Requests & Issues"}})
	}
	for i, tag := range []string{"Emojis", "Meta", "Zen"} {
		ops = append(ops, &openapi.Operation{ID: "tiny" + tag, Method: "GET", Path: fmt.Sprintf("/tiny/%d", i), Tags: []string{tag}})
	}
	ops = append(ops, &openapi.Operation{ID: "m1", Method: "DELETE", Path: "/misc/a"}, &openapi.Operation{ID: "m2", Method: "GET", Path: "/misc/b"})
	tools := searchTools(ops...)
	sets := AutoToolsets(tools, 100)
	checkToolsets(t, tools, sets, 100)
	var names []string
	for _, s := range sets {
		names = append(names, fmt.Sprintf("%s:%d", s.Name, len(s.Tools)))
	}
	// Parts pack in lexical order: part0, part1, part10, part11, part2 …
	want := []string{"more:5", "pull-requests-issues:12", "repos-part0:90", "repos-part3:100", "repos-part8:40"}
	if !slices.Equal(names, want) {
		t.Errorf("toolsets = %q, want %q", names, want)
	}
	// Deterministic: the same tools in another order give the same sets.
	rev := slices.Clone(tools)
	slices.Reverse(rev)
	again := AutoToolsets(rev, 100)
	if !slices.EqualFunc(sets, again, func(a, b Toolset) bool {
		return a.Name == b.Name && slices.Equal(a.Tools, b.Tools)
	}) {
		t.Error("toolsets depend on the input order")
	}
	if got := AutoToolsets(nil, 0); len(got) != 0 {
		t.Errorf("no tools gave %d toolsets", len(got))
	}
}

// TestAutoToolsetsCorpus checks the invariants on the largest real specs
// (every operation served, in toolsets of at most 100 tools).
func TestAutoToolsetsCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("loads several MB of specs; runs without -short")
	}
	for _, path := range []string{octokitSpec, filepath.Join(corpusDir, "cloudflare-api.json"), filepath.Join(corpusDir, "asana-oas.yaml")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent: %v", path, err)
			}
			doc, err := openapi.Load(t.Context(), openapi.Source{Path: path}, nil)
			if err != nil {
				t.Fatal(err)
			}
			tools, _ := Generate(doc, nil)
			sets := AutoToolsets(tools, 0)
			checkToolsets(t, tools, sets, DefaultToolsetMax)
			t.Logf("%d tools in %d toolsets", len(tools), len(sets))
		})
	}
}
