package bench

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Summary describes the latencies and throughput of one measured run.
type Summary struct {
	// Requests counts completed requests, successful or not.
	Requests int
	// Errors counts failed requests (included in Requests; their
	// latencies are not in the percentiles).
	Errors int
	// FirstError is the message of the first failure, if any.
	FirstError string
	// Elapsed is the wall time of the measured phase.
	Elapsed time.Duration
	// Throughput is successful requests per second of Elapsed.
	Throughput float64
	// Latency percentiles over the successful requests (nearest rank).
	Min, Mean, P50, P90, P99, Max time.Duration
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted, which
// must be in ascending order, by the nearest-rank method: the smallest
// sample such that at least p percent of the samples are less than or
// equal to it. It returns 0 for an empty slice; p ≤ 0 gives the minimum.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Summarize computes a [Summary] from the latencies of the successful
// requests, the number of failures and the measured wall time. samples is
// sorted in place.
func Summarize(samples []time.Duration, errors int, elapsed time.Duration) Summary {
	slices.Sort(samples)
	s := Summary{Requests: len(samples) + errors, Errors: errors, Elapsed: elapsed}
	if elapsed > 0 {
		s.Throughput = float64(len(samples)) / elapsed.Seconds()
	}
	if len(samples) == 0 {
		return s
	}
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	s.Min = samples[0]
	s.Max = samples[len(samples)-1]
	s.Mean = sum / time.Duration(len(samples))
	s.P50 = Percentile(samples, 50)
	s.P90 = Percentile(samples, 90)
	s.P99 = Percentile(samples, 99)
	return s
}

// millis converts d to fractional milliseconds rounded to the microsecond.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

// summaryJSON is the JSON form of a Summary: durations in milliseconds.
type summaryJSON struct {
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	ElapsedMs  float64 `json:"elapsed_ms"`
	Throughput float64 `json:"throughput_rps"`
	MinMs      float64 `json:"min_ms"`
	MeanMs     float64 `json:"mean_ms"`
	P50Ms      float64 `json:"p50_ms"`
	P90Ms      float64 `json:"p90_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
}

// MarshalJSON writes durations as milliseconds.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryJSON{
		Requests: s.Requests, Errors: s.Errors, FirstError: s.FirstError,
		ElapsedMs: millis(s.Elapsed), Throughput: math.Round(s.Throughput*10) / 10,
		MinMs: millis(s.Min), MeanMs: millis(s.Mean), P50Ms: millis(s.P50),
		P90Ms: millis(s.P90), P99Ms: millis(s.P99), MaxMs: millis(s.Max),
	})
}

// ratio returns a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// medianFloat returns the median of xs (the lower middle one for an even
// count), or 0 for none.
func medianFloat(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// medianSummary combines the summaries of repeated runs: counts and
// elapsed times are summed, every other figure is the median over the
// runs (the lower middle one for an even count).
func medianSummary(ss []Summary) Summary {
	var out Summary
	if len(ss) == 0 {
		return out
	}
	med := func(f func(Summary) float64) float64 {
		xs := make([]float64, len(ss))
		for i, s := range ss {
			xs[i] = f(s)
		}
		return medianFloat(xs)
	}
	dur := func(f func(Summary) time.Duration) time.Duration {
		return time.Duration(med(func(s Summary) float64 { return float64(f(s)) }))
	}
	for _, s := range ss {
		out.Requests += s.Requests
		out.Errors += s.Errors
		out.Elapsed += s.Elapsed
		if out.FirstError == "" {
			out.FirstError = s.FirstError
		}
	}
	out.Throughput = med(func(s Summary) float64 { return s.Throughput })
	out.Min = dur(func(s Summary) time.Duration { return s.Min })
	out.Mean = dur(func(s Summary) time.Duration { return s.Mean })
	out.P50 = dur(func(s Summary) time.Duration { return s.P50 })
	out.P90 = dur(func(s Summary) time.Duration { return s.P90 })
	out.P99 = dur(func(s Summary) time.Duration { return s.P99 })
	out.Max = dur(func(s Summary) time.Duration { return s.Max })
	return out
}
