package mcpgen

import "github.com/rest2mcp/rest2mcp/openapi"

// Selector picks operations for an API's include/exclude lists. It has
// exactly the fields and semantics of [openapi.OperationFilter], the one
// operation matcher a policy rule's match uses too: criteria ANDed, entries
// of one criterion ORed, globs in every field ("*", "?"), operationIds and
// tags case-sensitive, methods case-insensitive, paths matched segment by
// segment with "**" for zero or more segments (so "/pets/**" matches
// "/pets"). The one difference: a zero Selector matches nothing; [Options]
// treats a zero Include as "everything".
type Selector struct {
	OperationIDs []string `json:"operationIds,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	Methods      []string `json:"methods,omitempty"`
	// Paths are segment globs over path templates as written in the
	// document ("/pets/{petId}"); see [openapi.OperationFilter].
	Paths []string `json:"paths,omitempty"`
}

// Filter returns s as the shared operation matcher.
func (s Selector) Filter() openapi.OperationFilter { return openapi.OperationFilter(s) }

// IsZero reports whether s has no criteria.
func (s Selector) IsZero() bool { return s.Filter().IsZero() }

// Match reports whether op matches s (see [Selector]).
func (s Selector) Match(op *openapi.Operation) bool {
	return !s.IsZero() && s.Filter().Matches(op)
}

// Validate checks every entry of s and returns all problems joined: empty
// entries, unknown methods and malformed path globs.
func (s Selector) Validate() error { return s.Filter().Validate() }

// MatchPath reports whether the path template path matches the glob
// pattern (see [openapi.MatchPath]).
func MatchPath(pattern, path string) bool { return openapi.MatchPath(pattern, path) }
