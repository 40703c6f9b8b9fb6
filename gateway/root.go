package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveRoot routes /mcp/<api> of a known API straight to the API's
// handler, without echo's middleware chain (the MCP endpoints need only a
// request id, panic recovery and, at debug level, an access log line);
// every other path, unknown APIs included, goes through echo.
func (g *Gateway) serveRoot(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/mcp/")
	if !ok || r.URL.RawPath != "" {
		g.echo.ServeHTTP(w, r)
		return
	}
	a, ok := g.apis[name]
	if !ok {
		g.echo.ServeHTTP(w, r)
		return
	}
	rid := r.Header.Get("X-Request-Id")
	if rid == "" || len(rid) > 128 {
		rid = g.ridPrefix + strconv.FormatUint(g.ridSeq.Add(1), 36)
	}
	w.Header()["X-Request-Id"] = []string{rid}
	// observability hook: the request id travels in the context, so every
	// log line of the request carries it (logctx.go).
	r = r.WithContext(newRequestContext(r.Context(), rid))
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			g.log.ErrorContext(r.Context(), "panic serving MCP request", "api", name, "panic", p)
			writeRPCError(w, http.StatusInternalServerError, rpcInternalError, "internal error (request id "+rid+")")
		}
	}()
	debug := g.log.Enabled(r.Context(), slog.LevelDebug)
	if g.tracing == nil && !debug {
		a.handler.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	// observability hook: the server span (a no-op with tracing off).
	r, end := g.startServerSpan(r, "/mcp/:api", name)
	ended := false
	defer func() {
		if !ended { // a panic, answered 500 by the recovery above
			end(http.StatusInternalServerError)
		}
	}()
	a.handler.ServeHTTP(sw, r)
	ended = true
	end(sw.status)
	if debug {
		g.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", max(sw.status, http.StatusOK)),
			slog.Duration("duration", time.Since(start)),
		)
	}
}

// newRequestIDPrefix returns a random per-process prefix for request ids.
func newRequestIDPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "-"
}
