package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The body flood.
//
// Many connections each sending a large body must not take the gateway's
// memory: bodies are bounded per request and in total, and on a protected
// API a request without a valid token is answered before its body is read.
// RunBodyFlood starts the gateway and opens Connections connections at
// once, each sending a POST whose body is BodyBytes of valid JSON-RPC
// (a tools/list padded in params), and reports the gateway's peak RSS.

// BodyFloodOptions configures [RunBodyFlood].
type BodyFloodOptions struct {
	// Binary is the rest2mcp executable and Spec the Petstore document.
	Binary, Spec string
	// Connections is the number of simultaneous connections (default
	// 200) and BodyBytes the body size of each (default 4 MB).
	Connections int
	BodyBytes   int
	// Env is added to the gateway's environment.
	Env []string
	// Logger receives progress. Nil discards.
	Logger *slog.Logger
}

// BodyFloodResult is one scenario.
type BodyFloodResult struct {
	// Scenario is "open", "no token" or "forged token".
	Scenario string `json:"scenario"`
	// Memory is the gateway's memory after the flood (PeakRSS is VmHWM).
	Memory Memory `json:"memory"`
	// IdleRSS is VmRSS before the flood.
	IdleRSS int64 `json:"idle_rss_bytes"`
	// Statuses counts the HTTP statuses the connections got ("error"
	// for a connection that got none).
	Statuses map[string]int `json:"statuses"`
	// Elapsed is the time until every connection had its answer.
	Elapsed time.Duration `json:"elapsed"`
}

// RunBodyFlood runs the three scenarios, each against a fresh gateway.
func RunBodyFlood(ctx context.Context, opts BodyFloodOptions) ([]BodyFloodResult, error) {
	o := opts
	if o.Connections == 0 {
		o.Connections = 200
	}
	if o.BodyBytes == 0 {
		o.BodyBytes = 4_000_000
	}
	logger := orDiscard(o.Logger)
	upstream, iss, stopServers, err := startUpstreamAndIssuer()
	if err != nil {
		return nil, err
	}
	defer stopServers()
	body := floodBody(o.BodyBytes)
	forged, err := (&issuer{key: mustKey(), url: iss.url}).mint("x", "pets:read")
	if err != nil {
		return nil, err
	}
	var out []BodyFloodResult
	for _, sc := range []struct{ name, auth string }{{"open", ""}, {"no token", ""}, {"forged token", "Bearer " + forged}} {
		var g *Gateway
		if sc.name == "open" {
			g, err = StartGateway(ctx, GatewayOptions{Binary: o.Binary, Spec: o.Spec, Upstream: upstream + "/v1", Env: o.Env})
		} else {
			port, _, cfg, cerr := iss.protectedConfig(o.Spec, upstream+"/v1")
			if cerr != nil {
				return nil, cerr
			}
			defer os.RemoveAll(filepath.Dir(cfg))
			g, err = StartGateway(ctx, GatewayOptions{Binary: o.Binary, Config: cfg, Port: port, Env: o.Env})
		}
		if err != nil {
			return nil, err
		}
		res, err := floodOnce(ctx, g, sc.name, sc.auth, body, o.Connections, logger)
		_ = g.Stop(5 * time.Second)
		if err != nil {
			return nil, fmt.Errorf("%s: %w\noutput:\n%s", sc.name, err, g.Output())
		}
		out = append(out, *res)
	}
	return out, nil
}

func floodOnce(ctx context.Context, g *Gateway, name, auth string, body []byte, conns int, logger *slog.Logger) (*BodyFloodResult, error) {
	hc := NewHTTPClient(1)
	deadline := time.Now().Add(60 * time.Second)
	for !readyz(ctx, hc, g.BaseURL+"/readyz") {
		if exited, werr := g.Exited(); exited || time.Now().After(deadline) {
			return nil, fmt.Errorf("gateway not ready: %v", werr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	idle, err := ReadMemory(g.PID())
	if err != nil {
		return nil, err
	}
	logger.Info("flooding", "scenario", name, "connections", conns, "body_bytes", len(body))
	addr := strings.TrimPrefix(g.BaseURL, "http://")
	head := "POST /mcp/bench HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
		"Accept: application/json, text/event-stream\r\nMcp-Protocol-Version: 2025-11-25\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n"
	if auth != "" {
		head += "Authorization: " + auth + "\r\n"
	}
	head += "\r\n"
	var mu sync.Mutex
	statuses := map[string]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			st := floodConn(ctx, addr, head, body)
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	mem, err := ReadMemory(g.PID())
	if err != nil {
		return nil, err
	}
	return &BodyFloodResult{Scenario: name, Memory: mem, IdleRSS: idle.RSS, Statuses: statuses, Elapsed: elapsed}, nil
}

// floodConn sends one request with the whole body (concurrently with
// reading the answer, as a client that does not wait for 100-continue
// would) and returns the answer's status.
func floodConn(ctx context.Context, addr, head string, body []byte) string {
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "error"
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(90 * time.Second))
	go func() {
		if _, err := io.WriteString(c, head); err == nil {
			_, _ = c.Write(body)
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "error"
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

// floodBody returns n bytes of valid JSON-RPC: a tools/list whose params
// carry padding.
func floodBody(n int) []byte {
	const pre, post = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"`, `"}}`
	b := make([]byte, 0, n)
	b = append(b, pre...)
	for len(b) < n-len(post) {
		b = append(b, 'x')
	}
	return append(b, post...)
}
