package config

import (
	"net/url"
	"strings"
)

// Tracing configures OpenTelemetry tracing. Tracing is off unless this
// section is set or the standard OTEL_* environment variables ask for it
// (OTEL_TRACES_EXPORTER=otlp, OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); OTEL_SDK_DISABLED=true turns it off
// whatever is configured. Spans are exported over OTLP/HTTP.
type Tracing struct {
	// Endpoint is the OTLP/HTTP traces URL of the collector, e.g.
	// http://otel-collector:4318/v1/traces. Empty means the OTEL_EXPORTER_OTLP_*
	// variables, else http://localhost:4318/v1/traces.
	Endpoint string `json:"endpoint,omitempty"`
	// SampleRatio is the fraction of new traces recorded, from 0 to 1;
	// a request that carries a sampled traceparent is always recorded.
	// Unset means OTEL_TRACES_SAMPLER, else every trace.
	SampleRatio *float64 `json:"sampleRatio,omitempty"`
	// ServiceName is the service.name resource attribute (default
	// rest2mcp; OTEL_SERVICE_NAME takes precedence).
	ServiceName string `json:"serviceName,omitempty"`
}

// AuditLog sends the audit records (one per authorization decision) to
// their own sink, as JSON lines, instead of the process log.
type AuditLog struct {
	// Output is "stdout", "stderr" or a file path (relative to the
	// configuration file); a file is created if needed and appended to.
	Output string `json:"output"`
}

// validateObservability checks Tracing and AuditLog.
func (c *Config) validateObservability(p *problems) {
	if t := c.Tracing; t != nil {
		if t.Endpoint != "" {
			u, err := url.Parse(t.Endpoint)
			if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				p.add("tracing.endpoint", "must be an absolute http(s) URL of an OTLP/HTTP collector, e.g. http://otel-collector:4318/v1/traces, got %q", t.Endpoint)
			}
		}
		if r := t.SampleRatio; r != nil && (*r < 0 || *r > 1 || *r != *r) {
			p.add("tracing.sampleRatio", "must be between 0 and 1, got %v", *r)
		}
		if t.ServiceName != "" && strings.TrimSpace(t.ServiceName) == "" {
			p.add("tracing.serviceName", "must not be blank")
		}
	}
	if a := c.AuditLog; a != nil && strings.TrimSpace(a.Output) == "" {
		p.add("auditLog.output", `is required: "stdout", "stderr" or a file path`)
	}
}

// isFile reports whether the audit log goes to a file.
func (a *AuditLog) isFile() bool {
	return a != nil && a.Output != "" && a.Output != "stdout" && a.Output != "stderr"
}
