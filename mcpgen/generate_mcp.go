package mcpgen

import (
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// AnnotationsFor returns the hints for an HTTP method: GET, HEAD, OPTIONS
// and TRACE are read-only; PUT and DELETE are destructive and idempotent;
// POST, PATCH and any other method are destructive and not idempotent.
// OpenWorld is always true: every tool calls a remote API.
func AnnotationsFor(method string) Annotations {
	switch strings.ToUpper(method) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return Annotations{ReadOnly: true, Idempotent: true, OpenWorld: true}
	case "PUT", "DELETE":
		return Annotations{Destructive: true, Idempotent: true, OpenWorld: true}
	}
	return Annotations{Destructive: true, OpenWorld: true}
}

// ToolAnnotation returns a as an mcp-go annotation with all four hints set
// explicitly (clients assume destructive and open-world for missing ones)
// and the given title.
func (a Annotations) ToolAnnotation(title string) mcp.ToolAnnotation {
	return mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    mcp.ToBoolPtr(a.ReadOnly),
		DestructiveHint: mcp.ToBoolPtr(a.Destructive),
		IdempotentHint:  mcp.ToBoolPtr(a.Idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(a.OpenWorld),
	}
}

// MCPTool returns the mcp-go definition of t with its raw input and output
// schemas, title and annotations.
func (t *Tool) MCPTool() mcp.Tool {
	mt := mcp.NewToolWithRawSchema(t.Name, t.Description, t.InputSchema)
	mt.Title = t.Title
	if len(t.OutputSchema) > 0 {
		mt.RawOutputSchema = t.OutputSchema
	}
	mt.Annotations = t.Annotations.ToolAnnotation(t.Title)
	return mt
}
