// Package bench is the load driver and benchmark harness of rest2mcp.
//
// It owns three things:
//
//   - [Client], a minimal MCP Streamable HTTP client written on net/http
//     that speaks both protocol eras: modern 2026-07-28 stateless requests
//     (per-request _meta plus the Mcp-Protocol-Version, Mcp-Method and
//     Mcp-Name headers) and legacy initialize followed by requests that
//     carry the negotiated version (and session ID, when one is minted);
//   - [RunLoad], a closed-loop load generator bounded in both time and
//     request count, and [Summarize], the percentile math over its samples;
//   - the two experiments run by cmd/loadgen: [RunCallBench] (direct REST
//     call against the same call through the gateway, at several
//     concurrency levels) and [MeasureColdStart] (process start to the
//     first tools/list answer, peak RSS and warm tools/list latency for one
//     spec).
//
// The package only measures and reports; nothing here asserts on time.
// Every server it starts or talks to is bound to 127.0.0.1.
package bench
