package gateway

import (
	"context"
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// outcome indexes outcomes.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeToolError
	outcomeUpstream4xx
	outcomeUpstream5xx
	outcomeTransportError
	outcomeDenied
)

// outcomes are the outcome label values, indexed by outcome.
var outcomes = [...]string{
	outcomeOK:             "ok",
	outcomeToolError:      "tool_error",
	outcomeUpstream4xx:    "upstream_4xx",
	outcomeUpstream5xx:    "upstream_5xx",
	outcomeTransportError: "transport_error",
	outcomeDenied:         "denied",
}

// outcomeOf classifies a tool call result. Arguments the upstream request
// cannot be built from, credentials that cannot be obtained, redirects
// that are not followed and 2xx responses that do not fit the declared
// output are tool errors.
func outcomeOf(r *mcpgen.Result) outcome {
	if !r.MCP.IsError {
		return outcomeOK
	}
	if _, ok := errors.AsType[*mcpgen.ForbiddenError](r.Err); ok {
		return outcomeDenied
	}
	if _, ok := errors.AsType[*mcpgen.TransportError](r.Err); ok {
		return outcomeTransportError
	}
	if ue, ok := errors.AsType[*mcpgen.UpstreamError](r.Err); ok {
		switch {
		case ue.Status >= 500:
			return outcomeUpstream5xx
		case ue.Status >= 400:
			return outcomeUpstream4xx
		}
	}
	return outcomeToolError
}

// toolSeries holds the rest2mcp_tool_calls_total children of one tool,
// each resolved on first use: a large API has thousands of tools, and a
// series per tool and outcome that never occurred would bloat every
// scrape.
type toolSeries struct {
	am       *apiMetrics
	tool     string
	once     [len(outcomes)]sync.Once
	counters [len(outcomes)]prometheus.Counter
}

func (s *toolSeries) inc(o outcome) {
	s.once[o].Do(func() { s.counters[o] = s.am.m.toolCalls.WithLabelValues(s.am.api, s.tool, outcomes[o]) })
	s.counters[o].Inc()
}

// deniedCall counts a tools/call refused before it reached the tool
// handler (the scope pre-check). tool must be a tool of the snapshot.
func (am *apiMetrics) deniedCall(tool string) {
	am.m.toolCalls.WithLabelValues(am.api, tool, outcomes[outcomeDenied]).Inc()
}

// toolSeriesFor returns the counters of a tool, created once per tool
// name for the API's lifetime.
func (am *apiMetrics) toolSeriesFor(tool string) *toolSeries {
	if s, ok := am.tools.Load(tool); ok {
		return s.(*toolSeries)
	}
	s, _ := am.tools.LoadOrStore(tool, &toolSeries{am: am, tool: tool})
	return s.(*toolSeries)
}

// observeResult counts and times one tool call (the invoker's OnResult
// hook).
func (am *apiMetrics) observeResult(_ context.Context, t *mcpgen.Tool, r *mcpgen.Result) {
	am.toolSeriesFor(t.Name).inc(outcomeOf(r))
	am.toolTime.Observe(r.Duration.Seconds())
}
