package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the module whose root [FindModuleRoot] looks for.
const ModulePath = "github.com/rest2mcp/rest2mcp"

// OctokitSpecPath is where the e2e test data installs GitHub's current
// description (the npm package @octokit/openapi), relative to the module
// root.
const OctokitSpecPath = "e2e/testdata/node_modules/@octokit/openapi/generated/api.github.com.json"

// PetstoreSpecPath is the example spec the call benchmark serves,
// relative to the module root.
const PetstoreSpecPath = "examples/petstore/openapi.yaml"

// ErrSpecMissing means a well-known spec is not installed.
var ErrSpecMissing = errors.New("spec not installed")

// FindModuleRoot returns the first directory at or above dir whose go.mod
// declares [ModulePath].
func FindModuleRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == ModulePath {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("find module root: no go.mod for %s at or above %s", ModulePath, dir)
		}
		d = parent
	}
}

// modulePath returns the module directive of a go.mod file.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// OctokitSpec returns the path of GitHub's description under root, or an
// error wrapping [ErrSpecMissing] that says how to install it.
func OctokitSpec(root string) (string, error) {
	p := filepath.Join(root, filepath.FromSlash(OctokitSpecPath))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %s is missing; install the e2e test data "+
			"(npm install --prefix %s) or pass --spec PATH", ErrSpecMissing, p,
			filepath.Join(root, "e2e", "testdata"))
	}
	return p, nil
}
