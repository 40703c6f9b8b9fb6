package openapi

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// logRecorder is a slog handler that keeps every message, so that tests
// can tell a cache hit from a miss.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, rec.Message)
	return nil
}

func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h *logRecorder) WithGroup(string) slog.Handler { return h }

// Count returns how many messages start with prefix and forgets all of
// them.
func (h *logRecorder) Count(prefix string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	h.msgs = nil
	return n
}

// NewLogRecorder returns a logger and its recorder, for the external test
// package.
func NewLogRecorder() (*slog.Logger, *logRecorder) {
	h := &logRecorder{}
	return slog.New(h), h
}

// Log messages the tests look for.
const (
	MsgCacheHit = "spec loaded from cache"
)
