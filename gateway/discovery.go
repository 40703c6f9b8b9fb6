package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/policies"
)

// Discovery mode.
//
// An API in discovery mode lists four tools instead of one per operation
// (see [config.ModeDiscovery]). The operation tools still exist in the
// snapshot — policy, decisions, credentials, invoker and metrics are
// built for them exactly as in tools mode — and the discovery tools only
// resolve a call to one of them:
//
//   - search_operations and describe_operation read the snapshot's search
//     index and tools, showing only what the caller may see under the
//     API's visibility mode;
//   - call_operation and call_read_operation name an operation tool; the
//     HTTP pre-check resolves that name from the arguments (calledTools),
//     so the operation's own decision is made, audited and, on refusal,
//     answered with its 403 insufficient_scope challenge (step-up); the
//     handler then runs the operation tool's own handler, which validates
//     the arguments against its schema, re-checks the decision, narrows
//     the credentials to its scopes and counts its metrics.

// discovery is the discovery-mode state of a snapshot.
type discovery struct {
	index *mcpgen.SearchIndex
}

// discoveryMode reports whether the API lists the discovery tools.
func (s *Snapshot) discoveryMode() bool { return s.cfg.Mode == config.ModeDiscovery }

// discoveryTools builds the discovery state and returns the four tools
// with their handlers (bound to this snapshot).
func (s *Snapshot) discoveryTools() []server.ServerTool {
	s.discovery = &discovery{index: mcpgen.NewSearchIndex(s.list)}
	handlers := map[string]server.ToolHandlerFunc{
		mcpgen.SearchOperationsTool:  s.searchOperations,
		mcpgen.DescribeOperationTool: s.describeOperation,
		mcpgen.CallOperationTool:     s.callOperation(false),
		mcpgen.CallReadOperationTool: s.callOperation(true),
	}
	var out []server.ServerTool
	for _, t := range mcpgen.DiscoveryTools(s.name) {
		out = append(out, server.ServerTool{Tool: t.MCPTool(), Handler: handlers[t.Name]})
	}
	return out
}

// instructions are the MCP server instructions of the snapshot.
func (s *Snapshot) instructions() string {
	if s.discoveryMode() {
		return fmt.Sprintf("The %s REST API (%d operations), served by rest2mcp in discovery mode: find operations with search_operations, "+
			"read their arguments with describe_operation, and call them with call_read_operation (read-only) or call_operation.", s.name, len(s.list))
	}
	return fmt.Sprintf("Tools of the %s REST API, served by rest2mcp. Each tool is one HTTP operation; arguments are the operation's parameters and request body fields.", s.name)
}

// calledTools returns the operation tools the JSON-RPC message(s) of the
// request call: the tools/call names in tools mode; in discovery mode, the
// operations call_operation and call_read_operation name in their "tool"
// argument (call_read_operation only for read-only operations: it refuses
// the others without deciding). The pre-check decides on these names.
func (s *Snapshot) calledTools(ctx context.Context) []string {
	calls := callsFrom(ctx)
	names := toolCalls(calls)
	if !s.discoveryMode() || len(names) == 0 {
		return names
	}
	// The body stage decoded the one message (batches are refused before
	// this point); only the meta-tool's "tool" argument is read here. A
	// call whose target cannot be read is refused by its handler.
	var out []string
	for _, c := range calls {
		if c.Method != "tools/call" {
			continue
		}
		var args struct {
			Tool string `json:"tool"`
		}
		if json.Unmarshal(c.Params.Arguments, &args) != nil {
			continue
		}
		switch c.Params.Name {
		case mcpgen.CallOperationTool:
			out = append(out, args.Tool)
		case mcpgen.CallReadOperationTool:
			if t, ok := s.tools[args.Tool]; ok && t.Annotations.ReadOnly {
				out = append(out, t.Name)
			}
		}
	}
	return out
}

// visible decides whether the caller may see t in search and describe
// results, and fills the policy fields: under "granted" visibility only
// tools the caller may call are visible; under "all" every tool is, with
// the scopes a step-up would ask for.
func (s *Snapshot) visible(ctx context.Context, t *mcpgen.Tool) (ok, callable bool, required, missing []string) {
	if s.policy == nil {
		return true, true, []string{}, nil
	}
	d := s.policy.Decide(t.Name, subjectFrom(ctx))
	if !d.Allow && s.policy.Visibility() == policies.VisibilityGranted {
		return false, false, nil, nil
	}
	required = d.Required
	if required == nil {
		required = []string{}
	}
	if !d.Denied {
		missing = d.Missing
	}
	return true, d.Allow, required, missing
}

// searchOperations answers search_operations.
func (s *Snapshot) searchOperations(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args struct {
		Query string `json:"query"`
		Limit *int   `json:"limit"`
	}
	if err := decodeToolArgs(req, &args); err != nil {
		return mcp.NewToolResultError("invalid arguments: " + err.Error()), nil
	}
	if strings.TrimSpace(args.Query) == "" {
		return mcp.NewToolResultError(`invalid arguments: "query" must say what you want to do, e.g. "list open issues"`), nil
	}
	limit := mcpgen.DefaultSearchLimit
	if args.Limit != nil {
		if *args.Limit < 1 || *args.Limit > mcpgen.MaxSearchLimit {
			return mcp.NewToolResultError(fmt.Sprintf("invalid arguments: \"limit\" must be between 1 and %d", mcpgen.MaxSearchLimit)), nil
		}
		limit = *args.Limit
	}
	type fields struct {
		callable          bool
		required, missing []string
	}
	seen := map[*mcpgen.Tool]fields{}
	hits := s.discovery.index.Search(args.Query, limit, func(t *mcpgen.Tool) bool {
		ok, callable, required, missing := s.visible(ctx, t)
		if ok {
			seen[t] = fields{callable, required, missing}
		}
		return ok
	})
	results := make([]mcpgen.OperationSummary, 0, len(hits))
	for _, h := range hits {
		sum := mcpgen.Summarize(h.Tool)
		f := seen[h.Tool]
		sum.Callable, sum.RequiredScopes, sum.MissingScopes = f.callable, f.required, f.missing
		results = append(results, sum)
	}
	out := map[string]any{"results": results}
	text, _ := json.Marshal(out)
	note := ""
	if len(results) == 0 {
		note = "\nNo operation matches; try other words (the API's own terms, a resource name, a verb)."
	}
	return mcp.NewToolResultStructured(out, string(text)+note), nil
}

// describeOperation answers describe_operation.
func (s *Snapshot) describeOperation(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args struct {
		Tool string `json:"tool"`
	}
	if err := decodeToolArgs(req, &args); err != nil {
		return mcp.NewToolResultError("invalid arguments: " + err.Error()), nil
	}
	t, res := s.operationTool(ctx, args.Tool)
	if res != nil {
		return res, nil
	}
	d := mcpgen.Describe(t)
	_, d.Callable, d.RequiredScopes, d.MissingScopes = s.visible(ctx, t)
	text, err := json.Marshal(d)
	if err != nil {
		return mcp.NewToolResultError("internal error: the operation could not be described"), nil
	}
	// The description carries raw schemas; structured content must be an
	// object, which a decoded copy is.
	var structured map[string]any
	_ = json.Unmarshal(text, &structured)
	return mcp.NewToolResultStructured(structured, string(text)), nil
}

// operationTool finds the operation tool a discovery call names; the
// result is an error result when it is unknown or hidden from the caller
// (the two look the same, so hidden operations are not revealed).
func (s *Snapshot) operationTool(ctx context.Context, name string) (*mcpgen.Tool, *mcp.CallToolResult) {
	if name == "" {
		return nil, mcp.NewToolResultError(`invalid arguments: "tool" is required: the tool name of an operation, as search_operations returns it`)
	}
	t, ok := s.tools[name]
	if ok {
		ok, _, _, _ = s.visible(ctx, t)
	}
	if !ok {
		return nil, mcp.NewToolResultError(fmt.Sprintf("unknown operation %q: find operations with search_operations", name))
	}
	return t, nil
}

// callOperation answers call_operation (readOnly false) and
// call_read_operation (readOnly true) by running the named operation's
// own tool handler: argument validation against its schema, the policy
// decision the pre-check made for it, its narrowed credentials, request
// building, response mapping and its metrics.
func (s *Snapshot) callOperation(readOnly bool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args struct {
			Tool      string          `json:"tool"`
			Arguments json.RawMessage `json:"arguments"`
		}
		if err := decodeToolArgs(req, &args); err != nil {
			return mcp.NewToolResultError("invalid arguments: " + err.Error()), nil
		}
		t, res := s.operationTool(ctx, args.Tool)
		if res != nil {
			return res, nil
		}
		if readOnly && !t.Annotations.ReadOnly {
			return mcp.NewToolResultError(fmt.Sprintf("operation %q (%s %s) may change data, so call_read_operation refuses it: use call_operation", t.Name, t.Operation.Method, t.Operation.Path)), nil
		}
		inner := mcp.CallToolRequest{Request: req.Request}
		inner.Params.Name = t.Name
		inner.Params.Meta = req.Params.Meta
		if a := bytes.TrimSpace(args.Arguments); len(a) > 0 && string(a) != "null" {
			inner.Params.RawArguments = a
			inner.Params.Arguments = json.RawMessage(a)
		}
		return s.invoker.Handler(t)(ctx, inner)
	}
}

// decodeToolArgs decodes a discovery tool's arguments object into v,
// refusing unknown fields.
func decodeToolArgs(req mcp.CallToolRequest, v any) error {
	raw := req.Params.RawArguments
	if len(raw) == 0 {
		var err error
		if raw, err = json.Marshal(req.Params.Arguments); err != nil {
			return fmt.Errorf("the arguments must be a JSON object")
		}
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the arguments must be a JSON object with the documented fields: %v", err)
	}
	return nil
}

// Mode returns how the snapshot offers its operations:
// [config.ModeTools] or [config.ModeDiscovery].
func (s *Snapshot) Mode() string {
	if s.discoveryMode() {
		return config.ModeDiscovery
	}
	return config.ModeTools
}
