package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

// Warnings for configurations whose meaning changed when include/exclude
// and policy rules moved to one operation matcher (openapi.OperationFilter).
// Before, include/exclude compared operationIds and tags exactly, while a
// rule's match globbed them and matched paths character by character ("**"
// crossing "/" but not matching an empty tail, so "/pets/**" did not match
// "/pets"). The legacy matchers below exist only to tell users which
// selectors now select other operations; nothing else uses them.

// matchWarnings lists, for an API's include/exclude and policy rules, every
// selector whose operations differ between the old matchers and the one
// matcher, and every operationId or tag pattern of include/exclude that now
// globs.
func matchWarnings(a config.API, s *gateway.Snapshot) []string {
	ops := s.Document().Operations
	var out []string
	for _, sel := range []struct {
		name string
		f    *openapi.OperationFilter
	}{{"include", selectorFilter(a.Include)}, {"exclude", selectorFilter(a.Exclude)}} {
		if sel.f == nil || sel.f.IsZero() {
			continue
		}
		for kind, list := range map[string][]string{"operationIds": sel.f.OperationIDs, "tags": sel.f.Tags} {
			for i, p := range list {
				if strings.ContainsAny(p, "*?") {
					out = append(out, fmt.Sprintf("%s.%s[%d] %q is a glob: * and ? are wildcards in every field, as in policy rules", sel.name, kind, i, p))
				}
			}
		}
		if d := diffOps(ops, sel.f.Matches, func(op *openapi.Operation) bool { return legacySelector(*sel.f, op) }); d != "" {
			out = append(out, fmt.Sprintf("%s selects other operations than before the matcher was unified: %s", sel.name, d))
		}
	}
	if pc := s.PolicyConfig(); pc != nil {
		for i, r := range pc.Rules {
			f := r.Match.Filter()
			if d := diffOps(ops, f.Matches, func(op *openapi.Operation) bool { return legacyRule(f, op) }); d != "" {
				out = append(out, fmt.Sprintf("policy rules[%d] (%s) match other operations than before the matcher was unified: %s", i, r.Name, d))
			}
		}
	}
	slices.Sort(out)
	return out
}

func selectorFilter(s *mcpgen.Selector) *openapi.OperationFilter {
	if s == nil {
		return nil
	}
	f := s.Filter()
	return &f
}

// diffOps describes the operations now and then disagree on; "" when none.
func diffOps(ops []*openapi.Operation, now, then func(*openapi.Operation) bool) string {
	var gained, lost []string
	for _, op := range ops {
		n, t := now(op), then(op)
		switch {
		case n && !t:
			gained = append(gained, op.Method+" "+op.Path)
		case t && !n:
			lost = append(lost, op.Method+" "+op.Path)
		}
	}
	var parts []string
	if len(gained) > 0 {
		parts = append(parts, "now also "+listOps(gained))
	}
	if len(lost) > 0 {
		parts = append(parts, "no longer "+listOps(lost))
	}
	return strings.Join(parts, "; ")
}

func listOps(ops []string) string {
	const max = 5
	if len(ops) > max {
		return strings.Join(ops[:max], ", ") + fmt.Sprintf(" and %d more", len(ops)-max)
	}
	return strings.Join(ops, ", ")
}

// legacySelector is include/exclude matching as it was: operationIds and
// tags exact, methods case-insensitive, paths segment globs.
func legacySelector(f openapi.OperationFilter, op *openapi.Operation) bool {
	if len(f.OperationIDs) > 0 && (op.ID == "" || !slices.Contains(f.OperationIDs, op.ID)) {
		return false
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(op.Tags, func(t string) bool { return slices.Contains(f.Tags, t) }) {
		return false
	}
	if len(f.Methods) > 0 && !slices.ContainsFunc(f.Methods, func(m string) bool { return strings.EqualFold(m, op.Method) }) {
		return false
	}
	if len(f.Paths) > 0 && !slices.ContainsFunc(f.Paths, func(p string) bool { return openapi.MatchPath(p, op.Path) }) {
		return false
	}
	return true
}

// legacyRule is a policy rule's match as it was: character globs in every
// field, paths matched with "*" and "?" stopping at "/" and "**" crossing
// it.
func legacyRule(f openapi.OperationFilter, op *openapi.Operation) bool {
	// Outside paths the old glob was the one matcher's openapi.Glob; only
	// its path mode (legacyPathGlob) differs.
	anyOf := func(ps []string, s string, path, upper bool) bool {
		return slices.ContainsFunc(ps, func(p string) bool {
			if upper {
				p = strings.ToUpper(p)
			}
			if path {
				return legacyPathGlob(p, s)
			}
			return openapi.Glob(p, s)
		})
	}
	if len(f.OperationIDs) > 0 && !anyOf(f.OperationIDs, op.ID, false, false) {
		return false
	}
	if len(f.Methods) > 0 && !anyOf(f.Methods, strings.ToUpper(op.Method), false, true) {
		return false
	}
	if len(f.Paths) > 0 && !anyOf(f.Paths, op.Path, true, false) {
		return false
	}
	if len(f.Tags) > 0 {
		return slices.ContainsFunc(op.Tags, func(t string) bool { return anyOf(f.Tags, t, false, false) })
	}
	return true
}

// legacyPathGlob is the old policy glob on paths: "?" one character
// and "*" a run, both stopping at "/", while "**" crosses it. (Elsewhere
// the old glob was openapi.Glob.)
func legacyPathGlob(pattern, s string) bool {
	cur := make([]bool, len(s)+1)
	next := make([]bool, len(s)+1)
	cur[0] = true
	for i := 0; i < len(pattern); i++ {
		clear(next)
		switch c := pattern[i]; c {
		case '?':
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && s[j] != '/'
			}
		case '*':
			double := i+1 < len(pattern) && pattern[i+1] == '*'
			if double {
				i++
			}
			next[0] = cur[0]
			for j := 1; j <= len(s); j++ {
				next[j] = cur[j] || (next[j-1] && (double || s[j-1] != '/'))
			}
		default:
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && s[j] == c
			}
		}
		cur, next = next, cur
	}
	return cur[len(s)]
}
