package gateway

import (
	"context"
	"sync"
)

// methodListen is the modern era's long-lived stream of server
// notifications.
const methodListen = "subscriptions/listen"

// streamSet tracks requests that stay open until the client leaves, so
// that a shutdown can end them at once and only wait for real calls.
type streamSet struct {
	mu      sync.Mutex
	next    uint64
	cancels map[uint64]context.CancelFunc
	closed  bool
}

// add returns a context that closeAll cancels, and the function to call
// when the request ends.
func (s *streamSet) add(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		cancel()
		return ctx, func() {}
	}
	if s.cancels == nil {
		s.cancels = map[uint64]context.CancelFunc{}
	}
	s.next++
	id := s.next
	s.cancels[id] = cancel
	return ctx, func() {
		s.mu.Lock()
		delete(s.cancels, id)
		s.mu.Unlock()
		cancel()
	}
}

// closeAll cancels every tracked stream and every later one.
func (s *streamSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for id, cancel := range s.cancels {
		cancel()
		delete(s.cancels, id)
	}
}
