package bench

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestPercentile(t *testing.T) {
	t.Parallel()
	ten := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(float64(i + 1))
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single", []time.Duration{ms(7)}, 99, ms(7)},
		{"p50 of ten", ten, 50, ms(5)},
		{"p90 of ten", ten, 90, ms(9)},
		{"p99 of ten is the max", ten, 99, ms(10)},
		{"p100", ten, 100, ms(10)},
		{"p0 is the min", ten, 0, ms(1)},
		{"p51 of ten rounds up", ten, 51, ms(6)},
		{"p99 of hundred", hundred, 99, ms(99)},
		{"p99.5 of hundred", hundred, 99.5, ms(100)},
		{"p50 of two", []time.Duration{ms(1), ms(2)}, 50, ms(1)},
		{"above 100 clamps", ten, 150, ms(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p=%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	samples := []time.Duration{ms(4), ms(1), ms(3), ms(2)}
	got := Summarize(samples, 1, 2*time.Second)
	want := Summary{
		Requests: 5, Errors: 1, Elapsed: 2 * time.Second, Throughput: 2,
		Min: ms(1), Mean: ms(2.5), P50: ms(2), P90: ms(4), P99: ms(4), Max: ms(4),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{ms(1), ms(2), ms(3), ms(4)}, samples); diff != "" {
		t.Errorf("samples not sorted in place (-want +got):\n%s", diff)
	}
	if got := Summarize(nil, 3, 0); got != (Summary{Requests: 3, Errors: 3}) {
		t.Errorf("Summarize(no samples) = %+v", got)
	}
}

func TestSummaryJSON(t *testing.T) {
	t.Parallel()
	s := Summary{Requests: 2, Elapsed: time.Second, Throughput: 2, P50: 1234567 * time.Nanosecond, P99: ms(2)}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{"p50_ms": 1.235, "p99_ms": 2, "elapsed_ms": 1000, "throughput_rps": 2, "requests": 2} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
}
