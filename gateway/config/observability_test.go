package config

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateObservability(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{name: "tracing with defaults", yaml: "tracing: {}"},
		{name: "tracing fully set", yaml: "tracing: {endpoint: 'http://otel:4318/v1/traces', sampleRatio: 0.25, serviceName: gw}\nauditLog: {output: stdout}"},
		{
			name: "bad values",
			yaml: "tracing: {endpoint: 'otel:4318', sampleRatio: 1.5, serviceName: ' '}\nauditLog: {output: ''}",
			want: []string{
				`tracing.endpoint: must be an absolute http(s) URL of an OTLP/HTTP collector, e.g. http://otel-collector:4318/v1/traces, got "otel:4318"`,
				`tracing.sampleRatio: must be between 0 and 1, got 1.5`,
				`tracing.serviceName: must not be blank`,
				`auditLog.output: is required: "stdout", "stderr" or a file path`,
			},
		},
		{name: "negative ratio", yaml: "tracing: {sampleRatio: -0.1}", want: []string{`tracing.sampleRatio: must be between 0 and 1, got -0.1`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml + "\napis: [{name: petstore, spec: p.yaml}]"))
			if err != nil {
				t.Fatal(err)
			}
			c.ApplyDefaults()
			var got []string
			if ve, ok := errors.AsType[*ValidationError](c.Validate()); ok {
				got = ve.Problems
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuditLogPathResolved(t *testing.T) {
	for out, want := range map[string]string{"stdout": "stdout", "logs/audit.jsonl": filepath.Join("/etc/r", "logs/audit.jsonl"), "/var/a.jsonl": "/var/a.jsonl"} {
		c := &Config{AuditLog: &AuditLog{Output: out}}
		c.ResolvePaths("/etc/r")
		if c.AuditLog.Output != want {
			t.Errorf("%s resolved to %s, want %s", out, c.AuditLog.Output, want)
		}
	}
}
