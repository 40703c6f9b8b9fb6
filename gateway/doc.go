// Package gateway assembles rest2mcp: it loads every configured API
// (openapi → mcpgen → policies), wires inbound verification and outbound
// credentials from authbridge, and serves each API as one protected MCP
// endpoint at /mcp/{api} on an echo server.
//
// The middleware chain of an MCP endpoint, outermost first:
//
//	recover → request id → access log → metrics (requests, durations,
//	  refusals of the auth stages) → Host/Origin check → body limit
//	  (size and read time) → bearer verification (401 + WWW-Authenticate)
//	  → rate limit (tools/call) → scope pre-check for tools/call
//	  (403 insufficient_scope step-up) → cancellation scoped to the caller
//	  (notifications/cancelled is answered here, see cancel.go)
//	  → mcp-go StreamableHTTPServer (stateless, both protocol eras)
//	  → tool handler (policy re-check, credentials, upstream call)
//
// Each API's generated tools, policy and credentials form an immutable
// snapshot. [Gateway.Reload] builds new snapshots off to the side and swaps
// them atomically; a spec or policy that fails to build never replaces a
// working one. With reloadInterval set, [Gateway.Run] also polls each
// API's root spec file and policy file (size and modification time, as
// recorded in the snapshot) and reloads only the APIs whose files changed;
// files a spec references are not watched, nor specs given as URLs (see
// reload.go).
//
// Prometheus metrics live on a registry of the gateway's own, served at
// /metrics on the metrics listener, or on a loopback main listener (see
// metrics.go and the README).
//
// Package gateway is imported only by cmd/rest2mcp and tests.
package gateway
