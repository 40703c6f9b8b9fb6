// Command soak runs rest2mcp under steady load for a long time: two
// replicas (gateway processes) protected by a JWT issuer, tools/call
// round-robin from 64 workers, 10 minutes by default. It prints the calls,
// the failures (the goal is 0), each replica's RSS after the warm-up and at
// the end, and p50/p99. Not part of CI: run it with `make soak`
// (SOAK_DURATION=1m make soak for a short run). See bench/README.md.
//
//	go run ./bench/cmd/soak --duration 10m --concurrency 64
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/rest2mcp/rest2mcp/bench"
)

func main() { bench.Main("soak", 0, run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		o       bench.SoakOptions
		bin     string
		era     string
		jsonOut bool
	)
	fs.StringVar(&bin, "bin", "", "gateway binary (default: go build ./cmd/rest2mcp into a temp dir)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Minute, "how long the load runs")
	fs.DurationVar(&o.Warmup, "warmup", 5*time.Second, "warm-up before the start figures")
	fs.IntVar(&o.Concurrency, "concurrency", 64, "closed-loop workers")
	fs.IntVar(&o.Replicas, "replicas", 2, "gateway processes, called round-robin")
	fs.StringVar(&era, "era", "modern", "protocol era: modern or legacy")
	fs.BoolVar(&jsonOut, "json", false, "JSON output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	e, err := bench.ParseEra(era)
	if err != nil {
		return err
	}
	o.Era = e
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	repo, err := bench.FindModuleRoot(".")
	if err != nil {
		return err
	}
	if bin == "" {
		dir, err := os.MkdirTemp("", "soak-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if bin, err = bench.BuildGateway(ctx, repo, dir); err != nil {
			return err
		}
	}
	o.Binary = bin
	o.Spec = filepath.Join(repo, filepath.FromSlash(bench.PetstoreSpecPath))
	load1 := bench.LoadAverage()
	res, err := bench.RunSoak(ctx, o)
	if res == nil {
		return err
	}
	load2 := bench.LoadAverage()
	if jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(map[string]any{"load_start": load1, "load_end": load2, "result": res}); jerr != nil {
			return jerr
		}
		return err
	}
	s := res.Summary
	fmt.Fprintf(stdout, "soak: %d replicas, c=%d, %s era, %v (load average %.1f → %.1f)\n", len(res.Replicas), res.Concurrency, res.Era, s.Elapsed.Round(time.Second), load1, load2)
	fmt.Fprintf(stdout, "calls %d, failures %d, %.0f calls/s, p50 %.3f ms, p99 %.3f ms, max %.1f ms\n", s.Requests, s.Errors, s.Throughput, ms(s.P50), ms(s.P99), ms(s.Max))
	if s.FirstError != "" {
		fmt.Fprintf(stdout, "first failure: %s\n", s.FirstError)
	}
	for i, r := range res.Replicas {
		fmt.Fprintf(stdout, "replica %d: calls %d, failures %d, RSS %.1f MiB → %.1f MiB (peak %.1f MiB)\n", i+1, r.Calls, r.Failures,
			mib(r.Start.RSS), mib(r.End.RSS), mib(r.End.PeakRSS))
	}
	return err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mib(b int64) float64        { return float64(b) / (1 << 20) }
