package policies

import "slices"

// ScopedTools reports, for a caller granted scopes (identity-provider
// names), which tools could ever open to it: scoped lists every tool whose
// requirement names scopes (when every rule condition holds; tools refused
// outright, public tools and tools a valid token alone opens are left
// out), and open those of them the granted scopes satisfy, the hierarchy
// included. Both are sorted. It serves configuration checks such as
// simulating the token an identity provider would issue; per-call
// decisions use [Set.Decide].
func (s *Set) ScopedTools(granted []string) (scoped, open []string) {
	g := s.scopes.grant(granted)
	for _, e := range s.sorted {
		if slices.ContainsFunc(e.deny, func(r *rule) bool { return r.cond == nil }) {
			continue
		}
		out := e.static()
		if out.public || out.denied || !out.needsScopes() {
			continue
		}
		scoped = append(scoped, e.name)
		if slices.ContainsFunc(out.alts, func(a alternative) bool { return a.bits.missing(g) == 0 }) {
			open = append(open, e.name)
		}
	}
	return scoped, open
}

// RequiredScopes returns every scope (identity-provider names) some
// alternative of some tool's requirement names, sorted: what a client
// may be asked for, by the baseline or by a step-up challenge.
func (s *Set) RequiredScopes() []string {
	var out []string
	for _, e := range s.sorted {
		for _, a := range e.static().alts {
			for _, sc := range a.scopes {
				if !slices.Contains(out, sc) {
					out = append(out, sc)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
