package mcpgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// SelectionProblems explains an include/exclude that selects nothing: each
// operationId or tag of include or exclude that matches no operation of
// the spec, with its case-insensitive near matches ("did you mean"), and
// an include/exclude that leaves no operation at all.
func SelectionProblems(include, exclude *Selector, ops []*openapi.Operation) []string {
	var out []string
	for _, sel := range []struct {
		name string
		s    *Selector
	}{{"include", include}, {"exclude", exclude}} {
		if sel.s == nil {
			continue
		}
		for _, c := range []struct {
			kind, flag string
			list       []string
			one        func(string) Selector
			values     func(*openapi.Operation) []string
		}{
			{"operationId", "operationIds", sel.s.OperationIDs, func(p string) Selector { return Selector{OperationIDs: []string{p}} },
				func(op *openapi.Operation) []string { return []string{op.ID} }},
			{"tag", "tags", sel.s.Tags, func(p string) Selector { return Selector{Tags: []string{p}} },
				func(op *openapi.Operation) []string { return op.Tags }},
		} {
			for _, p := range c.list {
				one := c.one(p)
				if slices.ContainsFunc(ops, one.Match) {
					continue
				}
				var near []string
				for _, op := range ops {
					for _, v := range c.values(op) {
						if v != "" && strings.EqualFold(v, p) && !slices.Contains(near, v) {
							near = append(near, v)
						}
					}
				}
				msg := fmt.Sprintf("%s: no %s %q in the spec (%s are case-sensitive)", sel.name, c.kind, p, c.flag)
				if len(near) > 0 {
					msg = fmt.Sprintf("%s: no %s %q; did you mean %s?", sel.name, c.kind, p, quoteAll(near))
				}
				out = append(out, msg)
			}
		}
	}
	if len(ops) > 0 && !slices.ContainsFunc(ops, func(op *openapi.Operation) bool {
		return (include == nil || include.IsZero() || include.Match(op)) && (exclude == nil || !exclude.Match(op))
	}) {
		out = append(out, fmt.Sprintf("include/exclude select none of the spec's %d operations", len(ops)))
	}
	return out
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " or ")
}
