// Package postgres is the registry store for several replicas: PostgreSQL
// through pgx. Every write transaction sends NOTIFY on [Channel]; each
// process LISTENs on one dedicated connection and wakes its watchers, so a
// change reaches every replica within a second. A periodic check of the
// feed's position is the safety net for notifications lost while a
// listener reconnects.
package postgres

import (
	"context"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/internal/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Channel is the NOTIFY channel of the store's change feed.
const Channel = "rest2mcp_store"

// DefaultConnectTimeout bounds a connection attempt when the DSN does not
// set connect_timeout.
const DefaultConnectTimeout = 5 * time.Second

// lockKey is the advisory lock that serialises writers (and migrations).
const lockKey = 0x72326d6373746f72 // "r2mcstor"

// Options tune the store. Nil means the defaults.
type Options struct {
	// PollInterval is how often the feed's position is checked in case a
	// notification was lost. Zero means 1s.
	PollInterval time.Duration
	// Logger receives feed and listener errors; nil discards them.
	Logger *slog.Logger
}

func dialect() sqldb.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqldb.Dialect{
		Name:               "postgres",
		DollarPlaceholders: true,
		Migrations:         sub,
		LockSQL:            fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(lockKey)),
		NotifySQL:          "NOTIFY " + Channel,
		IsUniqueViolation: func(err error) bool {
			var e *pgconn.PgError
			return errors.As(err, &e) && e.Code == "23505"
		},
		IsUnavailable: isUnavailable,
		IsStaleConn:   isStaleConn,
	}
}

// isStaleConn reports the error of a pooled connection the server had
// ended (pg_terminate_backend, a restart): unavailable, but not a failed
// connect, so another connection may well work.
func isStaleConn(err error) bool {
	var ce *pgconn.ConnectError
	return isUnavailable(err) && !errors.As(err, &ce) && !pgconn.Timeout(err)
}

// isUnavailable reports an error that means PostgreSQL cannot be reached:
// a failed connect, a lost or closed connection, a timeout, or the server
// ending the session (class 08 connection exceptions, 57P01–57P03 admin or
// crash shutdown, cannot connect now).
func isUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	// pgx reports a connection it closed after an error as "conn closed".
	return strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "closed pool")
}

// Open connects to the PostgreSQL database named by dsn (a postgres:// URL
// or key=value string, as pgx accepts; runtime parameters such as
// search_path pass through), applies the schema migrations and starts the
// listener.
func Open(ctx context.Context, dsn string, opts *Options) (store.Store, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without connect_timeout in the DSN a database host that drops
		// packets would hold admin requests (and the listener) for the
		// kernel's TCP timeout; answer 503 after a bounded wait instead.
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: connect to %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	s, err := sqldb.Open(ctx, stdlib.OpenDBFromPool(pool), dialect(), &sqldb.Options{PollInterval: o.PollInterval, Logger: log}, func() error {
		cancel()
		wg.Wait()
		pool.Close()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	l := &listener{cfg: cfg.ConnConfig.Copy(), wake: s.Wake, log: log.With("component", "store-listener")}
	ready := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.run(lctx, ready)
	}()
	select {
	case err := <-ready:
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("postgres store: listen: %w", err)
		}
	case <-ctx.Done():
		s.Close()
		return nil, ctx.Err()
	}
	return s, nil
}

// listener holds the LISTEN connection, reconnecting when it drops.
type listener struct {
	cfg  *pgx.ConnConfig
	wake func()
	log  *slog.Logger
}

func (l *listener) run(ctx context.Context, ready chan<- error) {
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := l.listen(ctx, func() {
			if first {
				first = false
				ready <- nil
			} else {
				l.wake() // whatever was missed while reconnecting
			}
			backoff = 100 * time.Millisecond
		})
		if ctx.Err() != nil {
			return
		}
		if first {
			ready <- err
			return
		}
		l.log.Warn("store listener lost its connection; reconnecting", "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (l *listener) listen(ctx context.Context, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	listening()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		l.wake()
	}
}
