package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

// benchSpec returns the spec named by $BENCH_SPEC (a relative path is
// taken from the module root, since tests run in the package directory),
// else GitHub's description from the e2e test data; it skips when neither
// exists.
func benchSpec(b *testing.B) string {
	b.Helper()
	root, err := FindModuleRoot(".")
	if err != nil {
		b.Skip(err)
	}
	if p := os.Getenv("BENCH_SPEC"); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		return p
	}
	p, err := OctokitSpec(root)
	if err != nil {
		b.Skip(err)
	}
	return p
}

// BenchmarkSpecBuild measures the CPU-bound part of a cold start — loading
// a spec and generating its tools — in-process, so that it can be
// profiled:
//
//	go test ./bench -run '^$' -bench SpecBuild -benchtime 5x -cpuprofile cpu.out -memprofile mem.out
func BenchmarkSpecBuild(b *testing.B) {
	spec := benchSpec(b)
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if _, err := openapi.Load(b.Context(), openapi.Source{Path: spec}, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Generate", func(b *testing.B) {
		doc, err := openapi.Load(b.Context(), openapi.Source{Path: spec}, nil)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			mcpgen.Generate(doc, nil)
		}
	})
	b.Run("LoadGenerate", func(b *testing.B) {
		for b.Loop() {
			doc, err := openapi.Load(b.Context(), openapi.Source{Path: spec}, nil)
			if err != nil {
				b.Fatal(err)
			}
			tools, _ := mcpgen.Generate(doc, nil)
			b.ReportMetric(float64(len(tools)), "tools")
		}
	})
}
