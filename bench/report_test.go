package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMedians(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   []float64
		want float64
	}{
		{"none", nil, 0},
		{"odd", []float64{3, 1, 2}, 2},
		{"even takes lower middle", []float64{4, 1, 3, 2}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := medianFloat(tt.in); got != tt.want {
				t.Errorf("medianFloat(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	got := medianSummary([]Summary{
		{Requests: 10, Errors: 1, FirstError: "a", Elapsed: time.Second, Throughput: 9, P50: ms(3), P99: ms(9)},
		{Requests: 20, Elapsed: time.Second, Throughput: 20, P50: ms(1), P99: ms(5)},
		{Requests: 30, Errors: 2, FirstError: "b", Elapsed: time.Second, Throughput: 28, P50: ms(2), P99: ms(7)},
	})
	want := Summary{Requests: 60, Errors: 3, FirstError: "a", Elapsed: 3 * time.Second, Throughput: 20, P50: ms(2), P99: ms(7)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("medianSummary (-want +got):\n%s", diff)
	}
}

func sampleReport() *Report {
	return &Report{
		Command: "loadgen",
		Machine: Machine{GOOS: "linux", GOARCH: "amd64", CPUs: 2},
		Targets: DefaultTargets(),
		Calls: &CallBenchReport{Era: "modern", Tool: "getPet", DirectPath: "/v1/pets/1", Results: []CallBenchResult{
			{Concurrency: 1, Direct: Summary{Requests: 10, P50: ms(1)}, Gateway: Summary{Requests: 10, P50: ms(2)}, P50Ratio: 2, ThroughputRatio: 0.5},
			{Concurrency: 8, P50Ratio: 9, ThroughputRatio: 0.1},
			{Concurrency: 64, P50Ratio: 3, ThroughputRatio: 0.3},
		}},
		ColdStarts: []*ColdStartResult{{
			Spec: "/x/api.github.com.json", Tools: 1200, StartToList: 900 * time.Millisecond,
			PeakRSS: 100 << 20, WarmListP50: 4 * time.Millisecond,
		}},
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	r.Evaluate()
	want := []Check{
		{Name: "p50 gateway/direct, c=1", Value: "2.00x", Target: "<= 2.50x", OK: true},
		{Name: "throughput gateway/direct, c=64", Value: "0.30x", Target: ">= 0.40x", Miss: "0.75x the target (-25%)"},
		{Name: "api.github.com.json: start -> tools/list", Value: "900.0 ms", Target: "<= 700.0 ms", Miss: "1.29x the target (+29%)"},
		{Name: "api.github.com.json: peak RSS", Value: "100.0 MiB", Target: "<= 120.0 MiB", OK: true},
		{Name: "api.github.com.json: warm tools/list p50", Value: "4.0 ms", Target: "<= 5.0 ms", OK: true},
	}
	if diff := cmp.Diff(want, r.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
}

func TestWriteReport(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	r.Evaluate()
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"call latency: direct GET /v1/pets/1", "api.github.com.json", "MISSED: 1.29x", "ratio"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Targets struct {
			MaxStartToListMs float64 `json:"max_start_to_list_ms"`
		} `json:"targets"`
		ColdStarts []struct {
			StartToListMs float64 `json:"start_to_list_ms"`
			Tools         int     `json:"tools"`
		} `json:"cold_starts"`
		Calls struct {
			Results []struct {
				Gateway struct {
					P50Ms float64 `json:"p50_ms"`
				} `json:"gateway"`
			} `json:"results"`
		} `json:"calls"`
		Checks []Check `json:"checks"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("JSON report does not decode: %v\n%s", err, js.String())
	}
	if got.Targets.MaxStartToListMs != 700 || len(got.ColdStarts) != 1 || got.ColdStarts[0].StartToListMs != 900 ||
		got.ColdStarts[0].Tools != 1200 || got.Calls.Results[0].Gateway.P50Ms != 2 || len(got.Checks) != 5 {
		t.Errorf("JSON report has unexpected values: %+v", got)
	}
}
