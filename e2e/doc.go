// Package e2e holds the end-to-end tests of rest2mcp with real third-party
// parts: the gateway binary built from ./cmd/rest2mcp, the oidc-provider
// authorization server, the official MCP TypeScript SDK client and the MCP
// conformance suite (Node packages pinned in testdata/package.json).
//
// The package has no code of its own; see README.md for how to run the
// tests and what each one proves. Under -short every test is skipped.
package e2e
