package policies

import (
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// ToolRef names the tool generated for an operation.
type ToolRef struct {
	// Name is the MCP tool name; unique within one API.
	Name string
	// Op is the operation the tool calls; required.
	Op *openapi.Operation
}

// Set is the compiled, immutable policy of one API: a decision table keyed
// by tool name. It is safe for concurrent use.
type Set struct {
	tools map[string]*entry
	// sorted holds the entries by tool name, for Explain, Tools and the
	// baseline.
	sorted     []*entry
	scopes     *scopeIndex
	baseline   []string
	visibility string
}

// entry is the compiled policy of one tool.
type entry struct {
	name   string
	method string
	path   string
	// deny are the deny rules matching the operation, in policy order. A
	// deny rule without a condition is always last (nothing after it can
	// change the outcome).
	deny []*rule
	// allow are the allow rules matching the operation, in policy order, up
	// to and including the first one without a condition.
	allow []*rule
	// base applies when allow is empty: extension, OpenAPI security or
	// default. It is the zero outcome when allow rules match.
	base outcome
}

// static returns the outcome that applies when every rule condition holds.
func (e *entry) static() *outcome {
	if len(e.allow) > 0 {
		return &e.allow[0].out
	}
	return &e.base
}

// rule is a compiled policy rule.
type rule struct {
	name string
	// index is the rule's position in the policy, for problems.
	index int
	// match points into the compiled Config; it is read during Compile
	// only.
	match *Match
	// cond is nil when the rule has no condition.
	cond cel.Program
	out  outcome
	// matched reports that the rule matches some tool; used that it is
	// reachable for one (no earlier unconditional rule decides first).
	matched, used bool
}

// chain returns the rules matching op, in order, up to and including the
// first one without a condition, and marks them.
func chain(rules []*rule, op *openapi.Operation) []*rule {
	var out []*rule
	stopped := false
	for _, r := range rules {
		if !r.match.matches(op) {
			continue
		}
		r.matched = true
		if stopped {
			continue
		}
		r.used = true
		out = append(out, r)
		stopped = r.cond == nil
	}
	return out
}

// compiler carries the state of one Compile call.
type compiler struct {
	cfg      *Config
	doc      *openapi.Document
	graph    *scopeGraph
	ps       Problems
	deny     []*rule
	allow    []*rule
	declared map[string]bool
	// unscoped lists tools whose OpenAPI security mixes alternatives with
	// and without scopes (reported once, summarised).
	unscoped []string
}

// Compile checks cfg against doc and the generated tools and builds the
// decision table. cfg may be nil (the spec's own security decides) and doc
// may be nil (no security schemes known). It returns every problem found;
// when some have error severity, the Set is nil and err joins them.
func Compile(cfg *Config, doc *openapi.Document, tools []ToolRef) (*Set, Problems, error) {
	c := &compiler{cfg: cfg, doc: doc}
	c.ps = append(c.ps, cfg.validate()...)
	var gps Problems
	c.graph, gps = newScopeGraph(cfg)
	c.ps = append(c.ps, gps...)
	c.declared = declaredScopes(cfg, doc)
	c.compileRules()

	set := &Set{tools: make(map[string]*entry, len(tools)), visibility: cfg.visibility()}
	for i, t := range tools {
		if e := c.compileTool(i, t, set.tools); e != nil {
			set.tools[e.name] = e
			set.sorted = append(set.sorted, e)
		}
	}
	slices.SortFunc(set.sorted, func(a, b *entry) int { return strings.Compare(a.name, b.name) })
	c.reportRules()
	c.reportUncovered(set.sorted)
	c.reportUnscoped()

	set.scopes = newScopeIndex(c.usedScopes(set.sorted), c.graph)
	c.numberScopes(set)
	set.baseline = c.baseline(set)
	if c.ps.HasErrors() {
		return nil, c.ps, fmt.Errorf("compile policy: %w", c.ps.Err())
	}
	return set, c.ps, nil
}

func (c *compiler) add(sev openapi.Severity, code, path, tool, format string, args ...any) {
	c.ps = append(c.ps, Problem{Code: code, Severity: sev, Path: path, Tool: tool, Message: fmt.Sprintf(format, args...)})
}

// addSpec reports a problem found in the spec of one tool.
func (c *compiler) addSpec(sev openapi.Severity, code string, t ToolRef, format string, args ...any) {
	c.ps = append(c.ps, Problem{Code: code, Severity: sev, Tool: t.Name, Pointer: t.Op.Pointer, Message: fmt.Sprintf(format, args...)})
}

// declaredScopes lists the API scope names the spec's oauth2 schemes, the
// scope map and the hierarchy declare.
func declaredScopes(cfg *Config, doc *openapi.Document) map[string]bool {
	d := map[string]bool{}
	if doc != nil {
		for _, s := range doc.SecuritySchemes {
			if s == nil || s.Type != openapi.SchemeOAuth2 {
				continue
			}
			for _, f := range s.Flows {
				for name := range f.Scopes {
					d[name] = true
				}
			}
		}
	}
	if cfg != nil {
		for k, v := range cfg.ScopeMap {
			d[k], d[v] = true, true
		}
		for k, vs := range cfg.Hierarchy {
			d[k] = true
			for _, v := range vs {
				d[v] = true
			}
		}
	}
	return d
}

// checkDeclared warns about scopes nobody declares. The check is skipped
// when nothing declares any scope (there is nothing to compare with).
func (c *compiler) checkDeclared(path, tool string, scopes []string) {
	if len(c.declared) == 0 {
		return
	}
	for _, s := range scopes {
		if !c.declared[s] {
			c.add(openapi.SeverityWarning, CodeUndeclaredScope, path, tool,
				"scope %q is declared by no oauth2 scheme of the spec, nor in scopeMap or hierarchy", s)
		}
	}
}

// compileRules compiles every valid rule; invalid ones were reported by
// validate and are left out.
func (c *compiler) compileRules() {
	if c.cfg == nil {
		return
	}
	var env *cel.Env
	for i := range c.cfg.Rules {
		r := &c.cfg.Rules[i]
		path := fmt.Sprintf("rules[%d]", i)
		if r.Effect != "" && r.Effect != EffectAllow && r.Effect != EffectDeny {
			continue
		}
		cr := &rule{name: r.Name, index: i, match: &r.Match, out: outcome{source: sourceRulePrefix + r.Name}}
		if r.When != "" {
			if env == nil {
				var err error
				if env, err = newCELEnv(); err != nil {
					c.add(openapi.SeverityError, CodeCEL, path+".when", "", "%v", err)
					return
				}
			}
			prg, err := compileCondition(env, r.When)
			if err != nil {
				c.add(openapi.SeverityError, CodeCEL, path+".when", "", "%v", err)
				continue
			}
			cr.cond = prg
		}
		c.checkDeclared(path+".allOf", "", r.AllOf)
		c.checkDeclared(path+".anyOf", "", r.AnyOf)
		switch {
		case r.Effect == EffectDeny:
			cr.out.denied, cr.out.reason = true, reasonDenyRule
			c.deny = append(c.deny, cr)
			continue
		case r.Public:
			cr.out.public = true
		default:
			cr.out.alts = c.alternatives(path, "", combine(r.AllOf, r.AnyOf))
		}
		c.allow = append(c.allow, cr)
	}
}

// compileTool builds the entry of one tool, or returns nil (after
// reporting why) when the reference is unusable.
func (c *compiler) compileTool(i int, t ToolRef, seen map[string]*entry) *entry {
	switch {
	case t.Op == nil:
		c.add(openapi.SeverityError, CodeInvalidTool, "", t.Name, "tools[%d] has no operation", i)
		return nil
	case t.Name == "":
		c.add(openapi.SeverityError, CodeInvalidTool, "", "", "tools[%d] (%s %s) has no name", i, t.Op.Method, t.Op.Path)
		return nil
	case seen[t.Name] != nil:
		c.add(openapi.SeverityError, CodeInvalidTool, "", t.Name, "duplicate tool name")
		return nil
	}
	e := &entry{name: t.Name, method: strings.ToUpper(t.Op.Method), path: t.Op.Path}
	e.deny = chain(c.deny, t.Op)
	e.allow = chain(c.allow, t.Op)
	if len(e.allow) == 0 {
		e.base = c.baseOutcome(t)
	}
	return e
}

// baseOutcome applies, in order, the vendor extension, the OpenAPI
// security and the API default to one operation.
func (c *compiler) baseOutcome(t ToolRef) outcome {
	ext := c.cfg.extension()
	if v, ok := t.Op.Extensions[ext]; ok {
		alts, err := readExtension(v)
		if err != nil {
			c.addSpec(openapi.SeverityError, CodeInvalidExtension, t, "%s: %v", ext, err)
			return outcome{source: sourceExtensionPrefix + ext, denied: true, reason: reasonInvalidExtension}
		}
		for _, a := range alts {
			c.checkDeclared("", t.Name, a)
		}
		return outcome{source: sourceExtensionPrefix + ext, alts: c.alternatives("", t.Name, alts)}
	}
	sec := readSecurity(c.doc, t.Op)
	for _, name := range sec.unknown {
		c.addSpec(openapi.SeverityWarning, CodeUnknownScheme, t,
			"security scheme %q is not declared; its scopes are required as written", name)
	}
	switch {
	case !sec.present:
		switch c.cfg.defaultMode() {
		case DefaultDeny:
			return outcome{source: SourceDefault, denied: true, reason: reasonDefaultDeny}
		default:
			return outcome{source: SourceDefault, alts: []alternative{{}}}
		}
	case sec.anonymous && c.cfg != nil && c.cfg.AllowPublic:
		return outcome{source: SourceOpenAPI, public: true}
	case sec.anonymous:
		c.addSpec(openapi.SeverityWarning, CodePublicNotAllowed, t,
			"the operation allows anonymous calls but allowPublic is false: a valid token is required")
		return outcome{source: SourceOpenAPI, alts: []alternative{{}}}
	default:
		alts := sec.alts
		if sec.mixed() {
			if c.cfg != nil && c.cfg.AllowUnscopedAlternatives {
				c.unscoped = append(c.unscoped, t.Name)
			} else {
				alts = slices.DeleteFunc(slices.Clone(alts), func(a []string) bool { return len(a) == 0 })
			}
		}
		return outcome{source: SourceOpenAPI, alts: c.alternatives("", t.Name, alts)}
	}
}

// alternatives builds the alternatives of a requirement. offline_access
// is left out with a warning: it asks for refresh tokens, not for rights
// on a tool, and must not appear in a scope challenge.
func (c *compiler) alternatives(path, tool string, in [][]string) []alternative {
	dropped := false
	for i, a := range in {
		if slices.Contains(a, offlineAccess) {
			in[i] = slices.DeleteFunc(slices.Clone(a), func(s string) bool { return s == offlineAccess })
			dropped = true
		}
	}
	if dropped {
		c.add(openapi.SeverityWarning, CodeOfflineAccess, path, tool,
			"offline_access is never required for a tool call; it was left out of the requirement")
	}
	return newAlternatives(c.graph, in)
}

// reportUnscoped summarises the operations whose scoped OpenAPI
// alternatives are moot because another alternative needs no scope.
func (c *compiler) reportUnscoped() {
	if len(c.unscoped) == 0 {
		return
	}
	slices.Sort(c.unscoped)
	shown := c.unscoped[:min(len(c.unscoped), 5)]
	more := ""
	if len(c.unscoped) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(c.unscoped)-len(shown))
	}
	c.add(openapi.SeverityInfo, CodeUnscopedAlternative, "allowUnscopedAlternatives", "",
		"%d tools (%s%s) need only a valid token because their OpenAPI security offers an alternative without scopes (apiKey, http or an empty scope list) besides oauth2 scopes and allowUnscopedAlternatives is set",
		len(c.unscoped), strings.Join(shown, ", "), more)
}

// reportRules warns about rules that match no tool or are never reached.
func (c *compiler) reportRules() {
	rules := slices.Concat(c.deny, c.allow)
	slices.SortFunc(rules, func(a, b *rule) int { return a.index - b.index })
	for _, r := range rules {
		switch {
		case !r.matched:
			c.add(openapi.SeverityWarning, CodeRuleUnmatched, fmt.Sprintf("rules[%d].match", r.index), "",
				"rule %q matches no tool", r.name)
		case !r.used:
			c.add(openapi.SeverityWarning, CodeRuleShadowed, fmt.Sprintf("rules[%d]", r.index), "",
				"rule %q is never reached: earlier rules without a condition decide every tool it matches", r.name)
		}
	}
}

// reportUncovered flags tools left to the default while other tools of the
// API need scopes.
func (c *compiler) reportUncovered(entries []*entry) {
	protected := false
	for _, e := range entries {
		if e.static().needsScopes() {
			protected = true
			break
		}
	}
	mode := c.cfg.defaultMode()
	if !protected || mode == DefaultDeny {
		return
	}
	sev := openapi.SeverityWarning
	if mode == DefaultAllow {
		sev = openapi.SeverityInfo
	}
	for _, e := range entries {
		if len(e.allow) == 0 && e.base.source == SourceDefault {
			c.add(sev, CodeNoRequirement, "default", e.name,
				"%s %s declares no security and no rule covers it: a valid token without any scope is enough", e.method, e.path)
		}
	}
}

// outcomes calls f for every outcome the set can produce.
func (c *compiler) outcomes(entries []*entry, f func(o *outcome)) {
	for _, r := range slices.Concat(c.deny, c.allow) {
		f(&r.out)
	}
	for _, e := range entries {
		f(&e.base)
	}
}

// usedScopes collects the scopes some requirement names.
func (c *compiler) usedScopes(entries []*entry) map[string]bool {
	used := map[string]bool{}
	c.outcomes(entries, func(o *outcome) {
		for _, a := range o.alts {
			for _, s := range a.scopes {
				used[s] = true
			}
		}
	})
	return used
}

// numberScopes fills the bitsets of every alternative.
func (c *compiler) numberScopes(set *Set) {
	c.outcomes(set.sorted, func(o *outcome) {
		for i := range o.alts {
			o.alts[i].bits, o.alts[i].idx = set.scopes.bits(o.alts[i].scopes)
		}
	})
}
