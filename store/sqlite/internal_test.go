package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/internal/sqldb"
	"github.com/rest2mcp/rest2mcp/store/storetest"
)

// newDB opens path with the backend's dialect and options the public API
// does not offer.
func newDB(t *testing.T, path string, opts *sqldb.Options) (*sqldb.DB, *sql.DB) {
	t.Helper()
	s, err := Open(t.Context(), path, nil) // migrates
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	peek, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peek.Close() })
	db := sqldb.New(raw, dialect(), opts, nil)
	t.Cleanup(func() { db.Close() })
	return db, peek
}

func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeleteCollectsBlobs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	s, peek := newDB(t, path, nil)
	ctx := t.Context()
	a := storetest.NewAPI("a")
	if _, err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	b := storetest.NewAPI("b")
	b.Spec.Data = []byte("other spec")
	if _, err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	// a and b share the compiled blob; a's spec is its own.
	if n := count(t, peek, "blobs"); n != 3 {
		t.Fatalf("%d blobs, want 3", n)
	}
	if err := s.Delete(ctx, "a", 0); err != nil {
		t.Fatal(err)
	}
	if n := count(t, peek, "blobs"); n != 2 {
		t.Errorf("after Delete: %d blobs, want 2 (b's spec and the shared compiled form)", n)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.db")
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = Open(context.Background(), path, nil)
	if err == nil || !strings.Contains(err.Error(), "newer than this build knows") {
		t.Errorf("Open of a newer schema = %v", err)
	}
	if errors.Is(err, store.ErrNotFound) {
		t.Error("wrong sentinel")
	}
}
