package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DatabaseName returns the database a URL made by [WithDatabase] names.
func DatabaseName(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

// Terminate ends every other connection to the database db (the server
// stays up, other databases are untouched) and returns how many it ended.
func Terminate(ctx context.Context, db string) (int, error) {
	admin, err := Admin(ctx)
	if err != nil {
		return 0, err
	}
	defer admin.Close(context.Background())
	return terminate(ctx, admin, db)
}

func terminate(ctx context.Context, admin *pgx.Conn, db string) (int, error) {
	var n int
	err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, db).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("terminate connections to %s: %w", db, err)
	}
	return n, nil
}

// Outage makes the database db unreachable for its clients without
// touching the server or other databases: new connections are refused
// (ALLOW_CONNECTIONS false) and existing ones terminated. restore allows
// connections again.
func Outage(ctx context.Context, db string) (restore func(context.Context) error, err error) {
	admin, err := Admin(ctx)
	if err != nil {
		return nil, err
	}
	allow := func(ctx context.Context, on bool) error {
		_, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s WITH ALLOW_CONNECTIONS %t", pgx.Identifier{db}.Sanitize(), on))
		return err
	}
	if err := allow(ctx, false); err != nil {
		admin.Close(context.Background())
		return nil, fmt.Errorf("refuse connections to %s: %w", db, err)
	}
	if _, err := terminate(ctx, admin, db); err != nil {
		_ = allow(ctx, true)
		admin.Close(context.Background())
		return nil, err
	}
	return func(ctx context.Context) error {
		defer admin.Close(context.Background())
		if err := allow(ctx, true); err != nil {
			return fmt.Errorf("allow connections to %s: %w", db, err)
		}
		return nil
	}, nil
}
