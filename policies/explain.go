package policies

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Explain writes a table of every tool of set, sorted by name: its
// operation, the scopes it requires (alternatives separated by " | ",
// scopes of one alternative by spaces) and what decided. With a subject it
// adds whether that caller may call the tool and which scopes it lacks; with
// a nil subject it shows the requirements only. A summary line follows.
func Explain(w io.Writer, set *Set, sub *Subject) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if sub == nil {
		fmt.Fprintln(tw, "TOOL\tOPERATION\tREQUIRED SCOPES\tDECIDED BY")
	} else {
		fmt.Fprintln(tw, "TOOL\tOPERATION\tDECISION\tREQUIRED SCOPES\tMISSING\tDECIDED BY")
	}
	allowed := 0
	for _, e := range set.sorted {
		op := e.method + " " + e.path
		if sub == nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.name, op, staticRequirement(e), staticSource(e))
			continue
		}
		d := set.Decide(e.name, sub)
		if d.Allow {
			allowed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.name, op, decisionWord(d),
			decisionRequirement(e, d), orDash(strings.Join(d.Missing, " ")), d.Rule)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("explain policy: %w", err)
	}
	var err error
	if sub == nil {
		_, err = fmt.Fprintf(w, "\n%d tools; baseline scopes: %s\n", len(set.sorted), orDash(strings.Join(set.baseline, " ")))
	} else {
		_, err = fmt.Fprintf(w, "\n%d of %d tools allowed for subject %q (client %q) with scopes: %s\n",
			allowed, len(set.sorted), sub.Subject, sub.ClientID, orDash(strings.Join(sub.Scopes, " ")))
	}
	if err != nil {
		return fmt.Errorf("explain policy: %w", err)
	}
	return nil
}

// decisionWord says in one word what the caller gets.
func decisionWord(d Decision) string {
	switch {
	case d.Public:
		return "public"
	case d.Allow:
		return "allowed"
	case d.Denied:
		return "refused"
	default:
		return "needs scopes"
	}
}

// decisionRequirement shows the full requirement for refused and public
// decisions and for step-ups, so that the reader sees every alternative.
func decisionRequirement(e *entry, d Decision) string {
	switch {
	case d.Denied:
		return "(refused)"
	case d.Public:
		return "(none: public)"
	case d.Allow:
		if len(d.Required) == 0 {
			return "(token only)"
		}
		return strings.Join(d.Required, " ")
	default:
		return staticRequirement(e)
	}
}

// staticRequirement formats the requirement that applies when every rule
// condition holds.
func staticRequirement(e *entry) string {
	o := e.static()
	switch {
	case slices.ContainsFunc(e.deny, func(r *rule) bool { return r.cond == nil }), o.denied:
		return "(refused)"
	case o.public:
		return "(none: public)"
	}
	alts := make([]string, len(o.alts))
	for i, a := range o.alts {
		alts[i] = strings.Join(a.scopes, " ")
		if alts[i] == "" {
			alts[i] = "(token only)"
		}
	}
	return strings.Join(alts, " | ")
}

// staticSource names what decides when every condition holds, and says
// when conditions take part.
func staticSource(e *entry) string {
	for _, r := range e.deny {
		if r.cond == nil {
			return r.out.source
		}
	}
	src := e.static().source
	if len(e.deny) > 0 || slices.ContainsFunc(e.allow, func(r *rule) bool { return r.cond != nil }) {
		src += " (conditional)"
	}
	return src
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// DecidedBy names what decides the tool's requirement when every rule
// condition holds — the "DECIDED BY" column of [Explain]: a rule
// ("rule:<name>"), the operation's policy extension ("extension:…"), the OpenAPI security
// or the default, with " (conditional)" when conditions take part. It is
// empty for an unknown tool.
func (s *Set) DecidedBy(tool string) string {
	e := s.tools[tool]
	if e == nil {
		return ""
	}
	return staticSource(e)
}
