package mcpgen

import (
	"encoding/json"
	"fmt"
)

// Names of the tools of discovery mode: instead of one tool per
// operation, an API in discovery mode lists these four, and every call
// names the operation (by its tool name) it is for.
const (
	SearchOperationsTool  = "search_operations"
	DescribeOperationTool = "describe_operation"
	CallOperationTool     = "call_operation"
	CallReadOperationTool = "call_read_operation"
)

// IsDiscoveryTool reports whether name is one of the discovery tools.
func IsDiscoveryTool(name string) bool {
	switch name {
	case SearchOperationsTool, DescribeOperationTool, CallOperationTool, CallReadOperationTool:
		return true
	}
	return false
}

// Search limits of search_operations.
const (
	DefaultSearchLimit = 10
	MaxSearchLimit     = 50
)

// OperationSummary is one search_operations result.
type OperationSummary struct {
	// Tool is the name to pass to describe_operation and call_operation.
	Tool        string `json:"tool"`
	OperationID string `json:"operationId,omitempty"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Summary     string `json:"summary,omitempty"`
	// RequiredScopes are the scopes a call needs (empty when a token, or
	// nothing, is enough).
	RequiredScopes []string `json:"requiredScopes"`
	// Callable reports whether the caller may call it now; when false and
	// MissingScopes is set, a call answers with a step-up challenge for
	// them.
	Callable      bool     `json:"callable"`
	MissingScopes []string `json:"missingScopes,omitempty"`
	// ReadOnly operations can be called with call_read_operation.
	ReadOnly bool `json:"readOnly"`
}

// OperationDescription is the describe_operation result: everything a
// direct tool would list, plus where it calls.
type OperationDescription struct {
	Tool         string          `json:"tool"`
	OperationID  string          `json:"operationId,omitempty"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description"`
	InputSchema  json.RawMessage `json:"inputSchema"`
	OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
	// Annotations are the operation's MCP hints (readOnlyHint, …).
	Annotations    map[string]bool `json:"annotations"`
	RequiredScopes []string        `json:"requiredScopes"`
	Callable       bool            `json:"callable"`
	MissingScopes  []string        `json:"missingScopes,omitempty"`
	// Pagination says how to page through the results, when the
	// operation has paging parameters.
	Pagination string `json:"pagination,omitempty"`
	// CallWith names the tool to call it with.
	CallWith string `json:"callWith"`
}

// Summarize returns t as a search result, without the policy fields.
func Summarize(t *Tool) OperationSummary {
	s := OperationSummary{Tool: t.Name, RequiredScopes: []string{}, ReadOnly: t.Annotations.ReadOnly}
	if op := t.Operation; op != nil {
		s.OperationID, s.Method, s.Path, s.Summary = op.ID, op.Method, op.Path, cleanText(op.Summary, 200)
	}
	if s.Summary == "" {
		s.Summary = firstLine(t.Description)
	}
	return s
}

// Describe returns the describe_operation answer for t, without the
// policy fields.
func Describe(t *Tool) OperationDescription {
	d := OperationDescription{
		Tool: t.Name, Title: t.Title, Description: t.Description, InputSchema: t.InputSchema,
		OutputSchema: t.OutputSchema, RequiredScopes: []string{}, CallWith: CallOperationTool,
		Annotations: map[string]bool{
			"readOnlyHint": t.Annotations.ReadOnly, "destructiveHint": t.Annotations.Destructive,
			"idempotentHint": t.Annotations.Idempotent, "openWorldHint": t.Annotations.OpenWorld,
		},
	}
	if op := t.Operation; op != nil {
		d.OperationID, d.Method, d.Path = op.ID, op.Method, op.Path
		d.Pagination = PaginationHint(op)
	}
	if t.Annotations.ReadOnly {
		d.CallWith = CallReadOperationTool
	}
	return d
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// DiscoveryTools returns the four tools of discovery mode for an API
// named api. Their handlers live in the gateway: every call_operation
// runs the named operation's own tool, with its policy decision,
// credentials, audit and metrics.
func DiscoveryTools(api string) []*Tool {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	toolArg := str("The operation's tool name, as search_operations returns it.")
	object := func(props map[string]any, required ...string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false})
		return b
	}
	searchOut, _ := json.Marshal(map[string]any{
		"type": "object", "required": []string{"results"},
		"properties": map[string]any{"results": map[string]any{"type": "array", "items": map[string]any{
			"type":     "object",
			"required": []string{"tool", "method", "path", "requiredScopes", "callable"},
			"properties": map[string]any{
				"tool": map[string]any{"type": "string"}, "operationId": map[string]any{"type": "string"},
				"method": map[string]any{"type": "string"}, "path": map[string]any{"type": "string"},
				"summary":        map[string]any{"type": "string"},
				"requiredScopes": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
				"callable":       map[string]any{"type": "boolean"},
				"missingScopes":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
				"readOnly":       map[string]any{"type": "boolean"},
			},
		}}},
	})
	callIn := object(map[string]any{
		"tool":      toolArg,
		"arguments": map[string]any{"type": "object", "description": "The operation's arguments, as its inputSchema (describe_operation) says."},
	}, "tool")
	return []*Tool{
		{
			Name:  SearchOperationsTool,
			Title: "Search operations",
			Description: fmt.Sprintf("Search the operations of the %s API by what you want to do, in plain words "+
				"(e.g. \"list open pull requests\"). Returns the best matches first: tool name, method, path, summary, "+
				"the scopes a call needs and whether you may call it now. Then describe_operation for its arguments.", api),
			InputSchema: object(map[string]any{
				"query": str("What you want to do, in plain words."),
				"limit": map[string]any{"type": "integer", "minimum": 1, "maximum": MaxSearchLimit, "description": fmt.Sprintf("Most results to return (default %d).", DefaultSearchLimit)},
			}, "query"),
			OutputSchema: searchOut,
			Annotations:  Annotations{ReadOnly: true, Idempotent: true},
		},
		{
			Name:        DescribeOperationTool,
			Title:       "Describe an operation",
			Description: "Describe one operation found with search_operations: its full description, the JSON Schema of its arguments (inputSchema) and of its result (outputSchema), hints, required scopes and how to page.",
			InputSchema: object(map[string]any{"tool": toolArg}, "tool"),
			Annotations: Annotations{ReadOnly: true, Idempotent: true},
		},
		{
			Name:  CallOperationTool,
			Title: "Call an operation",
			Description: fmt.Sprintf("Call one operation of the %s API with its arguments (see describe_operation). "+
				"It may change or delete data. The arguments are checked against the operation's inputSchema; "+
				"the result is the operation's own.", api),
			InputSchema: callIn,
			Annotations: Annotations{Destructive: true, OpenWorld: true},
		},
		{
			Name:  CallReadOperationTool,
			Title: "Call a read-only operation",
			Description: fmt.Sprintf("Call one read-only operation (readOnly in search results) of the %s API with its arguments; "+
				"refuses operations that may change data (use call_operation for those).", api),
			InputSchema: callIn,
			Annotations: Annotations{ReadOnly: true, Idempotent: true, OpenWorld: true},
		},
	}
}
