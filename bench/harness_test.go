package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tinyLoad keeps harness tests fast: a handful of requests per run.
var tinyLoad = LoadOptions{Warmup: time.Second, WarmupRequests: 3, Duration: 10 * time.Second, MaxRequests: 20}

func writeSpec(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(p, []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunCallBench(t *testing.T) {
	t.Parallel()
	bin, env := fakeGatewayBinary(t)
	for _, era := range []Era{EraModern, EraLegacy} {
		t.Run(era.String(), func(t *testing.T) {
			t.Parallel()
			rep, err := RunCallBench(t.Context(), CallBenchOptions{
				Binary: bin, Env: env, Spec: writeSpec(t), Era: era,
				Concurrency: []int{1, 4}, Load: tinyLoad,
			})
			if err != nil {
				t.Fatalf("RunCallBench: %v", err)
			}
			if rep.Era != era.String() || len(rep.Results) != 2 {
				t.Fatalf("report era=%s results=%d, want %s and 2", rep.Era, len(rep.Results), era)
			}
			for i, res := range rep.Results {
				if want := []int{1, 4}[i]; res.Concurrency != want {
					t.Errorf("result %d concurrency = %d, want %d", i, res.Concurrency, want)
				}
				for name, s := range map[string]Summary{"direct": res.Direct, "gateway": res.Gateway} {
					if s.Requests != tinyLoad.MaxRequests || s.Errors != 0 {
						t.Errorf("c=%d %s: requests=%d errors=%d (%s), want %d and 0",
							res.Concurrency, name, s.Requests, s.Errors, s.FirstError, tinyLoad.MaxRequests)
					}
				}
				if res.P50Ratio <= 0 || res.ThroughputRatio <= 0 {
					t.Errorf("c=%d: ratios not computed: %+v", res.Concurrency, res)
				}
			}
		})
	}
}

func TestMeasureColdStart(t *testing.T) {
	t.Parallel()
	bin, env := fakeGatewayBinary(t)
	for _, era := range []Era{EraModern, EraLegacy} {
		t.Run(era.String(), func(t *testing.T) {
			t.Parallel()
			spec := writeSpec(t)
			res, err := MeasureColdStart(t.Context(), ColdStartOptions{
				Binary: bin, Env: env, Spec: spec, Era: era, Runs: 2, WarmCalls: 5,
			})
			if err != nil {
				t.Fatalf("MeasureColdStart: %v", err)
			}
			if res.Tools != 2 || res.Paginated || res.ListBytes == 0 || len(res.Runs) != 2 {
				t.Errorf("tools=%d paginated=%v listBytes=%d runs=%d, want 2 false >0 2",
					res.Tools, res.Paginated, res.ListBytes, len(res.Runs))
			}
			for i, r := range res.Runs {
				if r.StartToList <= 0 || r.FirstResponse <= 0 || r.FirstResponse > r.StartToList || r.Polls < 1 {
					t.Errorf("run %d: inconsistent times %+v", i, r)
				}
				if r.AfterFirstList.PeakRSS <= 0 || r.AfterWarm.PeakRSS < r.AfterFirstList.PeakRSS {
					t.Errorf("run %d: implausible memory %+v then %+v", i, r.AfterFirstList, r.AfterWarm)
				}
				if r.WarmList.Requests != 5 || r.WarmList.Errors != 0 {
					t.Errorf("run %d: warm list %+v, want 5 requests", i, r.WarmList)
				}
			}
			if res.PeakRSS < res.Runs[0].AfterWarm.PeakRSS || res.StartToList <= 0 || res.WarmListP50 <= 0 {
				t.Errorf("aggregate %+v inconsistent with runs", res)
			}
		})
	}
}

func TestMeasureColdStartGatewayExits(t *testing.T) {
	t.Parallel()
	bin, env := fakeGatewayBinary(t)
	spec := writeSpec(t)
	// The fake gateway exits on an unknown flag: the harness must report
	// the exit, with the process output, instead of polling until its
	// timeout.
	g, err := StartGateway(t.Context(), GatewayOptions{Binary: bin, Env: env, Spec: spec, Upstream: "http://127.0.0.1:9/", Args: []string{"--bogus"}})
	if err != nil {
		t.Fatalf("StartGateway: %v", err)
	}
	c := NewClient(g.Endpoint, nil)
	_, err = pollFirstList(t.Context(), g, c, ColdStartOptions{Timeout: time.Minute, PollInterval: time.Millisecond}, &ColdStartRun{})
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("poll error = %v, want an exit error", err)
	}
	if !strings.Contains(g.Output(), "bogus") {
		t.Errorf("gateway output %q does not mention the bad flag", g.Output())
	}
}

func TestMeasureColdStartMissingSpec(t *testing.T) {
	t.Parallel()
	bin, env := fakeGatewayBinary(t)
	_, err := MeasureColdStart(t.Context(), ColdStartOptions{Binary: bin, Env: env, Spec: filepath.Join(t.TempDir(), "nope.yaml")})
	if err == nil {
		t.Fatal("MeasureColdStart with a missing spec succeeded")
	}
}
