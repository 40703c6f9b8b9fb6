// Command bodyflood measures the gateway's memory under many connections
// each sending a large body: an open loopback API, a protected API with
// no token, and one with a forged token (200 connections × 4 MB by
// default). See bench/README.md.
//
//	go run ./bench/cmd/bodyflood --bin /tmp/rest2mcp
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/rest2mcp/rest2mcp/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bodyflood:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var o bench.BodyFloodOptions
	var jsonOut, verbose bool
	var env string
	flag.StringVar(&o.Binary, "bin", "", "gateway binary (default: go build ./cmd/rest2mcp into a temp dir)")
	flag.IntVar(&o.Connections, "connections", 200, "simultaneous connections")
	flag.IntVar(&o.BodyBytes, "body-bytes", 4_000_000, "body size per connection")
	flag.StringVar(&env, "gateway-env", "", "comma-separated KEY=VALUE for the gateway's environment")
	flag.BoolVar(&jsonOut, "json", false, "JSON output")
	flag.BoolVar(&verbose, "v", false, "progress on stderr")
	flag.Parse()
	if env != "" {
		o.Env = strings.Split(env, ",")
	}
	if verbose {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	repo, err := bench.FindModuleRoot(".")
	if err != nil {
		return err
	}
	if o.Binary == "" {
		dir, err := os.MkdirTemp("", "bodyflood-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if o.Binary, err = bench.BuildGateway(ctx, repo, dir); err != nil {
			return err
		}
	}
	o.Spec = filepath.Join(repo, filepath.FromSlash(bench.PetstoreSpecPath))
	res, err := bench.RunBodyFlood(ctx, o)
	if err != nil {
		return err
	}
	if jsonOut {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	fmt.Printf("%d connections × %d-byte bodies\n\n", o.Connections, o.BodyBytes)
	fmt.Printf("%-13s %12s %12s %12s %10s  %s\n", "scenario", "idle RSS", "peak RSS", "RSS after", "elapsed", "answers")
	for _, r := range res {
		var st []string
		for k, v := range r.Statuses {
			st = append(st, fmt.Sprintf("%s×%d", k, v))
		}
		sort.Strings(st)
		fmt.Printf("%-13s %9.1f MiB %9.1f MiB %9.1f MiB %10s  %s\n", r.Scenario, mib(r.IdleRSS), mib(r.Memory.PeakRSS), mib(r.Memory.RSS), r.Elapsed.Round(1e6), strings.Join(st, " "))
	}
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
