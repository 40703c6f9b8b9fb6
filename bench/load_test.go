package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunLoadBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        LoadOptions
		failEvery   int64
		wantCalls   int64
		wantReqs    int
		wantErrors  int
		wantErrText string
		wantErr     error
	}{
		{
			name:      "request cap, one worker",
			opts:      LoadOptions{Concurrency: 1, Duration: time.Minute, MaxRequests: 25},
			wantCalls: 25, wantReqs: 25,
		},
		{
			name:      "request caps with warm-up, many workers",
			opts:      LoadOptions{Concurrency: 8, Warmup: time.Minute, WarmupRequests: 10, Duration: time.Minute, MaxRequests: 100},
			wantCalls: 110, wantReqs: 100,
		},
		{
			name:      "failures are counted, not sampled",
			opts:      LoadOptions{Concurrency: 4, Duration: time.Minute, MaxRequests: 40},
			failEvery: 4, wantCalls: 40, wantReqs: 40, wantErrors: 10, wantErrText: "boom",
		},
		{
			name:      "all failed",
			opts:      LoadOptions{Concurrency: 2, Duration: time.Minute, MaxRequests: 6},
			failEvery: 1, wantCalls: 6, wantReqs: 6, wantErrors: 6, wantErrText: "boom", wantErr: ErrAllFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			op := func(context.Context) error {
				n := calls.Add(1)
				if tt.failEvery > 0 && n%tt.failEvery == 0 {
					return errors.New("boom")
				}
				return nil
			}
			s, err := RunLoad(t.Context(), op, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("RunLoad error = %v, want %v", err, tt.wantErr)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("op calls = %d, want %d", got, tt.wantCalls)
			}
			if s.Requests != tt.wantReqs || s.Errors != tt.wantErrors || s.FirstError != tt.wantErrText {
				t.Errorf("summary requests=%d errors=%d first=%q, want %d %d %q",
					s.Requests, s.Errors, s.FirstError, tt.wantReqs, tt.wantErrors, tt.wantErrText)
			}
		})
	}
}

func TestRunLoadDurationBound(t *testing.T) {
	t.Parallel()
	// Only the time bound can stop this run; the test checks that it does
	// and that the summary is consistent, not how long it took.
	s, err := RunLoad(t.Context(), func(context.Context) error {
		time.Sleep(time.Millisecond)
		return nil
	}, LoadOptions{Concurrency: 2, Duration: 30 * time.Millisecond, MaxRequests: 1 << 30})
	if err != nil {
		t.Fatalf("RunLoad: %v", err)
	}
	if s.Requests == 0 || s.Throughput <= 0 || s.P50 <= 0 || s.P50 > s.Max {
		t.Errorf("inconsistent summary %+v", s)
	}
}

func TestRunLoadCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	var calls atomic.Int64
	op := func(ctx context.Context) error {
		if calls.Add(1) == 5 {
			cancel()
		}
		return ctx.Err()
	}
	s, err := RunLoad(ctx, op, LoadOptions{Concurrency: 1, Duration: time.Hour, MaxRequests: 1 << 30})
	if err != nil {
		t.Fatalf("RunLoad: %v", err)
	}
	if s.Requests != 4 || s.Errors != 0 {
		t.Errorf("summary requests=%d errors=%d, want 4 and 0 (the cancelled request is dropped)", s.Requests, s.Errors)
	}
}
