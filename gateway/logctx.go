package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/rest2mcp/rest2mcp/gateway/config"
)

// Request-scoped logging.
//
// The gateway puts the request id (the X-Request-Id header, else one it
// makes) in the request context as early as it can: serveRoot for the MCP
// endpoints (root.go), the requestID middleware after echo's RequestID
// for every other route; every logger the gateway hands out — operational,
// audit, the invoker's upstream lines, authbridge's — goes through
// [ContextHandler], which adds request_id (and trace_id/span_id when the
// request is traced) to each record logged with that context. Code
// therefore logs with the *Context methods and never adds the id itself.

type ctxRequestIDKey struct{}

// requestIDCtx carries the request id: one allocation per request (a
// context.WithValue of a string would box the string too). On the MCP
// endpoints it also carries the pinned snapshot (see [API.pin]), so that
// the request id costs no allocation beyond the one pinning had.
type requestIDCtx struct {
	context.Context
	id string
	// snap is the snapshot pinned for the request, set once by pin when
	// pinnable (only serveRoot's own context is: it is this request's
	// alone).
	snap     *Snapshot
	pinnable bool
}

// Value returns the requestIDCtx itself for ctxRequestIDKey (no boxing)
// and the pinned snapshot, if any, for snapshotKey.
func (c *requestIDCtx) Value(key any) any {
	switch key.(type) {
	case ctxRequestIDKey:
		return c
	case snapshotKey:
		if c.snap != nil {
			return c.snap
		}
	}
	return c.Context.Value(key)
}

// WithRequestID returns ctx carrying the request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return &requestIDCtx{Context: ctx, id: id}
}

// newRequestContext is WithRequestID for serveRoot: the context may take
// the request's snapshot in place (see [API.pin]).
func newRequestContext(ctx context.Context, id string) context.Context {
	return &requestIDCtx{Context: ctx, id: id, pinnable: true}
}

// RequestIDFrom returns the request id carried by ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	if c, ok := ctx.Value(ctxRequestIDKey{}).(*requestIDCtx); ok {
		return c.id
	}
	return ""
}

// ContextHandler is a [slog.Handler] that adds the request id and the
// trace context of the record's context to every record.
type ContextHandler struct {
	next slog.Handler
}

// NewContextHandler wraps next; wrapping a ContextHandler again returns
// it unchanged.
func NewContextHandler(next slog.Handler) slog.Handler {
	if h, ok := next.(*ContextHandler); ok {
		return h
	}
	return &ContextHandler{next: next}
}

// Enabled reports whether next handles records of level l.
func (h *ContextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle adds request_id, trace_id and span_id, when ctx has them, and
// passes the record on.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.next.Handle(ctx, r)
	}
	id := RequestIDFrom(ctx)
	sc := trace.SpanContextFromContext(ctx)
	if id == "" && !sc.IsValid() {
		return h.next.Handle(ctx, r)
	}
	r = r.Clone()
	if id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a ContextHandler over next.WithAttrs(as).
func (h *ContextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(as)}
}

// WithGroup returns a ContextHandler over next.WithGroup(name).
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name)}
}

// contextLogger returns l logging through a [ContextHandler].
func contextLogger(l *slog.Logger) *slog.Logger {
	if _, ok := l.Handler().(*ContextHandler); ok {
		return l
	}
	return slog.New(NewContextHandler(l.Handler()))
}

// requestID is the echo middleware that puts the request id set by echo's
// RequestID middleware (it must run before) in the request context.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
			req := c.Request()
			c.SetRequest(req.WithContext(WithRequestID(req.Context(), id)))
		}
		return next(c)
	}
}

// openAuditLog opens the audit sink of the configuration: JSON lines on
// stdout, stderr or appended to a file. close releases the file.
func openAuditLog(a *config.AuditLog) (l *slog.Logger, close func() error, err error) {
	var w io.Writer
	close = func() error { return nil }
	switch a.Output {
	case "stdout":
		w = os.Stdout
	case "stderr":
		w = os.Stderr
	default:
		f, err := os.OpenFile(a.Output, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("auditLog: %w", err)
		}
		w, close = f, f.Close
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(h).With("component", "audit"), close, nil
}

// auditSink returns the audit logger's sink: the audit logger given,
// else the configured audit log, else def (the operational log with
// component=audit). It never carries a [ContextHandler]: New queues the
// sink's records (auditlog.go) and puts the ContextHandler outside the
// queue, so the request id is read before a record is queued and added
// once. closeAudit releases a configured file.
func auditSink(cfg *config.Config, given, def *slog.Logger) (audit *slog.Logger, closeAudit func() error, err error) {
	closeAudit = func() error { return nil }
	switch {
	case given != nil:
		audit = given
	case cfg.AuditLog != nil:
		if audit, closeAudit, err = openAuditLog(cfg.AuditLog); err != nil {
			return nil, nil, err
		}
	default:
		audit = def
	}
	if h, ok := audit.Handler().(*ContextHandler); ok {
		audit = slog.New(h.next)
	}
	return audit, closeAudit, nil
}
