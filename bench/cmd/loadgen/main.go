// Command loadgen measures the rest2mcp gateway: call latency and
// throughput against the direct REST call, and cold start, memory and
// tools/list latency for large specs. It only reports; see bench/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rest2mcp/rest2mcp/bench"
)

func main() { bench.Main("loadgen", 2, run) }

// config is the parsed command line.
type config struct {
	repo, bin       string
	calls, cold     bool
	concurrency     []int
	load            bench.LoadOptions
	era             bench.Era
	specs           []string
	runs, warmLists int
	rounds          int
	gatewayArgs     []string
	jsonOut         bool
	verbose         bool
	env             []string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	var conc, era string
	var specs, env, gwArgs listFlag
	fs.StringVar(&c.repo, "repo", "", "module root (default: found from the working directory)")
	fs.StringVar(&c.bin, "bin", "", "gateway binary (default: go build ./cmd/rest2mcp into a temp dir)")
	fs.BoolVar(&c.calls, "calls", true, "run the call latency/throughput benchmark")
	fs.BoolVar(&c.cold, "cold", true, "run the cold-start benchmark on every --spec")
	fs.StringVar(&conc, "concurrency", "1,8,64", "comma-separated worker counts for the call benchmark")
	fs.DurationVar(&c.load.Warmup, "warmup", time.Second, "warm-up per call run")
	fs.DurationVar(&c.load.Duration, "duration", 5*time.Second, "measured duration per call run")
	fs.IntVar(&c.load.MaxRequests, "requests", 200_000, "request cap per measured call run")
	fs.IntVar(&c.load.WarmupRequests, "warmup-requests", 50_000, "request cap per warm-up")
	fs.IntVar(&c.rounds, "rounds", 1, "direct/gateway run pairs per concurrency (order alternates; figures are medians)")
	fs.StringVar(&era, "era", "modern", "MCP protocol era of the client: modern or legacy")
	fs.Var(&specs, "spec", "spec for the cold-start benchmark, repeatable; \"octokit\" means "+bench.OctokitSpecPath+" (default octokit)")
	fs.IntVar(&c.runs, "runs", 3, "gateway starts per spec")
	fs.IntVar(&c.warmLists, "warm-lists", 50, "warm tools/list calls per start")
	fs.BoolVar(&c.jsonOut, "json", false, "write the report as JSON instead of tables")
	fs.BoolVar(&c.verbose, "v", false, "log progress to stderr")
	fs.Var(&env, "gateway-env", "KEY=VALUE added to the gateway's environment, repeatable (e.g. GOGC=200)")
	fs.Var(&gwArgs, "gateway-arg", "extra argument for `rest2mcp serve`, repeatable (e.g. --gateway-arg=--log-level=warn)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if c.era, err = bench.ParseEra(era); err != nil {
		return nil, err
	}
	if c.concurrency, err = parseInts(conc); err != nil {
		return nil, fmt.Errorf("--concurrency: %w", err)
	}
	c.specs, c.env, c.gatewayArgs = specs, env, gwArgs
	if len(c.specs) == 0 {
		c.specs = []string{"octokit"}
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if cfg.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if cfg.repo == "" {
		if cfg.repo, err = bench.FindModuleRoot("."); err != nil {
			return err
		}
	}
	specs, err := resolveSpecs(cfg)
	if err != nil {
		return err
	}
	bin := cfg.bin
	if bin == "" {
		dir, err := os.MkdirTemp("", "loadgen-")
		if err != nil {
			return fmt.Errorf("make build dir: %w", err)
		}
		defer os.RemoveAll(dir)
		logger.Info("building gateway", "dir", dir)
		if bin, err = bench.BuildGateway(ctx, cfg.repo, dir); err != nil {
			return err
		}
	}

	rep := &bench.Report{
		Command: "loadgen " + strings.Join(args, " "),
		Machine: bench.DescribeMachine(),
		Targets: bench.DefaultTargets(),
	}
	if cfg.calls {
		rep.Calls, err = bench.RunCallBench(ctx, bench.CallBenchOptions{
			Binary:      bin,
			Spec:        filepath.Join(cfg.repo, filepath.FromSlash(bench.PetstoreSpecPath)),
			Era:         cfg.era,
			Concurrency: cfg.concurrency,
			Load:        cfg.load,
			Rounds:      cfg.rounds,
			Env:         cfg.env,
			Args:        cfg.gatewayArgs,
			Logger:      logger,
		})
		if err != nil {
			return err
		}
	}
	for _, spec := range specs {
		logger.Info("measuring cold start", "spec", spec)
		res, err := bench.MeasureColdStart(ctx, bench.ColdStartOptions{
			Binary: bin, Spec: spec, Era: cfg.era, Runs: cfg.runs, WarmCalls: cfg.warmLists,
			Env: cfg.env, Args: cfg.gatewayArgs,
		})
		if err != nil {
			return err
		}
		rep.ColdStarts = append(rep.ColdStarts, res)
	}
	rep.Machine.LoadEnd = bench.LoadAverage()
	rep.Evaluate()
	if cfg.jsonOut {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteText(stdout)
}

// resolveSpecs expands the "octokit" keyword and checks every spec exists.
func resolveSpecs(cfg *config) ([]string, error) {
	if !cfg.cold {
		return nil, nil
	}
	out := make([]string, 0, len(cfg.specs))
	for _, s := range cfg.specs {
		if s == "octokit" {
			p, err := bench.OctokitSpec(cfg.repo)
			if err != nil {
				return nil, err
			}
			s = p
		}
		if _, err := os.Stat(s); err != nil {
			return nil, fmt.Errorf("--spec: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// listFlag is a repeatable string flag.
type listFlag []string

// String implements flag.Value.
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set implements flag.Value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}
