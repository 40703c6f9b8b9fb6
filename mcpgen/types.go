package mcpgen

import (
	"encoding/json"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// This file is the contract between tool generation (names, schemas) and
// tool invocation (request building, response mapping).

// Tool is one generated MCP tool together with everything needed to call the
// operation it stands for.
type Tool struct {
	// Name matches ^[A-Za-z0-9_-]{1,64}$ and is unique within its API.
	Name string
	// Title is a human-readable name (the operation summary, when any).
	Title string
	// Description is never empty.
	Description string
	// InputSchema is a self-contained JSON Schema 2020-12 object with root
	// type "object".
	InputSchema json.RawMessage
	// OutputSchema is nil when the success response has no JSON schema.
	// When OutputWrapped, the upstream JSON value is returned as
	// {"result": value} so that the schema's root is always an object.
	OutputSchema  json.RawMessage
	OutputWrapped bool
	// Annotations are derived from the HTTP method; all hints are set.
	Annotations Annotations
	// Operation is the source operation (shared, read-only).
	Operation *openapi.Operation
	// Bindings maps each input argument to where it goes in the request,
	// in input-schema property order.
	Bindings []Binding
	// Scopes is informational: the scopes the operation's own security
	// requirements name (used in descriptions). Policy decisions live in
	// package policies.
	Scopes []string
	// Shape, when set, bounds and projects the tool's JSON results for
	// the model; set it with [Tool.SetShape], which also relaxes
	// OutputSchema to match.
	Shape *ShapeOptions
}

// Annotations are MCP tool annotation hints.
type Annotations struct {
	ReadOnly    bool
	Destructive bool
	Idempotent  bool
	OpenWorld   bool
}

// Location says where an argument is placed in the upstream request.
type Location int

// Argument locations.
const (
	LocPath Location = iota + 1
	LocQuery
	LocHeader
	LocCookie
	// LocBodyField is one property of an object request body that was
	// flattened into the tool's top-level arguments.
	LocBodyField
	// LocBody is the whole request body (argument "body").
	LocBody
)

// Binding ties a tool argument to an operation parameter or body part.
type Binding struct {
	// Arg is the argument (input-schema property) name.
	Arg string
	// Loc is where the value goes.
	Loc Location
	// Name is the wire name: the parameter name, or the body property name
	// for LocBodyField; empty for LocBody.
	Name string
	// Param is the parameter for path/query/header/cookie bindings.
	Param *openapi.Parameter
	// Required mirrors the input schema's required list.
	Required bool
}
