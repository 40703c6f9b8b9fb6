// Command floorbench measures tools/call through rest2mcp against the
// floor relay (bench/cmd/floorrelay) in the same run: open and protected
// (JWT) endpoints, both protocol eras, rounds interleaved. Every figure is
// printed with its ratio to the floor. See bench/README.md.
//
//	go run ./bench/cmd/floorbench --rounds 3 --duration 3s
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
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rest2mcp/rest2mcp/bench"
)

func main() { bench.Main("floorbench", 0, run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("floorbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		bin, floorBin, conc, eras string
		o                         bench.FloorBenchOptions
		jsonOut, verbose          bool
		env                       string
	)
	fs.StringVar(&bin, "bin", "", "gateway binary (default: go build ./cmd/rest2mcp into a temp dir)")
	fs.StringVar(&floorBin, "floor-bin", "", "floor relay binary (default: go build ./bench/cmd/floorrelay into a temp dir)")
	fs.StringVar(&conc, "concurrency", "1,64", "comma-separated worker counts")
	fs.StringVar(&eras, "eras", "modern,legacy", "comma-separated protocol eras")
	fs.IntVar(&o.Rounds, "rounds", 3, "rounds per era and concurrency (target order rotates; figures are medians)")
	fs.DurationVar(&o.Load.Warmup, "warmup", time.Second, "warm-up per run")
	fs.IntVar(&o.Load.WarmupRequests, "warmup-requests", 50_000, "request cap per warm-up")
	fs.DurationVar(&o.Load.Duration, "duration", 3*time.Second, "measured duration per run")
	fs.IntVar(&o.Load.MaxRequests, "requests", 200_000, "request cap per measured run")
	fs.StringVar(&env, "gateway-env", "", "comma-separated KEY=VALUE added to the gateways' environment (e.g. REST2MCP_FASTPATH=off)")
	fs.BoolVar(&jsonOut, "json", false, "JSON output")
	fs.BoolVar(&verbose, "v", false, "progress on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, c := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return fmt.Errorf("--concurrency: bad value %q", c)
		}
		o.Concurrency = append(o.Concurrency, n)
	}
	for _, e := range strings.Split(eras, ",") {
		era, err := bench.ParseEra(strings.TrimSpace(e))
		if err != nil {
			return err
		}
		o.Eras = append(o.Eras, era)
	}
	if env != "" {
		o.Env = strings.Split(env, ",")
	}
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	repo, err := bench.FindModuleRoot(".")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "floorbench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		if bin, err = bench.BuildGateway(ctx, repo, dir); err != nil {
			return err
		}
	}
	if floorBin == "" {
		if floorBin, err = bench.BuildCommand(ctx, repo, dir, "./bench/cmd/floorrelay"); err != nil {
			return err
		}
	}
	o.Binary, o.FloorBinary = bin, floorBin
	o.Spec = filepath.Join(repo, filepath.FromSlash(bench.PetstoreSpecPath))
	load1 := bench.LoadAverage()
	res, err := bench.RunFloorBench(ctx, o)
	if err != nil {
		return err
	}
	load2 := bench.LoadAverage()
	if jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"load_start": load1, "load_end": load2, "results": res})
	}
	fmt.Fprintf(stdout, "floorbench %s (load average %.1f → %.1f)\n\n", strings.Join(args, " "), load1, load2)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "era\tc\ttarget\tp50 ms\tp99 ms\treq/s\tCPU µs/call\tp50 ÷ floor\treq/s ÷ floor\t")
	for _, r := range res {
		for _, t := range []bench.FloorTarget{bench.TargetFloor, bench.TargetOpen, bench.TargetProtected} {
			s := r.Summaries[t]
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.3f\t%.3f\t%.0f\t%.0f\t%.2f×\t%.2f×\t\n", r.Era, r.Concurrency, t,
				ms(s.P50), ms(s.P99), s.Throughput, r.CPUPerCallUs[t], r.P50Ratio[t], r.ThroughputRatio[t])
		}
	}
	return tw.Flush()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
