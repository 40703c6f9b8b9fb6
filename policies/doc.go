// Package policies decides which callers may call which tools of an API.
//
// It owns the policy file format ([Config], [Parse]), its compilation
// against an OpenAPI document and the generated tools ([Compile]) into an
// immutable decision table ([Set]), and the per-call decision
// ([Set.Decide]). It does no I/O and knows nothing of HTTP, tokens or MCP:
// the gateway verifies the token, builds a [Subject] with [Set.NewSubject]
// once per request, asks [Set.Decide] before dispatching a tools/call
// (answering 403 insufficient_scope with [Decision.Required] when
// [Decision.Missing] is not empty, and a plain 403 when [Decision.Denied]),
// filters tools/list with [Set.Filter] in "granted" visibility mode, and
// advertises [Set.Baseline] in its protected resource metadata.
//
// # Policy file
//
// A policy is the `policy:` section of an API in the gateway configuration
// or a standalone file with the same fields at the top level:
//
//	default: spec                     # spec (default) | allow | deny
//	allowPublic: false                # honour `security: []`
//	allowUnscopedAlternatives: false  # let apiKey/http alternatives next to oauth2 ones open the tool
//	visibility: all                   # all (default) | granted
//	baselineScopes: [pets:read]       # override the computed baseline
//	scopeMap: {"pets:read": "api://petstore/Pets.Read"}
//	hierarchy: {"pets:admin": ["pets:write"], "pets:write": ["pets:read"]}
//	extension: x-rest2mcp-scopes      # the default
//	rules:
//	  - name: admins-only-delete
//	    match: {methods: [DELETE], paths: ["/pets/*"]}
//	    anyOf: [pets:admin, pets:owner]
//	    when: '"admins" in claims.groups'
//
// All scope names in a policy and in the spec are API scope names;
// scopeMap renames them to the names the identity provider issues, and
// every scope a [Decision] or [Set.Baseline] reports is already renamed.
// The hierarchy is written in API names too: a granted scope implies every
// scope reachable from it (transitively), so a token with pets:admin
// satisfies a requirement of pets:read. Cycles are errors.
//
// # Precedence
//
// For each tool the first of these that applies decides:
//
//  1. Deny rules (effect: deny) matching the operation, in file order: if
//     one has no condition, or its condition holds for the caller, the call
//     is refused ([Decision.Denied]; no step-up is possible).
//  2. Allow rules (the default effect) matching the operation, in file
//     order: the first whose condition holds (or that has none) decides the
//     requirement: allOf plus one of anyOf, or nothing beyond a valid token
//     when both are empty, or no token at all when public. If allow rules
//     match but none of their conditions holds, the call is refused:
//     matching rules take the operation over, and an unmet condition never
//     falls back to the spec.
//  3. The operation's vendor extension (x-rest2mcp-scopes unless
//     `extension` says otherwise): a list of scopes, all required, or
//     {allOf: [...], anyOf: [...]}. A malformed value is a compile error.
//  4. The operation's OpenAPI security (its own, else the document's): an
//     OR of requirement objects, each an AND of schemes. Only oauth2 and
//     openIdConnect schemes contribute scopes; a requirement object that
//     names only apiKey, http or mutualTLS schemes means "a valid token, no
//     scope" (the upstream credential is the gateway's business, not the
//     caller's). Such an alternative is dropped whenever another alternative
//     names oauth2 scopes (least privilege); allowUnscopedAlternatives: true
//     keeps it, opening the operation to any valid token (Compile then
//     reports this once, as info). An empty
//     requirement object or `security: []` means
//     anonymous: the tool is public when allowPublic is true, and otherwise
//     needs a valid token and no scope (reported as a warning).
//  5. The API default, for operations none of the above covers: "spec" (the
//     default) and "allow" require a valid token and no scope ("spec"
//     reports each such operation as a warning when other tools of the API
//     need scopes, "allow" as info); "deny" refuses them.
//
// Without a policy at all (a nil *Config), steps 4 and 5 with their
// defaults decide: the spec's own security.
//
// # Conditions
//
// A rule's `when` is a CEL expression compiled once by [Compile] over the
// variables claims (map(string, dyn)), scopes (list(string), as granted,
// not expanded), subject, issuer and clientId (strings). It must be of type
// bool. An evaluation error (for instance a missing claim; guard with
// has(claims.groups)) fails closed: a deny rule then applies, an allow
// rule does not. Evaluation is bounded by a cost limit.
//
// # Matching
//
// A rule's match lists operationIds, tags, methods and paths patterns; all
// criteria given must match and one pattern per criterion is enough. An
// empty match selects every operation. Patterns are globs ("?", "*"; in
// paths "*" stops at "/" and "**" crosses it).
//
// # Requirements
//
// Requirements are normalised at compile time: renamed, deduplicated,
// scopes implied by another scope of the same alternative dropped, and
// alternatives that include another alternative dropped. [Set.Decide]
// reports, for a refused call, the alternative with the fewest missing
// scopes (the first on a tie) and all of its scopes, so that one 403
// challenge lists everything the tool needs.
package policies
