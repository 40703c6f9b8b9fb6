package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// ColdStartOptions configures [MeasureColdStart].
type ColdStartOptions struct {
	// Binary is the rest2mcp executable. Required.
	Binary string
	// Spec is the OpenAPI document path. Required.
	Spec string
	// Upstream is the upstream base URL the gateway is given; it is never
	// called. Empty means http://127.0.0.1:9/ (the discard port).
	Upstream string
	// Era is the protocol era of the client. Zero means [EraModern].
	Era Era
	// Runs is how many times the process is started. Zero means 1.
	Runs int
	// WarmCalls is the number of sequential tools/list calls measured after
	// the first one. Zero means 50.
	WarmCalls int
	// Timeout bounds each start (until the first tools/list answer). Zero
	// means 120s.
	Timeout time.Duration
	// PollInterval is the pause between failed polls. Zero means 1ms.
	PollInterval time.Duration
	// Env is added to the gateway's environment.
	Env []string
	// Args are appended to the gateway's serve command line.
	Args []string
}

// ColdStartRun is the outcome of one process start.
type ColdStartRun struct {
	// FirstResponse is the time from process start to the first HTTP
	// answer of any status (the listener is up).
	FirstResponse time.Duration
	// StartToList is the time from process start to the first successful
	// tools/list answer.
	StartToList time.Duration
	// CPUToList is the CPU time (user+system, 10 ms steps) the gateway
	// had used when it answered the first tools/list: a figure that the
	// machine's other load barely changes, unlike StartToList.
	CPUToList time.Duration
	// Polls counts the tools/list (or initialize) attempts until then.
	Polls int
	// AfterFirstList is the process memory right after the first answer.
	AfterFirstList Memory
	// AfterWarm is the process memory after the warm calls.
	AfterWarm Memory
	// WarmList summarises the warm tools/list latencies (request sent to
	// last byte read; decoding is not included).
	WarmList Summary
}

// ColdStartResult is the outcome of [MeasureColdStart] for one spec.
type ColdStartResult struct {
	// Spec is the document path and SpecBytes its size.
	Spec      string
	SpecBytes int64
	// Era is the client's protocol era.
	Era string
	// Tools is the number of tools on the first tools/list page, and
	// Paginated tells whether the answer had a nextCursor.
	Tools     int
	Paginated bool
	// ListBytes is the size of the tools/list response body.
	ListBytes int
	// Runs holds every start.
	Runs []ColdStartRun
	// FirstResponse, StartToList and CPUToList are medians over Runs.
	FirstResponse time.Duration
	StartToList   time.Duration
	CPUToList     time.Duration
	// PeakRSS is the largest VmHWM seen over Runs.
	PeakRSS int64
	// WarmListP50 and WarmListP99 are medians over Runs of the warm
	// tools/list p50 and p99.
	WarmListP50 time.Duration
	WarmListP99 time.Duration
}

// MeasureColdStart starts the gateway with opts.Spec Runs times and, for
// each start, measures the time to the first successful tools/list, the
// peak RSS after it and after WarmCalls more, and the warm tools/list
// latency.
func MeasureColdStart(ctx context.Context, opts ColdStartOptions) (*ColdStartResult, error) {
	o := opts
	if o.Upstream == "" {
		o.Upstream = "http://127.0.0.1:9/"
	}
	if o.Era == 0 {
		o.Era = EraModern
	}
	o.Runs = max(o.Runs, 1)
	if o.WarmCalls == 0 {
		o.WarmCalls = 50
	}
	if o.Timeout == 0 {
		o.Timeout = 120 * time.Second
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Millisecond
	}
	fi, err := os.Stat(o.Spec)
	if err != nil {
		return nil, fmt.Errorf("cold start: %w", err)
	}
	res := &ColdStartResult{Spec: o.Spec, SpecBytes: fi.Size(), Era: o.Era.String()}
	for i := range o.Runs {
		run, list, err := coldStartOnce(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("cold start %s, run %d: %w", o.Spec, i+1, err)
		}
		res.Runs = append(res.Runs, *run)
		if i == 0 {
			res.ListBytes = len(list.Body)
			if res.Tools, res.Paginated, err = countTools(list); err != nil {
				return nil, fmt.Errorf("cold start %s: %w", o.Spec, err)
			}
		}
	}
	median := func(f func(ColdStartRun) time.Duration) time.Duration {
		ds := make([]time.Duration, 0, len(res.Runs))
		for _, r := range res.Runs {
			ds = append(ds, f(r))
		}
		slices.Sort(ds)
		return Percentile(ds, 50)
	}
	res.FirstResponse = median(func(r ColdStartRun) time.Duration { return r.FirstResponse })
	res.StartToList = median(func(r ColdStartRun) time.Duration { return r.StartToList })
	res.CPUToList = median(func(r ColdStartRun) time.Duration { return r.CPUToList })
	res.WarmListP50 = median(func(r ColdStartRun) time.Duration { return r.WarmList.P50 })
	res.WarmListP99 = median(func(r ColdStartRun) time.Duration { return r.WarmList.P99 })
	for _, r := range res.Runs {
		res.PeakRSS = max(res.PeakRSS, r.AfterFirstList.PeakRSS, r.AfterWarm.PeakRSS)
	}
	return res, nil
}

// coldStartOnce starts one process, measures it and stops it. It returns
// the run and the first tools/list answer.
func coldStartOnce(ctx context.Context, o ColdStartOptions) (_ *ColdStartRun, _ *Response, err error) {
	g, err := StartGateway(ctx, GatewayOptions{Binary: o.Binary, Spec: o.Spec, Upstream: o.Upstream, Env: o.Env, Args: o.Args})
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if serr := g.Stop(5 * time.Second); serr != nil && err == nil {
			err = serr
		}
	}()
	c := NewClient(g.Endpoint, &ClientOptions{HTTPClient: NewHTTPClient(2), Era: o.Era})
	run := &ColdStartRun{}
	first, err := pollFirstList(ctx, g, c, o, run)
	if err != nil {
		return nil, nil, fmt.Errorf("%w\ngateway output:\n%s", err, g.Output())
	}
	if run.CPUToList, err = ReadCPUTime(g.PID()); err != nil {
		return nil, nil, err
	}
	if run.AfterFirstList, err = ReadMemory(g.PID()); err != nil {
		return nil, nil, err
	}
	list, err := c.NewRequest("tools/list", "", nil)
	if err != nil {
		return nil, nil, err
	}
	samples := make([]time.Duration, 0, o.WarmCalls)
	for range o.WarmCalls {
		t0 := time.Now()
		resp, err := c.Do(ctx, list)
		lat := time.Since(t0)
		if err != nil {
			return nil, nil, fmt.Errorf("warm tools/list: %w", err)
		}
		if _, err := resp.Decode(); err != nil {
			return nil, nil, fmt.Errorf("warm tools/list: %w", err)
		}
		samples = append(samples, lat)
	}
	run.WarmList = Summarize(samples, 0, sum(samples))
	if run.AfterWarm, err = ReadMemory(g.PID()); err != nil {
		return nil, nil, err
	}
	return run, first, nil
}

// pollFirstList polls until tools/list succeeds (after initialize, for the
// legacy era), recording the times in run. It returns the answer.
func pollFirstList(ctx context.Context, g *Gateway, c *Client, o ColdStartOptions, run *ColdStartRun) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	list, err := c.NewRequest("tools/list", "", nil)
	if err != nil {
		return nil, err
	}
	initialized := c.Era() == EraModern
	var lastErr error
	for {
		if exited, werr := g.Exited(); exited {
			return nil, fmt.Errorf("gateway exited before answering tools/list: %v", werr)
		}
		run.Polls++
		var resp *Response
		if initialized {
			resp, err = pollOnce(ctx, c, list)
		} else {
			err = c.Initialize(ctx)
			initialized = err == nil
		}
		if run.FirstResponse == 0 && answered(err) {
			run.FirstResponse = time.Since(g.Started)
		}
		if resp != nil {
			run.StartToList = time.Since(g.Started)
			return resp, nil
		}
		if err == nil {
			// The handshake succeeded: list right away.
			continue
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no tools/list answer within %s: %w", o.Timeout, lastErr)
		case <-time.After(o.PollInterval):
		}
	}
}

// pollOnce sends one tools/list and returns a successful answer.
func pollOnce(ctx context.Context, c *Client, list *Request) (*Response, error) {
	resp, err := c.Do(ctx, list)
	if err != nil {
		return nil, err
	}
	if _, err := resp.Decode(); err != nil {
		return nil, err
	}
	return resp, nil
}

// answered reports whether err (from a poll) means the server answered at
// the HTTP level.
func answered(err error) bool {
	var (
		se *StatusError
		re *RPCError
	)
	return err == nil || errors.As(err, &se) || errors.As(err, &re)
}

// countTools decodes a tools/list answer.
func countTools(resp *Response) (int, bool, error) {
	msg, err := resp.Decode()
	if err != nil {
		return 0, false, fmt.Errorf("decode tools/list: %w", err)
	}
	var r struct {
		Tools      []json.RawMessage `json:"tools"`
		NextCursor string            `json:"nextCursor"`
	}
	if err := json.Unmarshal(msg.Result, &r); err != nil {
		return 0, false, fmt.Errorf("decode tools/list result: %w", err)
	}
	return len(r.Tools), r.NextCursor != "", nil
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}
