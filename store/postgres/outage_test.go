package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/postgres"
	"github.com/rest2mcp/rest2mcp/store/postgres/pgtest"
	"github.com/rest2mcp/rest2mcp/store/storetest"
)

// TestOutage: while the database refuses connections, reads and writes
// fail with store.ErrUnavailable and write nothing; when it returns, a
// watcher on another connection pool catches up with a change made after
// the outage without being told twice.
func TestOutage(t *testing.T) {
	dsn := pgtest.Database(t) // a database of its own: the outage is per database
	ctx := t.Context()
	writer, err := postgres.Open(ctx, dsn, &postgres.Options{PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	follower, err := postgres.Open(ctx, dsn, &postgres.Options{PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer follower.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	changes, err := follower.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Create(ctx, storetest.NewAPI("before")); err != nil {
		t.Fatal(err)
	}
	want(t, changes, "before")

	// Connections ended by the server (the server stays up): the pooled
	// ones are dead, yet reads and writes succeed on fresh ones.
	if _, err := pgtest.Terminate(ctx, pgtest.DatabaseName(dsn)); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Get(ctx, "before"); err != nil {
		t.Fatalf("get after the connections were terminated: %v", err)
	}
	if _, err := writer.Update(ctx, "before", 0, func(a *store.API) error { a.Message = "edit"; return nil }); err != nil {
		t.Fatalf("update after the connections were terminated: %v", err)
	}
	want(t, changes, "before")

	restore, err := pgtest.Outage(ctx, pgtest.DatabaseName(dsn))
	if err != nil {
		t.Fatal(err)
	}
	restored := false
	defer func() {
		if !restored {
			_ = restore(context.Background())
		}
	}()
	// The pool may still hold connections the server ended: every call
	// must fail cleanly, none may hang or half-write.
	for i := range 3 {
		_, err := writer.Create(ctx, storetest.NewAPI("during"))
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("create #%d during the outage: %v, want ErrUnavailable", i, err)
		}
	}
	if _, err := writer.Get(ctx, "before"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("get during the outage: %v, want ErrUnavailable", err)
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	restored = true
	var created bool
	for deadline := time.Now().Add(10 * time.Second); !created; {
		_, err := writer.Create(ctx, storetest.NewAPI("after"))
		switch {
		case err == nil:
			created = true
		case errors.Is(err, store.ErrUnavailable) && time.Now().Before(deadline):
			time.Sleep(50 * time.Millisecond)
		default:
			t.Fatalf("create after the outage: %v", err)
		}
	}
	want(t, changes, "after")
	if _, err := writer.Get(ctx, "during"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused create left something: %v", err)
	}
}

// want waits for the change of name on changes.
func want(t *testing.T, changes <-chan store.Change, name string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case c, ok := <-changes:
			if !ok {
				t.Fatalf("feed closed before the change of %s", name)
			}
			if c.Name == name {
				return
			}
		case <-timeout:
			t.Fatalf("no change of %s within 10s", name)
		}
	}
}
