// Command specload measures uncached spec loading by the rest2mcp binary:
// "rest2mcp tools --spec" with an empty cache directory, for GitHub's
// current description and the hostile documents of [bench.HostileSpecs].
// With --base-bin it measures a baseline build in the same run and prints
// the ratios.
//
//	go build -o /tmp/rest2mcp ./cmd/rest2mcp
//	go run ./bench/cmd/specload --bin /tmp/rest2mcp --runs 3 [--base-bin /tmp/rest2mcp-main]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/rest2mcp/rest2mcp/bench"
)

type specList []string

func (s *specList) String() string     { return fmt.Sprint(*s) }
func (s *specList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	bin := flag.String("bin", "", "rest2mcp binary to measure (required)")
	base := flag.String("base-bin", "", "baseline rest2mcp binary measured in the same run (optional)")
	runs := flag.Int("runs", 3, "runs per spec and binary (medians are reported, peak RSS is the maximum)")
	timeout := flag.Duration("timeout", 2*time.Minute, "kill a run after this long")
	hostile := flag.Bool("hostile", true, "also measure the hostile documents (deep and wide schemas)")
	writeHostile := flag.String("write-hostile", "", "only write the hostile documents into this directory (used internally)")
	var specs specList
	flag.Var(&specs, "spec", "spec to measure (repeatable; default GitHub's description from the e2e test data)")
	flag.Parse()
	if *writeHostile != "" {
		if _, err := bench.HostileSpecs(*writeHostile); err != nil {
			fmt.Fprintln(os.Stderr, "specload:", err)
			os.Exit(1)
		}
		return
	}
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "specload: --bin is required")
		os.Exit(2)
	}
	if err := run(*bin, *base, specs, *runs, *timeout, *hostile); err != nil {
		fmt.Fprintln(os.Stderr, "specload:", err)
		os.Exit(1)
	}
}

func run(bin, base string, specs []string, runs int, timeout time.Duration, hostile bool) error {
	ctx := context.Background()
	if len(specs) == 0 {
		root, err := bench.FindModuleRoot(".")
		if err != nil {
			return err
		}
		p, err := bench.OctokitSpec(root)
		if err != nil {
			return err
		}
		specs = append(specs, p)
	}
	if hostile {
		dir, err := os.MkdirTemp("", "rest2mcp-hostile-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// Written by a child process: a measured child's peak RSS (wait4)
		// is at least this process's own peak, which must stay small.
		self, err := os.Executable()
		if err != nil {
			return err
		}
		if out, err := exec.Command(self, "--write-hostile", dir).CombinedOutput(); err != nil {
			return fmt.Errorf("write hostile specs: %v: %s", err, out)
		}
		for _, name := range bench.HostileSpecNames {
			specs = append(specs, filepath.Join(dir, name))
		}
	}
	bins := []string{bin}
	if base != "" {
		bins = append(bins, base)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "spec\tbinary\twall ms\tCPU ms\tpeak RSS MiB\tresult\twall/base\tRSS/base")
	for _, spec := range specs {
		var first summary
		for i, b := range bins {
			rs, err := bench.MeasureSpecLoad(ctx, b, spec, runs, timeout)
			if err != nil {
				return err
			}
			s := summarize(rs)
			ratio := "-\t-"
			if i == 0 {
				first = s
			} else {
				ratio = fmt.Sprintf("%.2f\t%.2f", float64(first.wall)/float64(s.wall), float64(first.rss)/float64(s.rss))
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%s\t%s\n", filepath.Base(spec), filepath.Base(b),
				s.wall.Milliseconds(), s.cpu.Milliseconds(), float64(s.rss)/(1<<20), s.result, ratio)
		}
	}
	return tw.Flush()
}

type summary struct {
	wall, cpu time.Duration
	rss       int64
	result    string
}

func summarize(rs []bench.SpecLoadRun) summary {
	walls := make([]time.Duration, len(rs))
	cpus := make([]time.Duration, len(rs))
	var s summary
	for i, r := range rs {
		walls[i], cpus[i] = r.Wall, r.CPU
		s.rss = max(s.rss, r.MaxRSS)
		s.result = r.Output
		if r.Failed {
			s.result = "refused: " + r.Output
		}
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	s.wall, s.cpu = walls[len(walls)/2], cpus[len(cpus)/2]
	if len(s.result) > 60 {
		s.result = s.result[:60] + "…"
	}
	return s
}
