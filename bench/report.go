package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
	"time"
)

// Report gathers everything one loadgen invocation measured.
type Report struct {
	// Command is the command line that produced the report.
	Command string `json:"command"`
	// Machine describes where it ran.
	Machine Machine `json:"machine"`
	// Targets are the goals the checks compare against.
	Targets Targets `json:"targets"`
	// Calls is the call benchmark, nil when it was not run.
	Calls *CallBenchReport `json:"calls,omitempty"`
	// ColdStarts holds one entry per spec.
	ColdStarts []*ColdStartResult `json:"cold_starts,omitempty"`
	// Checks compares the figures with Targets.
	Checks []Check `json:"checks"`
}

// Targets are the performance goals of the gateway. The cold-start goals
// are defined for GitHub's description (~1,200 operations) and applied to
// every measured spec for comparison.
type Targets struct {
	// MaxP50RatioC1 bounds gateway p50 / direct p50 at concurrency 1.
	MaxP50RatioC1 float64
	// MinThroughputRatioC64 is the least gateway / direct throughput at
	// concurrency 64.
	MinThroughputRatioC64 float64
	// MaxStartToList bounds process start → first tools/list answer.
	MaxStartToList time.Duration
	// MaxPeakRSS bounds VmHWM, in bytes.
	MaxPeakRSS int64
	// MaxWarmList bounds the warm tools/list p50.
	MaxWarmList time.Duration
}

// DefaultTargets returns the project's goals: p50 ratio ≤ 2.5× at c=1,
// throughput ratio ≥ 0.4× at c=64, start → tools/list ≤ 700 ms, peak RSS
// ≤ 120 MiB and warm tools/list ≤ 5 ms.
func DefaultTargets() Targets {
	return Targets{
		MaxP50RatioC1:         2.5,
		MinThroughputRatioC64: 0.4,
		MaxStartToList:        700 * time.Millisecond,
		MaxPeakRSS:            120 << 20,
		MaxWarmList:           5 * time.Millisecond,
	}
}

// Check is one comparison of a figure with its target.
type Check struct {
	// Name says what is compared.
	Name string `json:"name"`
	// Value and Target are formatted for reading.
	Value  string `json:"value"`
	Target string `json:"target"`
	// OK tells whether the target is met.
	OK bool `json:"ok"`
	// Miss says by how much a missed target is missed ("" when met).
	Miss string `json:"miss,omitempty"`
}

// Evaluate fills r.Checks from the figures and r.Targets.
func (r *Report) Evaluate() {
	t := r.Targets
	r.Checks = nil
	if r.Calls != nil {
		for _, res := range r.Calls.Results {
			switch res.Concurrency {
			case 1:
				v := res.P50Ratio
				r.Checks = append(r.Checks, Check{
					Name:  "p50 gateway/direct, c=1",
					Value: fmt.Sprintf("%.2fx", v), Target: fmt.Sprintf("<= %.2fx", t.MaxP50RatioC1),
					OK: v <= t.MaxP50RatioC1, Miss: missAbove(v, t.MaxP50RatioC1),
				})
			case 64:
				v := res.ThroughputRatio
				r.Checks = append(r.Checks, Check{
					Name:  "throughput gateway/direct, c=64",
					Value: fmt.Sprintf("%.2fx", v), Target: fmt.Sprintf(">= %.2fx", t.MinThroughputRatioC64),
					OK: v >= t.MinThroughputRatioC64, Miss: missBelow(v, t.MinThroughputRatioC64),
				})
			}
		}
	}
	for _, cs := range r.ColdStarts {
		name := filepath.Base(cs.Spec)
		start, warm := float64(cs.StartToList), float64(cs.WarmListP50)
		rss := float64(cs.PeakRSS)
		r.Checks = append(r.Checks,
			Check{
				Name:  name + ": start -> tools/list",
				Value: fmtMs(cs.StartToList), Target: "<= " + fmtMs(t.MaxStartToList),
				OK: cs.StartToList <= t.MaxStartToList, Miss: missAbove(start, float64(t.MaxStartToList)),
			},
			Check{
				Name:  name + ": peak RSS",
				Value: fmtMiB(cs.PeakRSS), Target: "<= " + fmtMiB(t.MaxPeakRSS),
				OK: cs.PeakRSS <= t.MaxPeakRSS, Miss: missAbove(rss, float64(t.MaxPeakRSS)),
			},
			Check{
				Name:  name + ": warm tools/list p50",
				Value: fmtMs(cs.WarmListP50), Target: "<= " + fmtMs(t.MaxWarmList),
				OK: cs.WarmListP50 <= t.MaxWarmList, Miss: missAbove(warm, float64(t.MaxWarmList)),
			})
	}
}

// missAbove describes how far v exceeds an upper bound ("" if it does not).
func missAbove(v, bound float64) string {
	if v <= bound || bound == 0 {
		return ""
	}
	return fmt.Sprintf("%.2fx the target (+%.0f%%)", v/bound, (v/bound-1)*100)
}

// missBelow describes how far v falls short of a lower bound.
func missBelow(v, bound float64) string {
	if v >= bound || bound == 0 {
		return ""
	}
	return fmt.Sprintf("%.2fx the target (-%.0f%%)", v/bound, (1-v/bound)*100)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// WriteText writes the report as aligned tables.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	m := r.Machine
	p("machine: %s/%s, %d CPUs (%s), %s, kernel %s; load average %.1f at start, %.1f at end\n",
		m.GOOS, m.GOARCH, m.CPUs, m.CPUModel, m.GoVersion, m.Kernel, m.LoadStart, m.LoadEnd)
	if c := r.Calls; c != nil {
		p("\ncall latency: direct GET %s vs gateway tools/call %s (%s era)\n", c.DirectPath, c.Tool, c.Era)
		p("conc\tpath\trequests\terrors\tp50 ms\tp90 ms\tp99 ms\tmax ms\treq/s\tgateway CPU/call\t\n")
		for _, res := range c.Results {
			for _, row := range []struct {
				name, cpu string
				s         Summary
			}{{"direct", "", res.Direct}, {"gateway", fmt.Sprintf("%.0f µs", res.GatewayCPUPerCallUs), res.Gateway}} {
				s := row.s
				p("%d\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.0f\t%s\t\n", res.Concurrency, row.name, s.Requests, s.Errors,
					millis(s.P50), millis(s.P90), millis(s.P99), millis(s.Max), s.Throughput, row.cpu)
			}
			p("\tratio\t\t\t%.2fx\t\t%.2fx\t\t%.2fx\t\n", res.P50Ratio, res.P99Ratio, res.ThroughputRatio)
		}
	}
	if len(r.ColdStarts) > 0 {
		p("\ncold start (median of runs; peak RSS is the max)\n")
		p("spec\tsize MB\ttools\tlist KB\tfirst answer ms\tstart->list ms\tCPU to list ms\tpeak RSS MiB\twarm list p50 ms\twarm p99 ms\truns\t\n")
		for _, cs := range r.ColdStarts {
			pag := ""
			if cs.Paginated {
				pag = "+"
			}
			p("%s\t%.1f\t%d%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%.2f\t%.2f\t%d\t\n", filepath.Base(cs.Spec), float64(cs.SpecBytes)/1e6,
				cs.Tools, pag, float64(cs.ListBytes)/1024, millis(cs.FirstResponse), millis(cs.StartToList), millis(cs.CPUToList),
				float64(cs.PeakRSS)/(1<<20), millis(cs.WarmListP50), millis(cs.WarmListP99), len(cs.Runs))
		}
	}
	if len(r.Checks) > 0 {
		p("\ntargets\n")
		p("check\tvalue\ttarget\tresult\t\n")
		for _, c := range r.Checks {
			res := "ok"
			if !c.OK {
				res = "MISSED: " + c.Miss
			}
			p("%s\t%s\t%s\t%s\t\n", c.Name, c.Value, c.Target, res)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

func fmtMs(d time.Duration) string { return fmt.Sprintf("%.1f ms", millis(d)) }

func fmtMiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
