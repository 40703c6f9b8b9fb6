package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/rest2mcp/rest2mcp/internal/demoapi"
)

// CallBenchOptions configures [RunCallBench].
type CallBenchOptions struct {
	// Binary is the rest2mcp executable. Required.
	Binary string
	// Spec is the Petstore document (examples/petstore/openapi.yaml).
	// Required.
	Spec string
	// Era is the protocol era of the gateway client. Zero means
	// [EraModern].
	Era Era
	// Concurrency lists the worker counts to measure. Empty means 1, 8
	// and 64.
	Concurrency []int
	// Load bounds every run (its Concurrency is ignored).
	Load LoadOptions
	// Rounds is how many times each pair of runs (direct, gateway) is
	// repeated, alternating which goes first; figures are medians over
	// rounds. Zero means 1.
	Rounds int
	// Env is added to the gateway's environment.
	Env []string
	// Args are appended to the gateway's serve command line.
	Args []string
	// Logger receives progress. Nil discards.
	Logger *slog.Logger
}

// CallBenchResult compares the direct call with the gateway call at one
// concurrency.
type CallBenchResult struct {
	// Concurrency is the number of workers.
	Concurrency int `json:"concurrency"`
	// Direct is GET {upstream}/v1/pets/1.
	Direct Summary `json:"direct"`
	// Gateway is tools/call getPet {"petId":1} through the gateway.
	Gateway Summary `json:"gateway"`
	// P50Ratio and P99Ratio are gateway latency / direct latency.
	P50Ratio float64 `json:"p50_ratio"`
	P99Ratio float64 `json:"p99_ratio"`
	// ThroughputRatio is gateway throughput / direct throughput.
	ThroughputRatio float64 `json:"throughput_ratio"`
	// GatewayCPUPerCallUs is the gateway process's CPU time (user+system)
	// per measured call, in microseconds: unlike latency it barely depends
	// on the machine's other load.
	GatewayCPUPerCallUs float64 `json:"gateway_cpu_per_call_us"`
	// Rounds is the number of rounds the figures are medians of.
	Rounds int `json:"rounds"`
	// PerRound holds each round's own figures.
	PerRound []CallRound `json:"per_round,omitempty"`
}

// CallRound is one round of a [CallBenchResult].
type CallRound struct {
	// Direct and Gateway summarise the round's two runs.
	Direct  Summary `json:"direct"`
	Gateway Summary `json:"gateway"`
	// GatewayFirst tells which run went first.
	GatewayFirst bool `json:"gateway_first"`
	// GatewayCPUPerCallUs is as in [CallBenchResult].
	GatewayCPUPerCallUs float64 `json:"gateway_cpu_per_call_us"`
}

// CallBenchReport is the outcome of [RunCallBench].
type CallBenchReport struct {
	// Era is the gateway client's protocol era.
	Era string `json:"era"`
	// Tool and DirectPath name what was called.
	Tool       string `json:"tool"`
	DirectPath string `json:"direct_path"`
	// Results holds one entry per concurrency, in the order given.
	Results []CallBenchResult `json:"results"`
}

// The call measured in both paths.
const (
	benchTool       = "getPet"
	benchDirectPath = "/v1/pets/1"
)

// RunCallBench starts the demo upstream in this process and the gateway
// as a child process, then for each concurrency measures the direct REST
// call and the same call through the gateway back to back.
func RunCallBench(ctx context.Context, opts CallBenchOptions) (*CallBenchReport, error) {
	o := opts
	if o.Era == 0 {
		o.Era = EraModern
	}
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1, 8, 64}
	}
	logger := orDiscard(o.Logger)
	maxConc := max(1, slices.Max(o.Concurrency))

	upstream, stopUpstream, err := startUpstream()
	if err != nil {
		return nil, err
	}
	defer stopUpstream()

	g, err := StartGateway(ctx, GatewayOptions{Binary: o.Binary, Spec: o.Spec, Upstream: upstream + "/v1", Env: o.Env, Args: o.Args})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := g.Stop(5 * time.Second); err != nil {
			logger.Warn("stop gateway", "err", err)
		}
	}()
	gwClient := NewClient(g.Endpoint, &ClientOptions{HTTPClient: NewHTTPClient(maxConc), Era: o.Era})
	call, err := gwClient.NewToolCall(benchTool, map[string]any{"petId": 1})
	if err != nil {
		return nil, err
	}
	if err := waitReady(ctx, g, gwClient, call); err != nil {
		return nil, fmt.Errorf("%w\ngateway output:\n%s", err, g.Output())
	}
	direct := directOp(NewHTTPClient(maxConc), upstream+benchDirectPath)
	viaGateway := func(ctx context.Context) error {
		_, err := gwClient.Call(ctx, call)
		return err
	}

	rep := &CallBenchReport{Era: o.Era.String(), Tool: benchTool, DirectPath: benchDirectPath}
	m := measurer{load: o.Load, direct: direct, gateway: viaGateway, pid: g.PID(), logger: logger}
	for _, c := range o.Concurrency {
		res, err := m.measure(ctx, c, max(o.Rounds, 1))
		if err != nil {
			return nil, fmt.Errorf("%w\ngateway output:\n%s", err, g.Output())
		}
		rep.Results = append(rep.Results, *res)
	}
	return rep, nil
}

// startUpstream serves the demo API on a loopback port and returns its
// base URL and a stop function.
func startUpstream() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen for upstream: %w", err)
	}
	srv := &http.Server{Handler: demoapi.New().Handler(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Serve returns http.ErrServerClosed after Close; nothing else
		// can be done about an error here.
		_ = srv.Serve(l)
	}()
	stop := func() {
		_ = srv.Close()
		<-done
	}
	return "http://" + l.Addr().String(), stop, nil
}

// waitReady polls /readyz until it answers 200, then checks that one tool
// call succeeds.
func waitReady(ctx context.Context, g *Gateway, c *Client, call *Request) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	hc := NewHTTPClient(1)
	for {
		if exited, werr := g.Exited(); exited {
			return fmt.Errorf("gateway exited before it was ready: %v", werr)
		}
		if readyz(ctx, hc, g.BaseURL+"/readyz") {
			break
		}
		select {
		case <-ctx.Done():
			return errors.New("gateway not ready within 60s")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := c.Initialize(ctx); err != nil {
		return fmt.Errorf("gateway ready but: %w", err)
	}
	if _, err := c.Call(ctx, call); err != nil {
		return fmt.Errorf("gateway ready but first call: %w", err)
	}
	return nil
}

func readyz(ctx context.Context, hc *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// directOp returns an [Op] that GETs url and expects 200.
func directOp(hc *http.Client, url string) Op {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("build direct request: %w", err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("direct call: %w", err)
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)); err != nil {
			return fmt.Errorf("read direct response: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("direct call: http status %d", resp.StatusCode)
		}
		return nil
	}
}

// measurer runs the rounds of one concurrency.
type measurer struct {
	load            LoadOptions
	direct, gateway Op
	pid             int
	logger          *slog.Logger
}

// measure runs rounds pairs of (direct, gateway) runs on c workers,
// alternating their order, and returns the medians.
func (m *measurer) measure(ctx context.Context, c, rounds int) (*CallBenchResult, error) {
	var (
		directs, gateways          []Summary
		p50s, p99s, thrs, cpuCalls []float64
		perRound                   []CallRound
	)
	for r := range rounds {
		var d, gw Summary
		var cpu time.Duration
		var err error
		if r%2 == 0 {
			if d, err = m.run(ctx, "direct", c, m.direct); err == nil {
				gw, cpu, err = m.runGateway(ctx, c)
			}
		} else {
			if gw, cpu, err = m.runGateway(ctx, c); err == nil {
				d, err = m.run(ctx, "direct", c, m.direct)
			}
		}
		if err != nil {
			return nil, err
		}
		directs, gateways = append(directs, d), append(gateways, gw)
		p50s = append(p50s, ratio(float64(gw.P50), float64(d.P50)))
		p99s = append(p99s, ratio(float64(gw.P99), float64(d.P99)))
		thrs = append(thrs, ratio(gw.Throughput, d.Throughput))
		cpuCall := ratio(float64(cpu.Microseconds()), float64(gw.Requests-gw.Errors))
		cpuCalls = append(cpuCalls, cpuCall)
		perRound = append(perRound, CallRound{Direct: d, Gateway: gw, GatewayFirst: r%2 == 1, GatewayCPUPerCallUs: cpuCall})
	}
	return &CallBenchResult{
		Concurrency:         c,
		Direct:              medianSummary(directs),
		Gateway:             medianSummary(gateways),
		P50Ratio:            medianFloat(p50s),
		P99Ratio:            medianFloat(p99s),
		ThroughputRatio:     medianFloat(thrs),
		GatewayCPUPerCallUs: medianFloat(cpuCalls),
		Rounds:              rounds,
		PerRound:            perRound,
	}, nil
}

// runGateway runs the gateway call and returns, besides the summary, the
// CPU time the gateway process used during the measured phase.
func (m *measurer) runGateway(ctx context.Context, c int) (Summary, time.Duration, error) {
	var cpu0 time.Duration
	s, err := m.runMeasured(ctx, "gateway", c, m.gateway, func() error {
		var err error
		cpu0, err = ReadCPUTime(m.pid)
		return err
	})
	if err != nil {
		return s, 0, err
	}
	cpu1, err := ReadCPUTime(m.pid)
	if err != nil {
		return s, 0, err
	}
	return s, cpu1 - cpu0, nil
}

func (m *measurer) run(ctx context.Context, name string, c int, op Op) (Summary, error) {
	return m.runMeasured(ctx, name, c, op, func() error { return nil })
}

// runMeasured runs the warm-up, then before(), then the measured phase.
func (m *measurer) runMeasured(ctx context.Context, name string, c int, op Op, before func() error) (Summary, error) {
	m.logger.Info("measuring", "path", name, "concurrency", c)
	if m.load.Warmup > 0 {
		warm := LoadOptions{Concurrency: c, Duration: m.load.Warmup, MaxRequests: m.load.WarmupRequests}
		if s, err := RunLoad(ctx, op, warm); err != nil {
			return s, fmt.Errorf("%s call warm-up, concurrency %d: %w (%s)", name, c, err, s.FirstError)
		}
	}
	if err := before(); err != nil {
		return Summary{}, err
	}
	lo := m.load
	lo.Concurrency, lo.Warmup = c, 0
	s, err := RunLoad(ctx, op, lo)
	if err != nil {
		return s, fmt.Errorf("%s call, concurrency %d: %w (%s)", name, c, err, s.FirstError)
	}
	return s, nil
}
