// Package mcpgen turns the operations of an OpenAPI document into MCP tools
// and turns tool calls back into upstream REST requests.
//
// It owns two halves that meet in the [Tool] type (types.go):
//
//   - Generation: [Generate] converts the selected operations of an
//     [openapi.Document] into tools with a name, title, description,
//     self-contained JSON Schema 2020-12 input and output schemas,
//     annotations, and the [Binding]s that say where each argument goes
//     in the upstream request. [Tool.MCPTool] gives the mcp-go definition.
//   - Invocation: the tool handlers build the upstream request from the
//     arguments and the bindings, obtain credentials through a hook, send
//     it, and map the response to a tool result.
//
// It must not parse tokens or decide policy (package policies does, and
// package gateway wires both in through function-typed hooks), and it
// never forwards the caller's token upstream.
//
// # Generation rules
//
// Names match ^[A-Za-z0-9_-]{1,64}$ (see [ToolName]): the operationId as
// written when it fits, otherwise sanitised, or "<method>_<path>" without
// one; [Options.Prefix] is prepended, long names end in a hash, and
// duplicates get "_2", "_3", … in (path, method) order.
//
// Input schemas have a root of type object with one property per argument
// and no top-level composition keyword. Path, query, header and cookie
// parameters become arguments named like the parameter when possible
// (^[A-Za-z0-9_.-]{1,64}$, see [ArgName]); Accept, Content-Type and
// Authorization header parameters, the headers the invoker refuses to send
// (hop-by-hop, framing, proxy, Cookie, …), and parameters that carry an API
// key of the operation's security schemes do not. An
// object request body (after looking through a top-level $ref and merging
// a top-level allOf) is flattened into further arguments when none of its
// property names clashes; any other body is the single argument "body".
// Binary content (octet-stream and other non-text bodies, binary multipart
// parts) is a base64 string with contentEncoding "base64"; text and XML
// bodies are plain strings. readOnly properties are dropped from inputs
// and writeOnly properties from outputs, also inside the copies of the
// referenced definitions, which are carried in "$defs" (only those
// transitively referenced). Schemas are encoded once, with sorted keys.
//
// Output schemas exist for JSON success responses with a schema. An object
// response is the root as is; any other (array, primitive, oneOf, nullable
// object) is wrapped as {"result": value} and [Tool.OutputWrapped] is set,
// so that every output schema has an object root, as MCP versions up to
// 2025-11-25 require. Outputs drop additionalProperties: false, so that
// responses with fields added after the document was written still
// validate.
//
// Descriptions join the summary and description, trimmed of HTML and
// markdown noise and cut to [Options.MaxDescription] at a sentence
// boundary, followed by a deprecation note, the required arguments and
// the OAuth scopes of the operation's security requirements.
//
// Annotations follow the HTTP method (see [AnnotationsFor]), and all four
// hints are always set. "x-mcp-header" is never emitted.
//
// [Generate] never fails as a whole: an operation that cannot become a tool
// is left out with a diagnostic (see the Code constants), so one broken
// operation does not take an API down.
//
// Example:
//
//	doc, err := openapi.Load(ctx, openapi.Source{Path: "petstore.yaml"}, nil)
//	if err != nil {
//		return err
//	}
//	tools, diags := mcpgen.Generate(doc, &mcpgen.Options{Prefix: "pets_"})
//	for _, t := range tools {
//		srv.AddTool(t.MCPTool(), invoker.Handler(t))
//	}
package mcpgen
