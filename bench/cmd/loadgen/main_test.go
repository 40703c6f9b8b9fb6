package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/bench"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantErr  bool
		wantConc []int
		wantSpec []string
		wantEra  bench.Era
		wantDur  time.Duration
	}{
		{name: "defaults", wantConc: []int{1, 8, 64}, wantSpec: []string{"octokit"}, wantEra: bench.EraModern, wantDur: 5 * time.Second},
		{
			name:     "explicit",
			args:     []string{"--concurrency", "2, 4", "--spec", "a.json", "--spec", "b.yaml", "--era", "legacy", "--duration", "1s"},
			wantConc: []int{2, 4}, wantSpec: []string{"a.json", "b.yaml"}, wantEra: bench.EraLegacy, wantDur: time.Second,
		},
		{name: "bad concurrency", args: []string{"--concurrency", "0"}, wantErr: true},
		{name: "bad era", args: []string{"--era", "old"}, wantErr: true},
		{name: "stray argument", args: []string{"extra"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.wantConc, cfg.concurrency); diff != "" {
				t.Errorf("concurrency (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSpec, cfg.specs); diff != "" {
				t.Errorf("specs (-want +got):\n%s", diff)
			}
			if cfg.era != tt.wantEra || cfg.load.Duration != tt.wantDur {
				t.Errorf("era=%v duration=%v, want %v %v", cfg.era, cfg.load.Duration, tt.wantEra, tt.wantDur)
			}
		})
	}
}

func TestResolveSpecs(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	spec := filepath.Join(root, "x.yaml")
	if err := os.WriteFile(spec, []byte("openapi: 3.0.3"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveSpecs(&config{repo: root, cold: true, specs: []string{"octokit"}}); err == nil {
		t.Error("octokit without the e2e test data resolved")
	}
	if _, err := resolveSpecs(&config{repo: root, cold: true, specs: []string{filepath.Join(root, "missing.json")}}); err == nil {
		t.Error("a missing spec resolved")
	}
	got, err := resolveSpecs(&config{repo: root, cold: true, specs: []string{spec}})
	if err != nil || len(got) != 1 || got[0] != spec {
		t.Errorf("resolveSpecs = %v, %v; want [%s]", got, err, spec)
	}
	if got, err := resolveSpecs(&config{repo: root, cold: false, specs: []string{"octokit"}}); err != nil || got != nil {
		t.Errorf("resolveSpecs with --cold=false = %v, %v; want nothing", got, err)
	}
}
