package main

import (
	"flag"
	"io"
	"testing"
)

func TestMetricsFlags(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantMetrics bool
		wantListen  string
		wantOnMain  bool
	}{
		{"off by default", nil, false, "", false},
		{"--metrics on a loopback listener", []string{"--metrics"}, true, "", true},
		{"--metrics-listen implies --metrics", []string{"--metrics-listen", "127.0.0.1:9090"}, true, "127.0.0.1:9090", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var f serveFlags
			f.register(fs)
			if err := fs.Parse(append([]string{"--spec", "petstore.yaml", "--name", "petstore"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			cfg, _, err := f.buildConfig(t.Context(), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Metrics != tc.wantMetrics || cfg.MetricsListen != tc.wantListen || cfg.MetricsOnMainListener() != tc.wantOnMain {
				t.Errorf("metrics %v, metricsListen %q, on main listener %v; want %v, %q, %v",
					cfg.Metrics, cfg.MetricsListen, cfg.MetricsOnMainListener(), tc.wantMetrics, tc.wantListen, tc.wantOnMain)
			}
		})
	}
}
