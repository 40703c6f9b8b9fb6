package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one request of a load run. It returns an error when the request
// failed (transport error, bad status, error result).
type Op func(ctx context.Context) error

// LoadOptions bounds a load run. Every phase stops at whichever bound it
// reaches first.
type LoadOptions struct {
	// Concurrency is the number of closed-loop workers. Zero means 1.
	Concurrency int
	// Warmup is the duration of the unmeasured warm-up phase. Zero means
	// no warm-up.
	Warmup time.Duration
	// WarmupRequests caps the warm-up phase's requests. Zero means
	// DefaultMaxRequests.
	WarmupRequests int
	// Duration is the duration of the measured phase. Zero means
	// DefaultDuration.
	Duration time.Duration
	// MaxRequests caps the measured phase's requests. Zero means
	// DefaultMaxRequests.
	MaxRequests int
}

// Defaults of [LoadOptions].
const (
	DefaultDuration    = 5 * time.Second
	DefaultMaxRequests = 500_000
)

// ErrAllFailed is returned by [RunLoad] when not a single measured request
// succeeded.
var ErrAllFailed = errors.New("every request failed")

// RunLoad runs op in a closed loop on Concurrency workers: first the
// warm-up phase, whose results are dropped, then the measured phase. A
// cancelled ctx ends the run early; the summary then covers what was
// measured so far. It returns [ErrAllFailed] (with the summary) when
// requests were made and all of them failed.
func RunLoad(ctx context.Context, op Op, opts LoadOptions) (Summary, error) {
	o := opts
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	if o.WarmupRequests == 0 {
		o.WarmupRequests = DefaultMaxRequests
	}
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.MaxRequests == 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.Warmup > 0 {
		runPhase(ctx, op, o.Concurrency, o.Warmup, o.WarmupRequests, false)
	}
	p := runPhase(ctx, op, o.Concurrency, o.Duration, o.MaxRequests, true)
	s := Summarize(p.samples, p.errors, p.elapsed)
	s.FirstError = p.firstError
	if s.Requests > 0 && s.Errors == s.Requests {
		return s, ErrAllFailed
	}
	return s, nil
}

// phase is the raw outcome of one phase.
type phase struct {
	samples    []time.Duration
	errors     int
	firstError string
	elapsed    time.Duration
}

// worker is one worker's share of a phase.
type worker struct {
	samples    []time.Duration
	errors     int
	firstError string
	firstAt    time.Time
}

func runPhase(ctx context.Context, op Op, conc int, d time.Duration, maxRequests int, record bool) phase {
	var budget atomic.Int64
	budget.Store(int64(maxRequests))
	workers := make([]worker, conc)
	var wg sync.WaitGroup
	start := time.Now()
	// Requests in flight at the deadline are allowed to finish (and are
	// counted, elapsed covering them) rather than cancelled: cancelling
	// would close their keep-alive connections before the next phase.
	deadline := start.Add(d)
	for i := range workers {
		w := &workers[i]
		if record {
			w.samples = make([]time.Duration, 0, min(maxRequests/conc+1, 1<<16))
		}
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) && budget.Add(-1) >= 0 {
				t0 := time.Now()
				err := op(ctx)
				lat := time.Since(t0)
				if ctx.Err() != nil {
					// The run was cancelled during the request: it is
					// neither a complete sample nor a server failure.
					return
				}
				if !record {
					continue
				}
				if err != nil {
					w.errors++
					if w.firstError == "" {
						w.firstError, w.firstAt = err.Error(), t0
					}
					continue
				}
				w.samples = append(w.samples, lat)
			}
		})
	}
	wg.Wait()
	p := phase{elapsed: time.Since(start)}
	var firstAt time.Time
	for _, w := range workers {
		p.samples = append(p.samples, w.samples...)
		p.errors += w.errors
		if w.firstError != "" && (firstAt.IsZero() || w.firstAt.Before(firstAt)) {
			p.firstError, firstAt = w.firstError, w.firstAt
		}
	}
	return p
}
