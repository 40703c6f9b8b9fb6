package openapi_test

import (
	"flag"
	"os"
	"testing"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

var benchCacheDir = flag.String("cachedir", "", "cache directory for BenchmarkStartCached (default: a new temporary one)")

// BenchmarkStartCached measures what the gateway does at start with a warm
// cache: load GitHub's description and generate its tools. With -cachedir
// naming a directory a previous run filled, the whole process only ever
// hits the cache, so its peak RSS is that of a cached start:
//
//	go test -c -o /tmp/openapi.test ./openapi
//	/tmp/openapi.test -test.run '^$' -test.bench StartCached -test.benchtime 1x -cachedir /tmp/c
//	/usr/bin/time -v /tmp/openapi.test -test.run '^$' -test.bench StartCached -test.benchtime 1x -cachedir /tmp/c
func BenchmarkStartCached(b *testing.B) {
	if _, err := os.Stat(octokitSpec); err != nil {
		b.Skipf("%s is absent (npm packages of e2e/testdata not installed)", octokitSpec)
	}
	dir := *benchCacheDir
	if dir == "" {
		dir = b.TempDir()
	}
	opts := &openapi.LoadOptions{CacheDir: dir}
	src := openapi.Source{Path: octokitSpec}
	// Fills the cache unless it is already warm.
	if _, err := openapi.Load(b.Context(), src, opts); err != nil {
		b.Fatalf("Load: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		doc, err := openapi.Load(b.Context(), src, opts)
		if err != nil {
			b.Fatalf("Load: %v", err)
		}
		if tools, _ := mcpgen.Generate(doc, nil); len(tools) == 0 {
			b.Fatal("no tools")
		}
	}
}
