package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
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

// toolHandler returns the mcp-go handler of t: the invoker's call, with
// its result counted and timed. Arguments are decoded as mcpgen's own
// handler does (numbers kept exact); arguments that are not a JSON object
// are left to that handler, which answers them.
func (a *API) toolHandler(inv *mcpgen.Invoker, t *mcpgen.Tool) server.ToolHandlerFunc {
	plain := inv.Handler(t)
	s := &toolSeries{am: a.metrics, tool: t.Name}
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		args, ok := toolArguments(req)
		if !ok {
			s.inc(outcomeToolError)
			return plain(ctx, req)
		}
		res := inv.Call(ctx, t, args)
		s.inc(outcomeOf(res))
		a.metrics.toolTime.Observe(res.Duration.Seconds())
		return res.MCP, nil
	}
}

// toolArguments returns the arguments object of a call (absent or null
// arguments are an empty one), decoding raw JSON with exact numbers. It
// reports false for anything else.
func toolArguments(req mcp.CallToolRequest) (map[string]any, bool) {
	raw := req.Params.RawArguments
	if len(raw) == 0 {
		switch v := req.Params.Arguments.(type) {
		case nil:
			return map[string]any{}, true
		case map[string]any:
			return v, true
		case json.RawMessage:
			raw = v
		default:
			return nil, false
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var args map[string]any
	if dec.Decode(&args) != nil || dec.More() {
		return nil, false
	}
	if args == nil {
		args = map[string]any{}
	}
	return args, true
}
