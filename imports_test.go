package rest2mcp_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/rest2mcp/rest2mcp/"

// forbidden lists, per package directory, the imports that would break the
// dependency direction of docs/architecture: domain packages never import
// each other sideways or the gateway; third-party types stay where they
// belong.
var forbidden = map[string][]string{
	"openapi":    {module + "mcpgen", module + "authbridge", module + "policies", module + "gateway", "github.com/mark3labs/mcp-go", "github.com/labstack/echo"},
	"mcpgen":     {module + "authbridge", module + "policies", module + "gateway", "github.com/getkin/kin-openapi", "github.com/labstack/echo"},
	"authbridge": {module + "openapi", module + "mcpgen", module + "policies", module + "gateway", "github.com/getkin/kin-openapi", "github.com/mark3labs/mcp-go", "github.com/labstack/echo"},
	"policies":   {module + "mcpgen", module + "authbridge", module + "gateway", "github.com/getkin/kin-openapi", "github.com/mark3labs/mcp-go", "github.com/labstack/echo"},
	"gateway":    {"github.com/getkin/kin-openapi"},
	// The development authorization server of `rest2mcp dev` knows
	// nothing of the gateway: cmd hands it the resources and scopes.
	"internal/devauth": {module + "gateway", module + "openapi", module + "mcpgen", module + "authbridge", module + "policies",
		"github.com/mark3labs/mcp-go", "github.com/getkin/kin-openapi", "github.com/labstack/echo"},
	// store holds records only: stdlib and its database drivers.
	// web depends on the registry service through its own interface.
	"web":   {module + "gateway", module + "mcpgen", module + "authbridge", module + "policies", module + "openapi", "github.com/getkin/kin-openapi", "github.com/mark3labs/mcp-go"},
	"store": {module + "openapi", module + "mcpgen", module + "authbridge", module + "policies", module + "gateway", module + "web", "github.com/getkin/kin-openapi", "github.com/mark3labs/mcp-go", "github.com/labstack/echo"},
}

func TestImportDirection(t *testing.T) {
	for dir, banned := range forbidden {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				for _, b := range banned {
					if p == b || strings.HasPrefix(p, b+"/") {
						t.Errorf("%s imports %s, which breaks the package dependency rules", path, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRegistryImportDirection: the domain packages never import the
// registry's packages (store, web); only gateway connects them.
func TestRegistryImportDirection(t *testing.T) {
	for _, dir := range []string{"openapi", "mcpgen", "authbridge", "policies"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				for _, b := range []string{module + "store", module + "web"} {
					if p == b || strings.HasPrefix(p, b+"/") {
						t.Errorf("%s imports %s, which breaks the package dependency rules", path, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
