package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// SoakOptions configure [RunSoak].
type SoakOptions struct {
	// Binary is the rest2mcp executable and Spec the OpenAPI document the
	// replicas serve. Required.
	Binary, Spec string
	// Replicas is the number of gateway processes. Zero means 2.
	Replicas int
	// Concurrency is the number of closed-loop workers. Zero means 64.
	Concurrency int
	// Duration is how long the load runs. Zero means 10 minutes.
	Duration time.Duration
	// Warmup runs before the start figures are taken. Zero means 5s.
	Warmup time.Duration
	// Era is the protocol era of the calls.
	Era Era
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// ReplicaFigures are one replica's figures of a soak.
type ReplicaFigures struct {
	// Calls counts the calls sent to the replica, Failures those that
	// failed.
	Calls, Failures int64
	// Start and End are the replica's memory after the warm-up and at the
	// end of the load.
	Start, End Memory
}

// SoakResult is the outcome of [RunSoak].
type SoakResult struct {
	Replicas    []ReplicaFigures
	Concurrency int
	Era         string
	// Summary covers every measured call, over all replicas.
	Summary Summary
}

// RunSoak runs Replicas gateway processes, each protected by a JWT issuer
// in the driver's process (RS256 tokens, JWKS over HTTP) in front of the
// demo upstream, and sends tools/call getPet to them round-robin from
// Concurrency workers for Duration. Every call carries a valid token, so
// every call goes through token verification and the policy.
func RunSoak(ctx context.Context, opts SoakOptions) (*SoakResult, error) {
	o := opts
	if o.Binary == "" || o.Spec == "" {
		return nil, errors.New("soak: binary and spec are required")
	}
	if o.Replicas <= 0 {
		o.Replicas = 2
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Minute
	}
	if o.Warmup <= 0 {
		o.Warmup = 5 * time.Second
	}
	log := orDiscard(o.Logger)
	upstream, iss, stopServers, err := startUpstreamAndIssuer()
	if err != nil {
		return nil, err
	}
	defer stopServers()

	type replica struct {
		g             *Gateway
		c             *Client
		call          *Request
		calls, failed atomic.Int64
	}
	replicas := make([]*replica, o.Replicas)
	defer func() {
		for _, r := range replicas {
			if r != nil && r.g != nil {
				_ = r.g.Stop(5 * time.Second)
			}
		}
	}()
	for i := range replicas {
		port, base, cfg, err := iss.protectedConfig(o.Spec, upstream+"/v1")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(filepath.Dir(cfg))
		g, err := StartGateway(ctx, GatewayOptions{Binary: o.Binary, Config: cfg, Port: port})
		if err != nil {
			return nil, err
		}
		replicas[i] = &replica{g: g}
		tok, err := iss.mint(base+"/mcp/bench", "pets:read pets:write")
		if err != nil {
			return nil, err
		}
		c := NewClient(g.Endpoint, &ClientOptions{HTTPClient: NewHTTPClient(o.Concurrency), Era: o.Era, Header: http.Header{"Authorization": {"Bearer " + tok}}})
		call, err := c.NewToolCall(benchTool, map[string]any{"petId": 1})
		if err != nil {
			return nil, err
		}
		if err := waitReady(ctx, g, c, call); err != nil {
			return nil, fmt.Errorf("replica %d: %w\noutput:\n%s", i+1, err, g.Output())
		}
		replicas[i].c, replicas[i].call = c, call
		log.Info("replica ready", "replica", i+1, "url", g.BaseURL)
	}
	var next atomic.Uint64
	var counting atomic.Bool
	op := func(ctx context.Context) error {
		r := replicas[int(next.Add(1)%uint64(len(replicas)))]
		_, err := r.c.Call(ctx, r.call)
		if counting.Load() {
			r.calls.Add(1)
			if err != nil {
				r.failed.Add(1)
			}
		}
		return err
	}
	log.Info("warm-up", "duration", o.Warmup)
	if _, err := RunLoad(ctx, op, LoadOptions{Concurrency: o.Concurrency, Duration: o.Warmup, MaxRequests: math.MaxInt}); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	res := &SoakResult{Concurrency: o.Concurrency, Era: o.Era.String(), Replicas: make([]ReplicaFigures, len(replicas))}
	for i, r := range replicas {
		if res.Replicas[i].Start, err = ReadMemory(r.g.PID()); err != nil {
			return nil, err
		}
	}
	log.Info("soak", "duration", o.Duration, "concurrency", o.Concurrency, "replicas", len(replicas))
	counting.Store(true)
	s, loadErr := RunLoad(ctx, op, LoadOptions{Concurrency: o.Concurrency, Duration: o.Duration, MaxRequests: math.MaxInt})
	counting.Store(false)
	res.Summary = s
	for i, r := range replicas {
		res.Replicas[i].Calls, res.Replicas[i].Failures = r.calls.Load(), r.failed.Load()
		if exited, werr := r.g.Exited(); exited {
			return res, fmt.Errorf("replica %d exited during the soak: %v\noutput:\n%s", i+1, werr, r.g.Output())
		}
		if res.Replicas[i].End, err = ReadMemory(r.g.PID()); err != nil {
			return res, err
		}
	}
	return res, loadErr
}
