package sqldb

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	_ "modernc.org/sqlite"

	"github.com/rest2mcp/rest2mcp/store"
)

func newSQLite(t *testing.T, opts *Options) *DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	d := Dialect{Name: "sqlite", Migrations: os.DirFS("../../sqlite/migrations"), IsUniqueViolation: func(error) bool { return false }}
	if err := Migrate(t.Context(), raw, d); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(t.Context(), raw, d); err != nil { // idempotent
		t.Fatal(err)
	}
	s := New(raw, d, opts, nil)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestQuestionMarksToDollars(t *testing.T) {
	s := &DB{d: Dialect{DollarPlaceholders: true}}
	if got, want := s.q(`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`), `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`; got != want {
		t.Errorf("q = %q, want %q", got, want)
	}
}

// TestFeedRetention: the feed keeps Retain changes; a cursor behind them
// reads a resync change first.
func TestFeedRetention(t *testing.T) {
	s := newSQLite(t, &Options{Retain: 2})
	ctx := t.Context()
	a := &store.API{Name: "a", Spec: store.Spec{Data: []byte("{}"), Source: store.Source{Kind: store.SourceUpload}}}
	if _, err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := s.Update(ctx, "a", 0, func(a *store.API) error { a.Message += "x"; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	put := func(seq, v int64) store.Change {
		return store.Change{Seq: seq, Kind: store.ChangePut, Name: "a", Version: v}
	}
	for _, tc := range []struct {
		cursor int64
		want   []store.Change
	}{
		{0, []store.Change{{Seq: 3, Kind: store.ChangeResync}, put(4, 4), put(5, 5)}},
		{2, []store.Change{{Seq: 3, Kind: store.ChangeResync}, put(4, 4), put(5, 5)}},
		{3, []store.Change{put(4, 4), put(5, 5)}},
		{4, []store.Change{put(5, 5)}},
		{5, nil},
	} {
		got, err := s.changesAfter(ctx, tc.cursor)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(store.Change{}, "At")); diff != "" {
			t.Errorf("changesAfter(%d) (-want +got):\n%s", tc.cursor, diff)
		}
		for _, c := range got {
			if (c.Kind == store.ChangeResync) != c.At.IsZero() {
				t.Errorf("changesAfter(%d): %s change %d committed at %v", tc.cursor, c.Kind, c.Seq, c.At)
			}
		}
	}
}
