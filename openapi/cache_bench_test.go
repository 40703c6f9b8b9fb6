package openapi

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadCached measures Load with a warm cache (the entry is
// written before the timer starts), on the documents of BenchmarkLoad.
func BenchmarkLoadCached(b *testing.B) {
	for _, p := range benchSpecs {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Logf("skipping %s: %v", p, err)
			continue
		}
		b.Run(filepath.Base(p), func(b *testing.B) {
			opts := &LoadOptions{CacheDir: b.TempDir()}
			if _, err := Load(b.Context(), Source{Path: p}, opts); err != nil {
				b.Fatalf("Load: %v", err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				doc, err := Load(b.Context(), Source{Path: p}, opts)
				if err != nil || len(doc.Operations) == 0 {
					b.Fatalf("Load: %v", err)
				}
			}
		})
	}
}
