package config

import (
	"path/filepath"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func isURL(s string) bool { return openapi.IsURL(s) }

func isAbs(p string) bool { return filepath.IsAbs(p) }

func joinPath(dir, p string) string { return filepath.Join(dir, p) }

func dirOf(p string) string { return filepath.Dir(p) }
