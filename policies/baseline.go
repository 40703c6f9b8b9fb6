package policies

import (
	"slices"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Baseline returns the scopes to advertise for basic use (PRM
// scopes_supported, the scope of a 401 challenge): a small set that opens
// every read-only tool (GET and HEAD). It is [Config.BaselineScopes],
// mapped, when set. Otherwise it is built greedily: first the single
// alternative of each read-only tool that has only one, then, for tools
// with several alternatives, nothing if one is already covered (hierarchy
// included), else the first. Scopes implied by another baseline scope are
// dropped. offline_access is never included. The result is sorted and must
// not be modified.
func (s *Set) Baseline() []string { return s.baseline }

// baseline computes [Set.Baseline] once every scope is numbered.
func (c *compiler) baseline(set *Set) []string {
	var scopes []string
	if c.cfg != nil && c.cfg.BaselineScopes != nil {
		for _, sc := range c.cfg.BaselineScopes {
			if sc == offlineAccess {
				c.add(openapi.SeverityWarning, CodeOfflineAccess, "baselineScopes", "",
					"offline_access is never advertised in the baseline; it was left out")
			}
		}
		c.checkDeclared("baselineScopes", "", c.cfg.BaselineScopes)
		scopes = c.graph.reduce(c.cfg.BaselineScopes)
	} else {
		scopes = c.computeBaseline(set)
	}
	return slices.Clip(slices.DeleteFunc(scopes, func(s string) bool { return s == offlineAccess }))
}

func (c *compiler) computeBaseline(set *Set) []string {
	var readOnly []*outcome
	for _, e := range set.sorted {
		if e.method != "GET" && e.method != "HEAD" {
			continue
		}
		if slices.ContainsFunc(e.deny, func(r *rule) bool { return r.cond == nil }) {
			continue
		}
		if o := e.static(); !o.public && !o.denied {
			readOnly = append(readOnly, o)
		}
	}
	var picked []string
	covered := make(bitset, set.scopes.words)
	pick := func(a *alternative) {
		for _, sc := range a.scopes {
			if !slices.Contains(picked, sc) {
				picked = append(picked, sc)
				covered.or(set.scopes.closure[sc])
			}
		}
	}
	for _, o := range readOnly {
		if len(o.alts) == 1 {
			pick(&o.alts[0])
		}
	}
	for _, o := range readOnly {
		if len(o.alts) < 2 || slices.ContainsFunc(o.alts, func(a alternative) bool { return a.bits.missing(covered) == 0 }) {
			continue
		}
		pick(&o.alts[0])
	}
	return c.graph.prune(picked)
}
