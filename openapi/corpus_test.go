package openapi

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// corpusDir is the shared corpus of real-world specs, beside the repository.
const corpusDir = "../../shared/specs"

type corpusSpec struct {
	file string // relative to corpusDir
	ops  int    // operation count from MANIFEST.md
}

var manifestRow = regexp.MustCompile("^\\| `([^`]+)` \\|[^|]*\\|[^|]*\\| ([0-9,]+)")

// readManifest lists the corpus documents and their operation counts.
func readManifest(t testing.TB) []corpusSpec {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "MANIFEST.md"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	var specs []corpusSpec
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := manifestRow.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
		if err != nil {
			t.Fatalf("manifest row %q: %v", sc.Text(), err)
		}
		specs = append(specs, corpusSpec{file: m[1], ops: n})
	}
	if len(specs) == 0 {
		t.Fatal("no specs found in MANIFEST.md")
	}
	return specs
}

// TestCorpus loads every document of the shared corpus and checks that the
// operations are all there (less the skipped ones, each with a diagnostic)
// and that every schema reference resolves. Per-document diagnostic counts
// are compared with testdata/corpus.golden (-update rewrites it).
//
// It takes about 20 s (over a minute with -race), so -short skips it.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test is slow; skipped with -short")
	}
	specs := readManifest(t)
	var golden strings.Builder
	start := time.Now()
	for _, spec := range specs {
		t.Run(spec.file, func(t *testing.T) {
			doc, err := Load(t.Context(), Source{Path: filepath.Join(corpusDir, spec.file)}, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			skipped := 0
			for _, d := range doc.Diagnostics {
				if d.Severity == SeverityError && (strings.HasPrefix(d.Pointer, "/paths/") || strings.HasPrefix(d.Pointer, "/webhooks/")) {
					skipped++
				}
			}
			// Every operation of every real document must load: a defect
			// degrades a schema, parameter or response, never an operation.
			if len(doc.Operations) != spec.ops || skipped > 0 {
				t.Errorf("got %d operations, want %d (manifest); %d skipped with a diagnostic:\n%s",
					len(doc.Operations), spec.ops, skipped, doc.Diagnostics)
			}
			if spec.ops > 0 && len(doc.Operations) == 0 {
				t.Errorf("no operations loaded")
			}
			checkRefs(t, doc)
			fmt.Fprintf(&golden, "%s ops=%d schemas=%d %s\n", spec.file, len(doc.Operations), len(doc.Schemas), diagCounts(doc.Diagnostics))
		})
	}
	t.Logf("corpus loaded in %v", time.Since(start))
	compareGolden(t, "testdata/corpus.golden", golden.String())
}

// diagCounts summarises diagnostics as "severity:code=count" pairs.
func diagCounts(ds Diagnostics) string {
	counts := map[string]int{}
	for _, d := range ds {
		counts[d.Severity.String()+":"+d.Code]++
	}
	keys := sortedKeys(counts)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, counts[k])
	}
	return "diags[" + strings.Join(parts, " ") + "]"
}

// checkRefs asserts that every "$ref" in the document's schemas points to
// an entry of doc.Schemas.
func checkRefs(t *testing.T, doc *Document) {
	t.Helper()
	var bad []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"]; ok {
				s, _ := ref.(string)
				name, found := strings.CutPrefix(s, "#/$defs/")
				if _, ok := doc.Schemas[name]; !found || !ok {
					bad = append(bad, s)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	for _, op := range doc.Operations {
		for _, p := range op.Parameters {
			walk(p.Schema)
		}
		if op.RequestBody != nil {
			walk(op.RequestBody.Schema)
		}
		if op.Success != nil {
			walk(op.Success.Schema)
		}
	}
	for _, s := range doc.Schemas {
		walk(s)
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		t.Errorf("%d unresolved schema refs, e.g. %v", len(bad), bad[:min(5, len(bad))])
	}
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}
