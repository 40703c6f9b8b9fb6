// Package gateway assembles rest2mcp: it builds every configured API
// (openapi → mcpgen → policies → authbridge credentials and PRM → mcp-go
// server) with the one builder, [BuildAPI], and serves each API as one
// protected MCP endpoint at /mcp/{api} on an echo server.
//
// Each API's build is an immutable [Snapshot] (tools, encoded tool list,
// compiled policy, PRM, credentials, invoker, mcp-go server) behind one
// atomic pointer. [API.Reload] and [Gateway.Reload] build new snapshots
// off to the side and swap each with one store; a spec or policy that
// fails to build never replaces a working one. Every request pins the
// snapshot current on arrival, so all its stages see one build and
// in-flight calls finish on it. With reloadInterval set, [Gateway.Run]
// also polls each API's root spec file and policy file (size and
// modification time, as recorded in the snapshot) and reloads only the
// APIs whose files changed; files a spec references are not watched, nor
// specs given as URLs (see reload.go).
//
// The path of an MCP request, outermost first (/mcp/{api} of a known API
// bypasses echo, see root.go):
//
//	request id (into the context), panic recovery, the server span
//	  (off unless tracing; logctx.go, tracing.go) → snapshot pin →
//	  metrics (requests, durations; the auth stages count their own
//	  refusals by reason) → Host/Origin check → POST
//	  only (405 + Allow) → bearer verification from the headers alone
//	  (401 + WWW-Authenticate; verified JWTs cached until exp) → body:
//	  bounded per request, in time and in total (503 + Retry-After),
//	  decoded once, malformed JSON-RPC answered (-32700/-32600) → rate
//	  limit (tools/call) → scope pre-check for tools/call, the one policy
//	  decision per call (403 insufficient_scope step-up; the decision
//	  travels in the context; audit records queued off the path) →
//	  cancellation scoped to the caller (notifications/cancelled is
//	  answered here, see cancel.go) → the tools/call fast path
//	  (fastcall.go: direct invoke, mcp-go's bytes) → tools/list from
//	  pre-encoded bytes → the snapshot's mcp-go StreamableHTTPServer
//	  (stateless, both protocol eras) → tool handler (the pre-check's
//	  decision, credentials, upstream call)
//
// DESIGN.md at the repository root walks the same path with file names.
//
// Prometheus metrics live on a registry of the gateway's own, served at
// /metrics on the metrics listener, or on a loopback main listener (see
// metrics.go and the README).
//
// Package gateway is imported only by cmd/rest2mcp and tests.
package gateway
