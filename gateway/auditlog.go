package gateway

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Audit lines off the hot path.
//
// Every authorization decision writes an audit record; encoding and
// writing it synchronously put a syscall on every protected call. The
// audit logger's handler is therefore wrapped in asyncHandler: records go
// into a bounded queue that one goroutine writes out. The queue never
// blocks a request: when it is full the record is dropped and counted,
// and the writer reports the count in an audit record of its own as soon
// as it can.

// auditQueueSize bounds the audit records waiting to be written.
const auditQueueSize = 8192

type auditItem struct {
	h   slog.Handler
	ctx context.Context
	rec slog.Record
}

// auditQueue is shared by an asyncHandler and its derivations.
type auditQueue struct {
	ch      chan auditItem
	dropped atomic.Int64
	// pending counts the records queued and not yet written (flush).
	pending atomic.Int64
	// reported is the drop count last reported (writer goroutine only).
	reported int64
	base     slog.Handler
}

// asyncHandler is a slog.Handler that hands records to a writer goroutine.
type asyncHandler struct {
	inner slog.Handler
	q     *auditQueue
}

// newAsyncHandler starts the writer of inner's records and returns the
// handler feeding it.
func newAsyncHandler(inner slog.Handler, size int) *asyncHandler {
	q := &auditQueue{ch: make(chan auditItem, size), base: inner}
	go q.run()
	return &asyncHandler{inner: inner, q: q}
}

func (q *auditQueue) run() {
	for it := range q.ch {
		_ = it.h.Handle(it.ctx, it.rec)
		q.pending.Add(-1)
		if d := q.dropped.Load(); d != q.reported && len(q.ch) == 0 {
			r := slog.NewRecord(time.Now(), slog.LevelWarn, "audit lines dropped: the audit log could not keep up", 0)
			r.AddAttrs(slog.Int64("dropped_total", d))
			_ = q.base.Handle(context.Background(), r)
			q.reported = d
		}
	}
}

// Enabled implements slog.Handler.
func (h *asyncHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle queues the record, or drops and counts it when the queue is
// full. The context keeps its values (request id) but not its
// cancellation: the request may be over when the record is written.
func (h *asyncHandler) Handle(ctx context.Context, r slog.Record) error {
	h.q.pending.Add(1)
	select {
	case h.q.ch <- auditItem{h: h.inner, ctx: context.WithoutCancel(ctx), rec: r.Clone()}:
	default:
		h.q.pending.Add(-1)
		h.q.dropped.Add(1)
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (h *asyncHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &asyncHandler{inner: h.inner.WithAttrs(attrs), q: h.q}
}

// WithGroup implements slog.Handler.
func (h *asyncHandler) WithGroup(name string) slog.Handler {
	return &asyncHandler{inner: h.inner.WithGroup(name), q: h.q}
}

// flush waits until the queued records are written (the last one taken
// from the queue included), at most d.
func (h *asyncHandler) flush(d time.Duration) {
	deadline := time.Now().Add(d)
	for h.q.pending.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}
