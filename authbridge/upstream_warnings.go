package authbridge

import "fmt"

// Warnings explains likely misconfigurations of c that [UpstreamAuthConfig.Validate]
// cannot call errors; path locates c ("upstreamAuth"). It does no I/O.
//
// An entraOBO strategy with perOperationScopes left at its default
// requests, for each call, the called operation's scopes as the gateway
// names them to its callers (after the policy's scopeMap, e.g.
// api://rest2mcp-petstore/Pets.Read), prefixed with scopePrefix. With an
// Entra scope map these name the gateway's own API, not the downstream
// one, so Entra would issue a token whose aud is the gateway's API.
func (c UpstreamAuthConfig) Warnings(path string) []string {
	if c.kind() != UpstreamAuthEntraOBO || c.PerOperationScopes != nil {
		return nil
	}
	return []string{fmt.Sprintf("%s.perOperationScopes: entraOBO requests each operation's caller-facing scopes (after scopeMap, e.g. api://<this API>/Pets.Read) prefixed with scopePrefix %q; unless the downstream API defines those names, set perOperationScopes: false and scopes: [api://<downstream>/.default]", path, c.ScopePrefix)}
}
