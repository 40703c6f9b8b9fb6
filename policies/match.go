package policies

import "github.com/rest2mcp/rest2mcp/openapi"

// Filter returns m as the shared operation matcher: a rule's match selects
// exactly what the same include/exclude selector selects (see
// [openapi.OperationFilter] for the semantics).
func (m Match) Filter() openapi.OperationFilter { return openapi.OperationFilter(m) }

// matches reports whether op satisfies every criterion of m; an empty
// Match selects every operation.
func (m *Match) matches(op *openapi.Operation) bool { return m.Filter().Matches(op) }
