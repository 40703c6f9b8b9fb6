package bench

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFindModuleRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nested := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "a", "go.mod")
	if err := os.WriteFile(other, []byte("module example.com/other\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := FindModuleRoot(nested); err == nil {
		t.Error("FindModuleRoot found a root without our go.mod")
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("// c\nmodule "+ModulePath+"\n\ngo 1.26\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := FindModuleRoot(nested)
	if err != nil || got != dir {
		t.Errorf("FindModuleRoot = %q, %v; want %q (skipping the other module's go.mod)", got, err, dir)
	}
}

func TestOctokitSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := OctokitSpec(dir); !errors.Is(err, ErrSpecMissing) {
		t.Fatalf("OctokitSpec(empty dir) error = %v, want ErrSpecMissing", err)
	}
	p := filepath.Join(dir, filepath.FromSlash(OctokitSpecPath))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := OctokitSpec(dir); err != nil || got != p {
		t.Errorf("OctokitSpec = %q, %v; want %q", got, err, p)
	}
}
