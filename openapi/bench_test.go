package openapi

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad measures Load on the largest corpus documents.
func BenchmarkLoad(b *testing.B) {
	for _, name := range []string{"cloudflare-api.json", "github-api.github.com.json", "openai-openapi.yaml"} {
		p := filepath.Join(corpusDir, name)
		data, err := os.ReadFile(p)
		if err != nil {
			b.Skipf("corpus not available: %v", err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				doc, err := Load(b.Context(), Source{Path: p}, nil)
				if err != nil || len(doc.Operations) == 0 {
					b.Fatalf("Load: %v", err)
				}
			}
		})
	}
}
