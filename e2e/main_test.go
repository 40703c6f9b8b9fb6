package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// gatewayBinary is the rest2mcp binary TestMain builds once for the whole
// package; it is empty under -short, where every test skips.
var gatewayBinary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	os.Exit(buildAndRun(m))
}

// buildAndRun builds the gateway into a temporary directory, runs the
// tests and removes the directory.
func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rest2mcp-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: temp dir: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: repository root: %v\n", err)
		return 1
	}
	bin := filepath.Join(dir, "rest2mcp")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/rest2mcp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/rest2mcp: %v\n%s", err, out)
		return 1
	}
	gatewayBinary = bin
	return m.Run()
}

// skipShort skips heavy end-to-end tests under -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test; skipped under -short")
	}
}
