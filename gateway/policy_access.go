package gateway

import "github.com/rest2mcp/rest2mcp/policies"

// Policy returns the compiled policy of the API's current snapshot, or nil
// when the API is served without authorization.
func (a *API) Policy() *policies.Set { return a.snap.Load().policy }

// Scopes returns the scopes the API advertises in its protected resource
// metadata and 401 challenges (the baseline) for the current snapshot.
func (a *API) Scopes() []string { return a.baseline() }
