package config

import (
	"path/filepath"
	"strings"
)

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func isAbs(p string) bool { return filepath.IsAbs(p) }

func joinPath(dir, p string) string { return filepath.Join(dir, p) }

func dirOf(p string) string { return filepath.Dir(p) }
