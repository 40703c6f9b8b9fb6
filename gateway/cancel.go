package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/rest2mcp/rest2mcp/authbridge"
)

// Cancellation scoped to the caller.
//
// mcp-go keys the requests it is serving by session ID and JSON-RPC id. A
// stateless server gives every request the same, empty, session ID, so a
// notifications/cancelled from one caller would cancel any other caller's
// request that uses the same id (clients count from 0 or 1). The gateway
// therefore answers notifications/cancelled itself: it cancels only the
// sender's own request with that id, and never passes the notification on.

// methodCancelled is the JSON-RPC method of a cancellation notification.
const methodCancelled = "notifications/cancelled"

// inflight tracks the requests being served, keyed by caller and id.
type inflight struct {
	mu    sync.Mutex
	calls map[string]*inflightCall
}

// inflightCall is one registration; its address tells registrations of
// the same key apart.
type inflightCall struct{ cancel context.CancelFunc }

// wrap answers cancellation notifications and makes every request with
// an id cancellable by its own caller.
func (f *inflight) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		caller := callerKey(r.Context())
		if id, ok := cancelledRequest(r.Context()); ok {
			if id != "" {
				f.cancel(caller + "\x00" + id)
			}
			w.WriteHeader(http.StatusAccepted)
			return
		}
		calls := callsFrom(r.Context())
		if len(calls) != 1 {
			next.ServeHTTP(w, r)
			return
		}
		id, ok := requestIDKey(calls[0].ID)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		key, call := caller+"\x00"+id, &inflightCall{cancel: cancel}
		f.add(key, call)
		defer f.remove(key, call)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (f *inflight) add(key string, c *inflightCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]*inflightCall{}
	}
	f.calls[key] = c
}

func (f *inflight) remove(key string, c *inflightCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls[key] == c {
		delete(f.calls, key)
	}
}

func (f *inflight) cancel(key string) {
	f.mu.Lock()
	c := f.calls[key]
	delete(f.calls, key)
	f.mu.Unlock()
	if c != nil {
		c.cancel()
	}
}

// callerKey identifies the verified caller; every request of an API
// without authentication has the same, empty, key.
func callerKey(ctx context.Context) string {
	if p, ok := authbridge.PrincipalFromContext(ctx); ok {
		return authbridge.PrincipalKey(p)
	}
	return ""
}

// cancelledRequest reports whether the POST body is a cancellation
// notification as mcp-go would read it, and returns the id of the request
// it names ("" when it names none). The body is decoded again, the way
// mcp-go does, when the gateway's own peek could not decode it: mcp-go
// reads notification params more leniently than the peek, and no
// cancellation may reach it.
func cancelledRequest(ctx context.Context) (string, bool) {
	b, ok := ctx.Value(bodyKey{}).(*bodyInfo)
	if !ok {
		return "", false
	}
	if len(b.calls) > 0 && (len(b.calls) != 1 || b.calls[0].Method != methodCancelled) {
		return "", false
	}
	var msg struct {
		ID     any    `json:"id"`
		Method string `json:"method"`
	}
	if json.Unmarshal(b.raw, &msg) != nil || msg.Method != methodCancelled || msg.ID != nil {
		return "", false
	}
	// mcp-go decodes the params into a map, whose keys match exactly.
	var n struct {
		Params map[string]any `json:"params"`
	}
	if json.Unmarshal(b.raw, &n) != nil {
		return "", true
	}
	id, ok := n.Params["requestId"]
	if !ok || id == nil {
		return "", true
	}
	return fmt.Sprint(id), true
}

// requestIDKey returns the id of a request in the form cancellation
// notifications are matched with (mcp-go's: the decoded value printed with
// %v, so 1 and "1" are the same id), or false for a notification.
func requestIDKey(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	if k, ok := plainIDKey(raw); ok {
		return k, true
	}
	var id any
	if json.Unmarshal(raw, &id) != nil {
		return "", false
	}
	return fmt.Sprint(id), true
}

// plainIDKey computes requestIDKey without decoding for the common ids:
// integers of at most 6 digits (which %v prints as written; longer ones
// it may print with an exponent, as it prints the float64 mcp-go decodes)
// and strings
// without escapes or non-ASCII bytes.
func plainIDKey(raw json.RawMessage) (string, bool) {
	if raw[0] == '"' {
		for _, c := range raw[1 : len(raw)-1] {
			if c == '\\' || c >= 0x80 {
				return "", false
			}
		}
		return string(raw[1 : len(raw)-1]), true
	}
	digits := raw
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 6 || string(raw) == "-0" {
		return "", false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return string(raw), true
}
