package gateway

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// blockingHandler writes text records to buf once released.
type blockingHandler struct {
	slog.Handler
	release chan struct{}
}

func (h blockingHandler) Handle(ctx context.Context, r slog.Record) error {
	<-h.release
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the derived handler blocking (the embedded handler's
// WithAttrs would return one that is not).
func (h blockingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return blockingHandler{h.Handler.WithAttrs(attrs), h.release}
}

// WithGroup keeps the derived handler blocking.
func (h blockingHandler) WithGroup(name string) slog.Handler {
	return blockingHandler{h.Handler.WithGroup(name), h.release}
}

// TestAuditNeverBlocks: a stuck audit sink never blocks a request; the
// records that do not fit are dropped, counted and reported.
func TestAuditNeverBlocks(t *testing.T) {
	var buf syncBuffer
	release := make(chan struct{})
	h := newAsyncHandler(blockingHandler{slog.NewTextHandler(&buf, nil), release}, 4)
	log := slog.New(h).With("component", "audit")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			log.Info("authorization decision", "n", i)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("logging blocked on a stuck audit sink")
	}
	// The writer holds at most one record while it is stuck and the queue
	// four, so at least 95 of the 100 are dropped.
	if d := h.q.dropped.Load(); d < 95 {
		t.Fatalf("dropped %d records, want at least 95 of 100 with a queue of 4 and a stuck writer", d)
	}
	close(release)
	waitFor(t, func() bool { return strings.Contains(buf.String(), "audit lines dropped") })
	out := buf.String()
	if !strings.Contains(out, "component=audit") || !strings.Contains(out, "n=0") {
		t.Errorf("queued records not written with their attributes:\n%s", out)
	}
	if !strings.Contains(out, "dropped_total=") {
		t.Errorf("drop count not reported:\n%s", out)
	}
}
