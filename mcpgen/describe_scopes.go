package mcpgen

import (
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// scopeAlternatives returns the OAuth scope sets op's effective security
// allows, one per security requirement that names oauth2 or openIdConnect
// scopes (sorted, duplicates removed), in document order, and the sorted
// union of all of them. Requirements without scopes (API keys, HTTP
// authentication, OAuth without scopes) are left out.
func scopeAlternatives(doc *openapi.Document, op *openapi.Operation) (alts [][]string, union []string) {
	seen := map[string]bool{}
	for _, req := range op.Security {
		var set []string
		for name, scopes := range req {
			sc := doc.SecuritySchemes[name]
			if sc == nil || (sc.Type != openapi.SchemeOAuth2 && sc.Type != openapi.SchemeOpenIDConnect) {
				continue
			}
			for _, s := range scopes {
				if s != "" && !slices.Contains(set, s) {
					set = append(set, s)
				}
			}
		}
		if len(set) == 0 {
			continue
		}
		slices.Sort(set)
		key := strings.Join(set, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		alts = append(alts, set)
		for _, s := range set {
			if !slices.Contains(union, s) {
				union = append(union, s)
			}
		}
	}
	slices.Sort(union)
	return alts, union
}

// scopeText renders scope alternatives for a description: "Required OAuth
// scope: a.", "Required OAuth scopes: a and b." (all needed), "Required
// OAuth scope: one of a, b or c." (any one), or "Required OAuth scopes:
// (a and b) or c." in general.
func scopeText(alts [][]string) string {
	switch {
	case len(alts) == 0:
		return ""
	case len(alts) == 1 && len(alts[0]) == 1:
		return "Required OAuth scope: " + alts[0][0] + "."
	case len(alts) == 1:
		return "Required OAuth scopes: " + listNames(alts[0], ", ", " and ") + "."
	}
	single := true
	for _, a := range alts {
		single = single && len(a) == 1
	}
	if single {
		names := make([]string, len(alts))
		for i, a := range alts {
			names[i] = a[0]
		}
		return "Required OAuth scope: one of " + listNames(names, ", ", " or ") + "."
	}
	groups := make([]string, len(alts))
	for i, a := range alts {
		if len(a) == 1 {
			groups[i] = a[0]
		} else {
			groups[i] = "(" + listNames(a, ", ", " and ") + ")"
		}
	}
	return "Required OAuth scopes: " + listNames(groups, " or ", " or ") + "."
}

// scopeLine is the description's scope sentence, unless the caller states
// scopes itself.
func (g *generator) scopeLine(alts [][]string) string {
	if g.opts.OmitScopes {
		return ""
	}
	return scopeText(alts)
}

// AddScopeText appends the scope sentence for alts (alternatives of scope
// sets, as a policy states them) to the description. Empty alternatives
// (a valid token is enough) add nothing.
func (t *Tool) AddScopeText(alts [][]string) {
	var nonEmpty [][]string
	for _, a := range alts {
		if len(a) > 0 {
			nonEmpty = append(nonEmpty, a)
		}
	}
	text := scopeText(nonEmpty)
	if text == "" {
		return
	}
	sep := "\n\n"
	if strings.Contains(t.Description, "\nRequired arguments: ") || strings.HasPrefix(t.Description, "Required arguments: ") {
		sep = "\n"
	}
	t.Description += sep + text
}
