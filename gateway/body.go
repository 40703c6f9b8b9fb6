package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// Request bodies: bounded per request and in total.
//
// A POST body is read only after authentication (on protected APIs), and
// only up to maxBodyBytes. Across all requests of the gateway the bytes of
// bodies held in memory are bounded by a global budget: a body that does
// not fit is answered 503 with Retry-After before it is read, so that many
// connections each sending a large body cannot take the gateway's memory
// (the budget bounds the buffers, the kernel holds what clients have sent
// and not yet been read).

// bodyBudget bounds the bytes of request bodies held at once.
type bodyBudget struct {
	max  int64
	used atomic.Int64
}

// take reserves n bytes, reporting whether they fit.
func (b *bodyBudget) take(n int64) bool {
	if n <= 0 {
		return true
	}
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

// give releases n bytes.
func (b *bodyBudget) give(n int64) {
	if n > 0 {
		b.used.Add(-n)
	}
}

// bodyChunk is the reservation step for bodies of unknown length.
const bodyChunk = 32 << 10

// bodyReadTimeout bounds the time a client may take to send a POST body.
const bodyReadTimeout = 30 * time.Second

// retryAfterBusy is the Retry-After sent when the body budget is spent.
const retryAfterBusy = 1

// errBudget reports that the global body budget is spent.
var errBudget = errors.New("body budget exhausted")

// bufPool recycles body buffers of ordinary size.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooledBuf is the largest buffer returned to bufPool.
const maxPooledBuf = 64 << 10

type bodyKey struct{}

// bodyInfo is what the body stage learned about a POST body.
type bodyInfo struct {
	raw []byte
	// calls holds the one JSON-RPC message of the body.
	calls []rpcCall
}

// callsFrom returns the JSON-RPC message decoded by the body stage, as a
// slice of one (nil when there is none, e.g. not a POST).
func callsFrom(ctx context.Context) []rpcCall {
	if b, ok := ctx.Value(bodyKey{}).(*bodyInfo); ok {
		return b.calls
	}
	return nil
}

// callFrom returns the JSON-RPC message decoded by the body stage, or nil.
func callFrom(ctx context.Context) *rpcCall {
	if calls := callsFrom(ctx); len(calls) == 1 {
		return &calls[0]
	}
	return nil
}

// bodyFrom returns the buffered POST body.
func bodyFrom(ctx context.Context) []byte {
	if b, ok := ctx.Value(bodyKey{}).(*bodyInfo); ok {
		return b.raw
	}
	return nil
}

// serveMCP hands a request to mcp-go with the body the gateway already
// read (mcp-go's ServeHTTP would copy it again), through
// StreamableHTTPServer.Handle: the parts of ServeHTTP that Handle skips
// (DNS-rebinding guard, CORS, metadata route) are turned off or done by
// the gateway itself.
func (a *API) serveMCP(w http.ResponseWriter, r *http.Request, body []byte) {
	a.current(r.Context()).stream.Handle(mcpWriter{w}, &server.HTTPRequest{
		Method:  r.Method,
		URL:     r.URL,
		Header:  r.Header,
		Body:    body,
		Context: r.Context(),
	})
}

// mcpWriter adapts an http.ResponseWriter for mcp-go's Handle.
type mcpWriter struct{ http.ResponseWriter }

// Flush flushes the underlying writer, when it can.
func (m mcpWriter) Flush() {
	if f, ok := m.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// CanStream reports whether SSE can be streamed through the writer.
func (m mcpWriter) CanStream() bool {
	_, ok := m.ResponseWriter.(http.Flusher)
	return ok
}

// SetWriteDeadline bounds writes to a stalled client.
func (m mcpWriter) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(m.ResponseWriter).SetWriteDeadline(t)
}

// readBody is the body stage: it buffers a POST body within the request
// limit and the global budget, decodes it once ([parseCall]) and answers
// malformed JSON-RPC itself. Oversized bodies get 413 naming the limit; a
// spent budget 503 with Retry-After. The body must arrive within timeout
// (408 otherwise): the server has no overall read timeout, which would cut
// SSE streams, so without this a client could hold a connection forever by
// sending a body slowly.
func readBody(limit int64, budget *bodyBudget, timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" && !isJSONMediaType(ct) {
			writeRPCError(w, http.StatusUnsupportedMediaType, rpcInvalidRequest, fmt.Sprintf("Content-Type must be application/json, got %q", ct))
			return
		}
		if r.ContentLength > limit {
			writeRPCError(w, http.StatusRequestEntityTooLarge, rpcInvalidRequest, fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, limit))
			return
		}
		// A writer that cannot set deadlines (a test recorder) reads
		// without one. The deadline is lifted once the whole body is in,
		// so that SSE responses are not cut; after a failed read it stays,
		// so that the server's draining of the rest cannot stall either.
		rc := http.NewResponseController(w)
		deadline := rc.SetReadDeadline(time.Now().Add(timeout)) == nil
		bp, held, err := readLimited(r.Body, r.ContentLength, limit, budget)
		defer func() {
			budget.give(held)
			if cap(*bp) <= maxPooledBuf {
				*bp = (*bp)[:0]
				bufPool.Put(bp)
			}
		}()
		if deadline && err == nil {
			_ = rc.SetReadDeadline(time.Time{})
		}
		if err != nil {
			var mbe *http.MaxBytesError
			switch {
			case errors.Is(err, errBudget):
				w.Header().Set("Retry-After", strconv.Itoa(retryAfterBusy))
				writeRPCError(w, http.StatusServiceUnavailable, rpcInvalidRequest, "the gateway is busy receiving other requests; retry shortly")
			case errors.As(err, &mbe):
				writeRPCError(w, http.StatusRequestEntityTooLarge, rpcInvalidRequest, fmt.Sprintf("request body exceeds the limit of %d bytes", limit))
			case errors.Is(err, os.ErrDeadlineExceeded):
				writeRPCError(w, http.StatusRequestTimeout, rpcInvalidRequest, fmt.Sprintf("request body not received within %s", timeout))
			default:
				writeRPCError(w, http.StatusBadRequest, rpcParseError, "could not read request body")
			}
			return
		}
		body := *bp
		calls, problem := parseCall(body)
		if problem != nil {
			writeRPCErrorID(w, http.StatusBadRequest, problem.code, problem.msg, problem.id)
			return
		}
		if v := r.Header.Get("Mcp-Protocol-Version"); v != "" && !isSupportedVersion(v, calls[0].Method) {
			writeUnsupportedVersion(w, v, validIDOrNil(calls[0].ID))
			return
		}
		info := &bodyInfo{raw: body, calls: calls}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, info)))
	})
}

// readLimited reads body (of length n, or -1 when unknown) into a pooled
// buffer, reserving its bytes in budget first. It returns the buffer and
// the bytes reserved, which the caller gives back once the body is no
// longer used.
func readLimited(body io.Reader, n, limit int64, budget *bodyBudget) (*[]byte, int64, error) {
	bp := bufPool.Get().(*[]byte)
	if n >= 0 {
		if !budget.take(n) {
			return bp, 0, errBudget
		}
		if int64(cap(*bp)) < n {
			b := make([]byte, 0, n)
			bp = &b
		}
		buf := (*bp)[:n]
		if _, err := io.ReadFull(body, buf); err != nil {
			return bp, n, err
		}
		*bp = buf
		return bp, n, nil
	}
	// Unknown length (chunked): grow in reserved steps.
	var held int64
	buf := (*bp)[:0]
	for {
		if len(buf) == cap(buf) {
			step := int64(bodyChunk)
			if int64(len(buf))+step > limit+1 {
				step = limit + 1 - int64(len(buf))
			}
			if step <= 0 {
				*bp = buf
				return bp, held, &http.MaxBytesError{Limit: limit}
			}
			if !budget.take(step) {
				*bp = buf
				return bp, held, errBudget
			}
			held += step
			nb := make([]byte, len(buf), int64(len(buf))+step)
			copy(nb, buf)
			buf = nb
		}
		m, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > limit {
			*bp = buf
			return bp, held, &http.MaxBytesError{Limit: limit}
		}
		if err == io.EOF {
			*bp = buf
			return bp, held, nil
		}
		if err != nil {
			*bp = buf
			return bp, held, err
		}
	}
}

// noBuffering asks reverse proxies not to buffer SSE responses.
func noBuffering(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Accel-Buffering"] = []string{"no"}
		next.ServeHTTP(w, r)
	})
}
