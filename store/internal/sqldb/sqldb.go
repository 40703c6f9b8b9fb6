// Package sqldb implements store.Store over database/sql for the SQL
// backends (store/sqlite, store/postgres), which differ only in their
// [Dialect]: schema migrations, placeholders, the write lock and how other
// processes learn of a commit.
//
// Writes are serialised by a store-wide write lock held for the short
// transaction that checks the expected version and appends the new one, so
// the change feed's sequence numbers are gap-free and in commit order.
package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rest2mcp/rest2mcp/store"
)

// Dialect is what differs between SQL backends.
type Dialect struct {
	// Name names the backend in errors ("sqlite", "postgres").
	Name string
	// DollarPlaceholders rewrites the queries' "?" to "$1", "$2", ….
	DollarPlaceholders bool
	// Migrations holds the schema steps, NNNN_name.sql, applied in order.
	Migrations fs.FS
	// LockSQL, when set, runs first in every write transaction and in the
	// migration transaction to serialise writers across processes (SQLite
	// needs none: its transactions begin IMMEDIATE).
	LockSQL string
	// NotifySQL, when set, runs in every write transaction to tell other
	// processes that it committed (PostgreSQL NOTIFY).
	NotifySQL string
	// IsUniqueViolation reports a primary-key or unique violation.
	IsUniqueViolation func(error) bool
	// IsUnavailable, when set, reports an error that means the database
	// cannot be reached (a refused or lost connection); such errors wrap
	// store.ErrUnavailable.
	IsUnavailable func(error) bool
	// IsStaleConn, when set, reports an error of a pooled connection that
	// the server had already ended (a restart, pg_terminate_backend): the
	// statement never ran, so reads and uncommitted transactions are
	// retried on another connection, a few times.
	IsStaleConn func(error) bool
}

// staleTries bounds the attempts of a statement whose pooled connection
// turned out to be dead (database/sql keeps up to two idle connections,
// so three attempts reach a fresh one).
const staleTries = 3

// retryStale runs fn again while it fails on a dead pooled connection.
func retryStale[T any](s *DB, fn func() (T, error)) (T, error) {
	for try := 1; ; try++ {
		v, err := fn()
		if err == nil || try >= staleTries || s.d.IsStaleConn == nil || !s.d.IsStaleConn(err) {
			return v, err
		}
	}
}

// Options tune a [DB].
type Options struct {
	// PollInterval is how often watchers check the database for changes
	// committed by other processes that they were not told about. Zero
	// means 1s.
	PollInterval time.Duration
	// Retain is how many changes the feed keeps for watchers that fall
	// behind. Zero means 10000.
	Retain int64
	// Logger receives feed errors; nil discards them.
	Logger *slog.Logger
}

// DB is a store.Store over a *sql.DB.
type DB struct {
	db      *sql.DB
	d       Dialect
	opts    Options
	log     *slog.Logger
	closeFn func() error

	mu      sync.Mutex
	wake    chan struct{} // closed and replaced on every known commit
	closed  chan struct{}
	polling bool
	wg      sync.WaitGroup
}

var _ store.Store = (*DB)(nil)

// New returns a store over db, which must already be migrated (see
// [Migrate]). closeFn, if not nil, runs on Close after db is closed.
func New(db *sql.DB, d Dialect, opts *Options, closeFn func() error) *DB {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Retain <= 0 {
		o.Retain = 10000
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DB{db: db, d: d, opts: o, log: log, closeFn: closeFn, wake: make(chan struct{}), closed: make(chan struct{})}
}

// Open applies the dialect's migrations to db (see [Migrate]) and returns
// a store over it (see [New]). When the migrations fail it closes db, runs
// closeFn if not nil, and returns the migration error.
func Open(ctx context.Context, db *sql.DB, d Dialect, opts *Options, closeFn func() error) (*DB, error) {
	if err := Migrate(ctx, db, d); err != nil {
		db.Close()
		if closeFn != nil {
			_ = closeFn()
		}
		return nil, err
	}
	return New(db, d, opts, closeFn), nil
}

// q rewrites placeholders for the dialect.
func (s *DB) q(query string) string {
	if !s.d.DollarPlaceholders {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *DB) errf(err error, format string, args ...any) error {
	if s.d.IsUnavailable != nil && s.d.IsUnavailable(err) && !errors.Is(err, store.ErrUnavailable) {
		return fmt.Errorf("%s store: %s: %w: %w", s.d.Name, fmt.Sprintf(format, args...), store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s store: %s: %w", s.d.Name, fmt.Sprintf(format, args...), err)
}

// Close closes the database; watchers end.
func (s *DB) Close() error {
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		return nil
	default:
	}
	close(s.closed)
	s.mu.Unlock()
	s.wg.Wait()
	err := s.db.Close()
	if s.closeFn != nil {
		err = errors.Join(err, s.closeFn())
	}
	return err
}

const versionCols = `v.name, v.version, v.created_at_us, v.message, v.spec_digest, v.source_kind, v.source_location, v.tools`

type scanner interface{ Scan(...any) error }

func scanInfo(r scanner) (store.VersionInfo, error) {
	var vi store.VersionInfo
	var us int64
	var kind string
	err := r.Scan(&vi.Name, &vi.Version, &us, &vi.Message, &vi.SpecDigest, &kind, &vi.Source.Location, &vi.Tools)
	vi.CreatedAt = time.UnixMicro(us).UTC()
	vi.Source.Kind = store.SourceKind(kind)
	return vi, err
}

// List returns the latest version of every API, sorted by name.
func (s *DB) List(ctx context.Context) ([]store.VersionInfo, error) {
	return retryStale(s, func() ([]store.VersionInfo, error) { return s.list(ctx) })
}

func (s *DB) list(ctx context.Context) ([]store.VersionInfo, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+versionCols+` FROM apis a JOIN api_versions v ON v.name = a.name AND v.version = a.version ORDER BY a.name`))
	if err != nil {
		return nil, s.errf(err, "list APIs")
	}
	defer rows.Close()
	var out []store.VersionInfo
	for rows.Next() {
		vi, err := scanInfo(rows)
		if err != nil {
			return nil, s.errf(err, "list APIs")
		}
		out = append(out, vi)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "list APIs")
	}
	return out, nil
}

// Versions lists the versions of the API, oldest first.
func (s *DB) Versions(ctx context.Context, name string) ([]store.VersionInfo, error) {
	return retryStale(s, func() ([]store.VersionInfo, error) { return s.versions(ctx, name) })
}

func (s *DB) versions(ctx context.Context, name string) ([]store.VersionInfo, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+versionCols+` FROM api_versions v WHERE v.name = ? ORDER BY v.version`), name)
	if err != nil {
		return nil, s.errf(err, "versions of API %q", name)
	}
	defer rows.Close()
	var out []store.VersionInfo
	for rows.Next() {
		vi, err := scanInfo(rows)
		if err != nil {
			return nil, s.errf(err, "versions of API %q", name)
		}
		out = append(out, vi)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "versions of API %q", name)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("API %q: %w", name, store.ErrNotFound)
	}
	return out, nil
}

const getSQL = `SELECT v.version, v.created_at_us, v.message, v.spec_digest, v.source_kind, v.source_location,
 v.settings, v.policy, v.operations, v.upstream_auth, v.tool_names, sb.data, cb.data
 FROM api_versions v
 JOIN blobs sb ON sb.digest = v.spec_digest
 LEFT JOIN blobs cb ON cb.digest = v.compiled_digest
 WHERE v.name = ? AND v.version = `

// Get returns the latest version of the API.
func (s *DB) Get(ctx context.Context, name string) (*store.API, error) {
	return s.get(ctx, name, 0)
}

// GetVersion returns one version of the API.
func (s *DB) GetVersion(ctx context.Context, name string, version int64) (*store.API, error) {
	if version <= 0 {
		return nil, fmt.Errorf("API %q version %d: %w", name, version, store.ErrNotFound)
	}
	return s.get(ctx, name, version)
}

func (s *DB) get(ctx context.Context, name string, version int64) (*store.API, error) {
	return retryStale(s, func() (*store.API, error) { return s.getOnce(ctx, name, version) })
}

func (s *DB) getOnce(ctx context.Context, name string, version int64) (*store.API, error) {
	query, args := getSQL+`?`, []any{name, version}
	if version == 0 {
		query, args = getSQL+`(SELECT a.version FROM apis a WHERE a.name = ?)`, []any{name, name}
	}
	a := &store.API{Name: name}
	var us int64
	var kind, settings, ops, auth, names string
	var policy []byte
	err := s.db.QueryRowContext(ctx, s.q(query), args...).Scan(&a.Version, &us, &a.Message, &a.Spec.Digest, &kind,
		&a.Spec.Source.Location, &settings, &policy, &ops, &auth, &names, &a.Spec.Data, &a.Compiled)
	if errors.Is(err, sql.ErrNoRows) {
		if version == 0 {
			return nil, fmt.Errorf("API %q: %w", name, store.ErrNotFound)
		}
		return nil, fmt.Errorf("API %q version %d: %w", name, version, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.errf(err, "get API %q", name)
	}
	a.CreatedAt = time.UnixMicro(us).UTC()
	a.Spec.Source.Kind = store.SourceKind(kind)
	if len(policy) > 0 {
		a.Policy = policy
	}
	if err := unmarshal(settings, &a.Settings); err != nil {
		return nil, s.errf(err, "API %q version %d: settings", name, a.Version)
	}
	if err := unmarshal(ops, &a.Operations); err != nil {
		return nil, s.errf(err, "API %q version %d: operations", name, a.Version)
	}
	if err := unmarshal(names, &a.ToolNames); err != nil {
		return nil, s.errf(err, "API %q version %d: tool names", name, a.Version)
	}
	if auth != "" {
		a.UpstreamAuth = json.RawMessage(auth)
	}
	return a, nil
}

func unmarshal(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// Create stores a as version 1 of a new API.
func (s *DB) Create(ctx context.Context, a *store.API) (*store.API, error) {
	a = a.Clone()
	a.Version = 1
	if err := s.prepare(a); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM apis WHERE name = ?`), a.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("create API %q: %w", a.Name, store.ErrAlreadyExists)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO apis (name, version) VALUES (?, 1)`), a.Name); err != nil {
			if s.d.IsUniqueViolation(err) {
				return fmt.Errorf("create API %q: %w", a.Name, store.ErrAlreadyExists)
			}
			return err
		}
		return s.insertVersion(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// maxUpdateTries bounds how often Update re-reads after a concurrent change
// when no version is expected.
const maxUpdateTries = 16

// Update writes a new version of the API.
func (s *DB) Update(ctx context.Context, name string, ifVersion int64, fn func(*store.API) error) (*store.API, error) {
	for try := 0; ; try++ {
		head, err := s.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		if ifVersion > 0 && head.Version != ifVersion {
			return nil, fmt.Errorf("update API %q: based on version %d, latest is %d: %w", name, ifVersion, head.Version, store.ErrConflict)
		}
		a := head.Clone()
		if err := fn(a); err != nil {
			return nil, err
		}
		a.Name, a.Version = name, head.Version+1
		if err := s.prepare(a); err != nil {
			return nil, err
		}
		err = s.write(ctx, func(tx *sql.Tx) error {
			cur, err := s.headVersion(ctx, tx, name)
			if err != nil {
				return err
			}
			if cur != head.Version {
				return fmt.Errorf("update API %q: based on version %d, latest is %d: %w", name, head.Version, cur, store.ErrConflict)
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE apis SET version = ? WHERE name = ?`), a.Version, name); err != nil {
				return err
			}
			return s.insertVersion(ctx, tx, a)
		})
		switch {
		case err == nil:
			return a, nil
		case errors.Is(err, store.ErrConflict) && ifVersion == 0 && try < maxUpdateTries:
			continue
		default:
			return nil, err
		}
	}
}

// Delete removes the API with all its versions.
func (s *DB) Delete(ctx context.Context, name string, ifVersion int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		cur, err := s.headVersion(ctx, tx, name)
		if err != nil {
			return err
		}
		if ifVersion > 0 && cur != ifVersion {
			return fmt.Errorf("delete API %q: based on version %d, latest is %d: %w", name, ifVersion, cur, store.ErrConflict)
		}
		for _, stmt := range []string{
			`DELETE FROM apis WHERE name = ?`,
			`DELETE FROM api_versions WHERE name = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.q(stmt), name); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM api_versions v WHERE v.spec_digest = blobs.digest)
 AND NOT EXISTS (SELECT 1 FROM api_versions v WHERE v.compiled_digest = blobs.digest)`); err != nil {
			return err
		}
		return s.appendChange(ctx, tx, store.ChangeDelete, name, 0)
	})
}

func (s *DB) headVersion(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT version FROM apis WHERE name = ?`), name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("API %q: %w", name, store.ErrNotFound)
	}
	return v, err
}

// prepare checks a and fills what the store sets.
func (s *DB) prepare(a *store.API) error {
	if err := a.Check(); err != nil {
		return err
	}
	a.Spec.Digest = store.Digest(a.Spec.Data)
	a.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	slices.SortFunc(a.ToolNames, func(x, y store.ToolName) int { return cmp.Compare(x.Key, y.Key) })
	if len(a.Operations) == 0 {
		a.Operations = nil
	}
	return nil
}

func (s *DB) insertVersion(ctx context.Context, tx *sql.Tx, a *store.API) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return err
	}
	ops, err := marshalOrEmpty(a.Operations, len(a.Operations) == 0)
	if err != nil {
		return err
	}
	names, err := marshalOrEmpty(a.ToolNames, len(a.ToolNames) == 0)
	if err != nil {
		return err
	}
	if err := s.putBlob(ctx, tx, a.Spec.Digest, a.Spec.Data); err != nil {
		return err
	}
	compiled := ""
	if len(a.Compiled) > 0 {
		compiled = store.Digest(a.Compiled)
		if err := s.putBlob(ctx, tx, compiled, a.Compiled); err != nil {
			return err
		}
	}
	policy := a.Policy
	if len(policy) == 0 {
		policy = nil
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO api_versions (name, version, created_at_us, message, spec_digest, source_kind,
 source_location, settings, policy, operations, upstream_auth, tool_names, tools, compiled_digest)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.Name, a.Version, a.CreatedAt.UnixMicro(), a.Message, a.Spec.Digest, string(a.Spec.Source.Kind),
		a.Spec.Source.Location, string(settings), policy, ops, string(a.UpstreamAuth), names, len(a.ToolNames), compiled)
	if err != nil {
		return err
	}
	return s.appendChange(ctx, tx, store.ChangePut, a.Name, a.Version)
}

func marshalOrEmpty(v any, empty bool) (string, error) {
	if empty {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func (s *DB) putBlob(ctx context.Context, tx *sql.Tx, digest string, data []byte) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO blobs (digest, data) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING`), digest, data)
	return err
}

// appendChange adds the change to the feed, gap-free (writers hold the
// write lock), and prunes what is beyond retention.
func (s *DB) appendChange(ctx context.Context, tx *sql.Tx, kind store.ChangeKind, name string, version int64) error {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM changes`).Scan(&last); err != nil {
		return err
	}
	at := time.Now().UnixMicro()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO changes (seq, kind, name, version, at_us) VALUES (?, ?, ?, ?, ?)`), last+1, string(kind), name, version, at); err != nil {
		return err
	}
	if last+1 > s.opts.Retain {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM changes WHERE seq <= ?`), last+1-s.opts.Retain); err != nil {
			return err
		}
	}
	if s.d.NotifySQL != "" {
		if _, err := tx.ExecContext(ctx, s.d.NotifySQL); err != nil {
			return err
		}
	}
	return nil
}

// write runs fn in a write transaction holding the write lock, and wakes
// local watchers after a commit.
func (s *DB) write(ctx context.Context, fn func(*sql.Tx) error) error {
	for try := 1; ; try++ {
		committing, err := s.writeOnce(ctx, fn)
		if err == nil || committing || try >= staleTries || s.d.IsStaleConn == nil || !s.d.IsStaleConn(err) {
			return err
		}
	}
}

// writeOnce is one attempt of write; committing reports a failed commit,
// whose outcome is unknown (never retried).
func (s *DB) writeOnce(ctx context.Context, fn func(*sql.Tx) error) (committing bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, s.errf(err, "begin")
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if s.d.LockSQL != "" {
		if _, err := tx.ExecContext(ctx, s.d.LockSQL); err != nil {
			return false, s.errf(err, "lock")
		}
	}
	if err := fn(tx); err != nil {
		if isStoreErr(err) {
			return false, err
		}
		return false, s.errf(err, "write")
	}
	if err := tx.Commit(); err != nil {
		return true, s.errf(err, "commit")
	}
	s.Wake()
	return false, nil
}

func isStoreErr(err error) bool {
	for _, e := range []error{store.ErrNotFound, store.ErrAlreadyExists, store.ErrConflict, store.ErrInvalid, store.ErrReadOnly} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Wake tells the watchers to look for new changes (after a local commit,
// or when another process said it committed).
func (s *DB) Wake() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *DB) waiter() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// lastSeq returns the feed's latest sequence number.
func (s *DB) lastSeq(ctx context.Context) (int64, error) {
	var last int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM changes`).Scan(&last)
	return last, err
}

// Watch returns the changes committed after the call.
func (s *DB) Watch(ctx context.Context) (<-chan store.Change, error) {
	cursor, err := s.lastSeq(ctx)
	if err != nil {
		return nil, s.errf(err, "watch")
	}
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		return nil, fmt.Errorf("%s store: watch: closed", s.d.Name)
	default:
	}
	s.wg.Add(1)
	if !s.polling {
		s.polling = true
		s.wg.Add(1)
		go s.poll()
	}
	s.mu.Unlock()
	ch := make(chan store.Change)
	go s.watch(ctx, cursor, ch)
	return ch, nil
}

// poll wakes the watchers when the feed moved without a wake-up, which is
// how changes by other processes are seen when they cannot notify (SQLite)
// or their notification was lost (a dropped PostgreSQL listener).
func (s *DB) poll() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.closed
		cancel()
	}()
	var seen int64 = -1
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		last, err := s.lastSeq(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("store feed poll", "err", err)
			}
			continue
		}
		if last != seen { // the first check wakes too: it may be the first news
			seen = last
			s.Wake()
		}
	}
}

func (s *DB) watch(ctx context.Context, cursor int64, ch chan<- store.Change) {
	defer s.wg.Done()
	defer close(ch)
	for {
		wake := s.waiter()
		changes, err := s.changesAfter(ctx, cursor)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("store feed read", "err", err)
		}
		// After a failed read, try again at the poll interval even without
		// news: the wake-up that announced the missed changes is spent.
		var retry <-chan time.Time
		if err != nil {
			retry = time.After(s.opts.PollInterval)
		}
		for _, c := range changes {
			select {
			case ch <- c:
			case <-ctx.Done():
				return
			case <-s.closed:
				return
			}
			if c.Kind != store.ChangeResync {
				cursor = c.Seq
			}
		}
		select {
		case <-wake:
		case <-retry:
		case <-ctx.Done():
			return
		case <-s.closed:
			return
		}
	}
}

// changesAfter reads the feed after cursor. A gap (the feed was pruned
// past cursor) is reported as a resync change first.
func (s *DB) changesAfter(ctx context.Context, cursor int64) ([]store.Change, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, kind, name, version, at_us FROM changes WHERE seq > ? ORDER BY seq`), cursor)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var c store.Change
		var kind string
		var at int64
		if err := rows.Scan(&c.Seq, &kind, &c.Name, &c.Version, &at); err != nil {
			return nil, err
		}
		c.Kind = store.ChangeKind(kind)
		if at > 0 {
			c.At = time.UnixMicro(at).UTC()
		}
		if len(out) == 0 && c.Seq != cursor+1 {
			out = append(out, store.Change{Seq: c.Seq - 1, Kind: store.ChangeResync})
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Migrate applies the dialect's migrations that db has not seen, in one
// transaction, holding the write lock.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	names, err := fs.Glob(d.Migrations, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s store: migrate: %w", d.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if d.LockSQL != "" {
		if _, err := tx.ExecContext(ctx, d.LockSQL); err != nil {
			return fmt.Errorf("%s store: migrate: lock: %w", d.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("%s store: migrate: %w", d.Name, err)
	}
	var applied int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("%s store: migrate: %w", d.Name, err)
	}
	if applied > len(names) {
		return fmt.Errorf("%s store: the database has schema version %d, newer than this build knows (%d): upgrade rest2mcp", d.Name, applied, len(names))
	}
	for i, name := range names {
		v := i + 1
		if !strings.HasPrefix(name, fmt.Sprintf("%04d_", v)) {
			return fmt.Errorf("%s store: migration %s: want the prefix %04d_", d.Name, name, v)
		}
		if v <= applied {
			continue
		}
		b, err := fs.ReadFile(d.Migrations, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("%s store: migration %s: %w", d.Name, name, err)
		}
		q := `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`
		if d.DollarPlaceholders {
			q = `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`
		}
		if _, err := tx.ExecContext(ctx, q, v, name); err != nil {
			return fmt.Errorf("%s store: migration %s: %w", d.Name, name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s store: migrate: %w", d.Name, err)
	}
	return nil
}
