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

// BenchmarkLoadDecoders compares, in one run, Load of the largest JSON
// documents with the fast decoder and with kin-openapi's unmarshalling
// (the baseline), without the cache:
//
//	go test ./openapi -run '^$' -bench LoadDecoders -benchmem -benchtime 5x
func BenchmarkLoadDecoders(b *testing.B) {
	for _, p := range benchSpecs {
		if filepath.Ext(p) != ".json" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			b.Logf("skipping %s: %v", p, err)
			continue
		}
		for _, dec := range []string{"fast", "kin"} {
			b.Run(filepath.Base(p)+"/"+dec, func(b *testing.B) {
				disableFastDecoder = dec == "kin"
				defer func() { disableFastDecoder = false }()
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
}
