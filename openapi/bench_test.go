package openapi

import (
	"os"
	"path/filepath"
	"testing"
)

// benchSpecs are the largest corpus documents and, when the e2e npm
// packages are installed, GitHub's current description.
var benchSpecs = []string{
	filepath.Join(corpusDir, "cloudflare-api.json"),
	filepath.Join(corpusDir, "github-api.github.com.json"),
	filepath.Join(corpusDir, "openai-openapi.yaml"),
	"../e2e/testdata/node_modules/@octokit/openapi/generated/api.github.com.json",
}

// BenchmarkLoad measures Load on the largest corpus documents.
func BenchmarkLoad(b *testing.B) {
	for _, p := range benchSpecs {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Logf("skipping %s: %v", p, err)
			continue
		}
		b.Run(filepath.Base(p), func(b *testing.B) {
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
