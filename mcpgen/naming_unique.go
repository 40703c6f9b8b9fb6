package mcpgen

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// methodRank orders methods as the OpenAPI path item lists them.
func methodRank(m string) int {
	switch m {
	case "GET":
		return 0
	case "PUT":
		return 1
	case "POST":
		return 2
	case "DELETE":
		return 3
	case "OPTIONS":
		return 4
	case "HEAD":
		return 5
	case "PATCH":
		return 6
	case "TRACE":
		return 7
	}
	return 8
}

// compareOps orders operations by path, path key, method and pointer, an
// order that does not depend on how the document was read.
func compareOps(a, b *openapi.Operation) int {
	return cmp.Or(
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.PathKey, b.PathKey),
		cmp.Compare(methodRank(a.Method), methodRank(b.Method)),
		cmp.Compare(a.Method, b.Method),
		cmp.Compare(a.Pointer, b.Pointer),
	)
}

// uniqueNames renames tools whose candidate names collide. Among tools
// sharing a name, the first by [compareOps] keeps it and the others get
// "_2", "_3", … (the lowest suffix not used by any other tool). It returns
// one warning per renamed tool.
func uniqueNames(tools []*Tool) openapi.Diagnostics {
	taken := make(map[string]bool, len(tools))
	for _, t := range tools {
		taken[t.Name] = true
	}
	order := slices.Clone(tools)
	slices.SortFunc(order, func(a, b *Tool) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), compareOps(a.Operation, b.Operation))
	})
	var diags openapi.Diagnostics
	for i := 0; i < len(order); {
		j := i + 1
		for j < len(order) && order[j].Name == order[i].Name {
			j++
		}
		first, name := order[i], order[i].Name
		for _, t := range order[i+1 : j] {
			for n := 2; ; n++ {
				c := withSuffix(name, n)
				if taken[c] {
					continue
				}
				taken[c] = true
				t.Name = c
				diags = append(diags, openapi.Diagnostic{
					Code:     CodeNameDuplicate,
					Severity: openapi.SeverityWarning,
					Pointer:  t.Operation.Pointer,
					Message: fmt.Sprintf("tool name %q is also generated for %s %s; renamed to %q",
						name, first.Operation.Method, first.Operation.Path, c),
				})
				break
			}
		}
		i = j
	}
	return diags
}
