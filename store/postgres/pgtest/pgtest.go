// Package pgtest gives tests a PostgreSQL database of their own: it
// creates one on the server named by REST2MCP_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432, trust auth) and drops it when the
// test ends. Without a reachable server the test is skipped, unless CI is
// set: then it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerURL is the server the tests use.
func ServerURL() string {
	if u := os.Getenv("REST2MCP_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432"
}

// WithDatabase returns ServerURL with the database db and the query
// parameters params.
func WithDatabase(db string, params url.Values) string {
	u, err := url.Parse(ServerURL())
	if err != nil {
		return ServerURL()
	}
	u.Path = "/" + db
	q := u.Query()
	q.Set("connect_timeout", "5")
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Admin connects to a maintenance database of the server ("postgres",
// else "test").
func Admin(ctx context.Context) (*pgx.Conn, error) {
	var errs []error
	for _, db := range []string{"postgres", "test"} {
		c, err := pgx.Connect(ctx, WithDatabase(db, nil))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// Unreachable skips t (or fails it under CI) with err, the reason the
// server cannot be used.
func Unreachable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("PostgreSQL at %s: %v (CI is set, so this is an error; start PostgreSQL or set REST2MCP_TEST_POSTGRES)", ServerURL(), err)
	}
	t.Skipf("skipping: PostgreSQL at %s is unreachable: %v (start PostgreSQL or set REST2MCP_TEST_POSTGRES; under CI this fails)", ServerURL(), err)
}

// CreateDatabase creates a database with a random name and returns the
// name and a function that drops it.
func CreateDatabase(ctx context.Context) (name string, drop func() error, err error) {
	admin, err := Admin(ctx)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name = "rest2mcp_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, err
	}
	return name, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		defer admin.Close(ctx)
		_, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
		return err
	}, nil
}

// Database returns the URL of a new database for t, dropped when t ends.
func Database(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	name, drop, err := CreateDatabase(ctx)
	if err != nil {
		Unreachable(t, err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return WithDatabase(name, nil)
}
