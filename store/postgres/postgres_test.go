package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/postgres"
	"github.com/rest2mcp/rest2mcp/store/postgres/pgtest"
	"github.com/rest2mcp/rest2mcp/store/storetest"
)

// The tests create their own database (see pgtest) and drop it at the
// end. Without a reachable server they skip, unless CI is set: then they
// fail.

var (
	testDB   string // URL of the database the tests created
	setupErr error
	schemas  atomic.Int64
)

func open(ctx context.Context, dsn string) (store.Store, error) {
	return postgres.Open(ctx, dsn, nil)
}

func TestMain(m *testing.M) {
	storetest.HelperMain(open)
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	name, drop, err := pgtest.CreateDatabase(ctx)
	if err != nil {
		setupErr = err
		return m.Run()
	}
	testDB = pgtest.WithDatabase(name, nil)
	code := m.Run()
	if err := drop(); err != nil {
		fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
		code = 1
	}
	return code
}

// need skips (or, under CI, fails) when there is no test database.
func need(t *testing.T) {
	t.Helper()
	if setupErr != nil {
		pgtest.Unreachable(t, setupErr)
	}
}

// newDSN creates a schema of its own for one test in the test database.
func newDSN(t *testing.T) string {
	t.Helper()
	schema := fmt.Sprintf("t%d", schemas.Add(1))
	c, err := pgx.Connect(t.Context(), testDB)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(testDB)
	return pgtest.WithDatabase(u.Path[1:], url.Values{"search_path": {schema}})
}

func TestConformance(t *testing.T) {
	need(t)
	storetest.Run(t, storetest.Harness{NewDSN: newDSN, Open: open})
}

// TestNotify shows that LISTEN/NOTIFY alone carries a change to another
// replica (the periodic check is an hour away), also after the listener's
// connection was killed.
func TestNotify(t *testing.T) {
	need(t)
	ctx := t.Context()
	dsn := newDSN(t)
	slow := &postgres.Options{PollInterval: time.Hour}
	s1, err := postgres.Open(ctx, dsn, slow)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := postgres.Open(ctx, dsn, slow)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ch, err := s2.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expect := func(name string) time.Duration {
		t.Helper()
		start := time.Now()
		select {
		case c := <-ch:
			if c.Name != name || c.Kind != store.ChangePut {
				t.Fatalf("change = %+v, want a put of %s", c, name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no notification of %s after 10s", name)
		}
		return time.Since(start)
	}
	time.Sleep(100 * time.Millisecond) // let the watcher go idle
	if _, err := s1.Create(ctx, storetest.NewAPI("one")); err != nil {
		t.Fatal(err)
	}
	t.Logf("notified after %v", expect("one"))

	// Kill every listener connection; the listener reconnects and
	// catches up.
	c, err := pgx.Connect(ctx, testDB)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var killed int
	if err := c.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE datname = current_database() AND query = 'LISTEN `+postgres.Channel+`' AND pid <> pg_backend_pid()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("found no listener connection to kill")
	}
	if _, err := s1.Create(ctx, storetest.NewAPI("two")); err != nil {
		t.Fatal(err)
	}
	t.Logf("after killing %d listener connections, notified after %v", killed, expect("two"))
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/x?connect_timeout=2", nil)
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	t.Log(err)
}
