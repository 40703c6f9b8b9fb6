// Package sqlite is the embedded registry store: one SQLite file, opened
// with the pure-Go driver modernc.org/sqlite (no cgo). Several processes
// may open the same file; each sees the others' changes on its feed within
// [Options.PollInterval].
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/internal/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune the store. Nil means the defaults.
type Options struct {
	// PollInterval is how often the change feed looks for commits by
	// other processes. Zero means 500ms.
	PollInterval time.Duration
	// Logger receives feed errors; nil discards them.
	Logger *slog.Logger
}

func dialect() sqldb.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqldb.Dialect{
		Name:       "sqlite",
		Migrations: sub,
		IsUniqueViolation: func(err error) bool {
			var e *sqlite.Error
			return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE)
		},
	}
}

// Open opens (creating it and its directory when missing) the SQLite
// database at path and applies the schema migrations.
func Open(ctx context.Context, path string, opts *Options) (store.Store, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite store: %w", err)
		}
	}
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	s, err := sqldb.Open(ctx, db, dialect(), &sqldb.Options{PollInterval: o.PollInterval, Logger: o.Logger}, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	return s, nil
}
