package mcpgen

import (
	"path/filepath"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// BenchmarkGenerate measures Generate alone on the largest corpus document
// (Cloudflare, 1,533 operations); loading happens once, outside the timer.
func BenchmarkGenerate(b *testing.B) {
	doc, err := openapi.Load(b.Context(), openapi.Source{Path: filepath.Join(corpusDir, "cloudflare-api.json")}, nil)
	if err != nil {
		b.Skipf("load corpus document: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tools, _ := Generate(doc, nil)
		if len(tools) != len(doc.Operations) {
			b.Fatalf("got %d tools for %d operations", len(tools), len(doc.Operations))
		}
	}
}
