package policies

import "slices"

// Static reasons, so that allowing needs no allocation.
const (
	reasonGranted          = "granted scopes satisfy the requirement"
	reasonTokenOnly        = "a valid token is enough"
	reasonPublic           = "public operation"
	reasonUnknownTool      = "unknown tool"
	reasonDenyRule         = "refused by a deny rule"
	reasonDefaultDeny      = "refused: no rule, extension or OpenAPI security covers the operation and the default is deny"
	reasonInvalidExtension = "refused: the operation's scope extension is invalid"
	reasonNoCondition      = "refused: the caller meets the condition of no matching rule"
	reasonInsufficient     = "insufficient scope"
	reasonNoSubject        = "authentication required"
)

// Subject is the caller a decision is about, as verified by the gateway.
// Build it with [Set.NewSubject] once per request: that expands the granted
// scopes through the hierarchy once, so that [Set.Decide] only looks bits
// up. A Subject built as a literal (or for another Set) still works, at the
// cost of expanding on every decision.
type Subject struct {
	// Issuer is the token issuer.
	Issuer string
	// Subject is the token's "sub".
	Subject string
	// ClientID is the OAuth client the token was issued to.
	ClientID string
	// Scopes are the granted scopes, in identity-provider names.
	Scopes []string
	// Claims are the token claims; only CEL conditions read them.
	Claims map[string]any

	set     *Set
	granted bitset
}

// NewSubject returns a copy of in prepared for decisions of s.
func (s *Set) NewSubject(in Subject) *Subject {
	in.set = s
	in.granted = s.scopes.grant(in.Scopes)
	return &in
}

// grantedFor returns sub's expanded scopes for set.
func (sub *Subject) grantedFor(set *Set) bitset {
	if sub.set == set {
		return sub.granted
	}
	return set.scopes.grant(sub.Scopes)
}

// Decision is the outcome of [Set.Decide]. Its slices are shared with the
// Set and must not be modified.
type Decision struct {
	// Allow reports whether the call may proceed.
	Allow bool
	// Public reports that the tool needs no token at all.
	Public bool
	// Rule names what decided: "rule:<name>", "extension:<name>",
	// "openapi:security" or "default"; empty for an unknown tool.
	Rule string
	// Required lists every scope (identity-provider names) of the
	// alternative the caller satisfies or is closest to satisfying: the
	// scope list of a 403 insufficient_scope challenge. Empty when a token
	// alone is enough, and when Denied.
	Required []string
	// Missing lists the scopes of Required the caller lacks; nil when
	// allowed.
	Missing []string
	// Denied reports a refusal more scopes cannot lift (a deny rule, an
	// unmet condition, default deny, an unknown tool): answer 403 without a
	// step-up challenge.
	Denied bool
	// Reason explains the decision for people and logs.
	Reason string
}

// Decide decides whether sub may call tool. A nil sub is an
// unauthenticated caller: only public tools are allowed. With a subject
// from [Set.NewSubject], deciding performs no allocation when no rule
// condition is evaluated and the call is allowed.
func (s *Set) Decide(tool string, sub *Subject) Decision {
	e := s.tools[tool]
	if e == nil {
		return Decision{Denied: true, Reason: reasonUnknownTool}
	}
	for _, r := range e.deny {
		if r.cond == nil || evalCondition(r.cond, sub, true) {
			return Decision{Denied: true, Rule: r.out.source, Reason: r.out.reason}
		}
	}
	out := &e.base
	if len(e.allow) > 0 {
		out = nil
		for _, r := range e.allow {
			if r.cond == nil || evalCondition(r.cond, sub, false) {
				out = &r.out
				break
			}
		}
		if out == nil {
			return Decision{Denied: true, Rule: e.allow[0].out.source, Reason: reasonNoCondition}
		}
	}
	return s.evaluate(out, sub)
}

// evaluate checks sub's scopes against one outcome.
func (s *Set) evaluate(out *outcome, sub *Subject) Decision {
	switch {
	case out.public:
		return Decision{Allow: true, Public: true, Rule: out.source, Reason: reasonPublic}
	case out.denied:
		return Decision{Denied: true, Rule: out.source, Reason: out.reason}
	case sub == nil:
		a := &out.alts[0]
		return Decision{Rule: out.source, Required: a.scopes, Missing: a.scopes, Reason: reasonNoSubject}
	}
	granted := sub.grantedFor(s)
	best, bestMissing := 0, -1
	for i := range out.alts {
		a := &out.alts[i]
		n := a.bits.missing(granted)
		if n == 0 {
			reason := reasonGranted
			if len(a.scopes) == 0 {
				reason = reasonTokenOnly
			}
			return Decision{Allow: true, Rule: out.source, Required: a.scopes, Reason: reason}
		}
		if bestMissing < 0 || n < bestMissing {
			best, bestMissing = i, n
		}
	}
	a := &out.alts[best]
	missing := make([]string, 0, bestMissing)
	for k, idx := range a.idx {
		if !granted.has(idx) {
			missing = append(missing, a.scopes[k])
		}
	}
	return Decision{Rule: out.source, Required: a.scopes, Missing: missing, Reason: reasonInsufficient}
}

// Visibility returns the visibility mode: "all" or "granted".
func (s *Set) Visibility() string { return s.visibility }

// Filter returns the names (in their order) that sub may see in a tool
// list: every known tool in "all" mode, and in "granted" mode only those
// [Set.Decide] allows. Unknown names are dropped. names is not modified.
func (s *Set) Filter(sub *Subject, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if _, ok := s.tools[n]; !ok {
			continue
		}
		if s.visibility == VisibilityGranted && !s.Decide(n, sub).Allow {
			continue
		}
		out = append(out, n)
	}
	return out
}

// Tools returns the names of every tool of the set, sorted.
func (s *Set) Tools() []string {
	out := make([]string, len(s.sorted))
	for i, e := range s.sorted {
		out[i] = e.name
	}
	return out
}

// Requirements returns the scope alternatives (OR of AND lists, in
// identity-provider names) a tool needs when every rule condition holds,
// for tool descriptions and `policy explain`. One empty alternative means
// a valid token is enough; nil means the tool is public, refused outright
// or unknown.
func (s *Set) Requirements(tool string) [][]string {
	e := s.tools[tool]
	if e == nil || slices.ContainsFunc(e.deny, func(r *rule) bool { return r.cond == nil }) {
		return nil
	}
	return e.static().static()
}
