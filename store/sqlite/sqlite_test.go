package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/sqlite"
	"github.com/rest2mcp/rest2mcp/store/storetest"
)

func open(ctx context.Context, dsn string) (store.Store, error) { return sqlite.Open(ctx, dsn, nil) }

func TestMain(m *testing.M) {
	storetest.HelperMain(open)
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		NewDSN: func(t *testing.T) string { return filepath.Join(t.TempDir(), "sub", "registry.db") },
		Open:   open,
	})
}
