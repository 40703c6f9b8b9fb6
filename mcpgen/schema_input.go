package mcpgen

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// ignoredHeaders are header parameters that never become arguments:
// OpenAPI says Accept, Content-Type and Authorization parameters are
// ignored (the gateway sets them), and the invoker refuses to send
// hop-by-hop, framing, routing, identity and proxy headers, so offering
// them to a model would only produce failing calls.
var ignoredHeaders = []string{
	"accept", "content-type", "authorization",
	"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
	"host", "content-length", "content-encoding", "expect", "cookie", "set-cookie",
	"forwarded", "via", "x-real-ip", "user-agent",
	"x-http-method", "x-http-method-override", "x-method-override",
	"proxy-authenticate", "proxy-authorization",
}

// ignoredHeaderPrefixes extend [ignoredHeaders] to header families.
var ignoredHeaderPrefixes = []string{"proxy-", "x-forwarded-", "sec-", "mcp-"}

// ignoredHeader reports whether a header parameter is left out.
func ignoredHeader(name string) bool {
	lower := strings.ToLower(name)
	if slices.Contains(ignoredHeaders, lower) {
		return true
	}
	for _, p := range ignoredHeaderPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// inputBuilder assembles the input schema and bindings of one tool.
type inputBuilder struct {
	g        *generator
	op       *openapi.Operation
	w        *walker
	props    map[string]any
	bindings []Binding
	taken    map[string]bool
	diags    openapi.Diagnostics
}

// buildInput returns the encoded input schema of op and its bindings, in
// argument-name order (the order of the encoded properties).
func (g *generator) buildInput(op *openapi.Operation) ([]byte, []Binding, openapi.Diagnostics, error) {
	b := &inputBuilder{
		g:     g,
		op:    op,
		w:     newWalker(g.doc.Schemas, modeInput),
		props: map[string]any{},
		taken: map[string]bool{},
	}
	b.params()
	if op.RequestBody != nil {
		b.body(op.RequestBody)
	}
	slices.SortFunc(b.bindings, func(x, y Binding) int { return cmp.Compare(x.Arg, y.Arg) })
	root := map[string]any{"type": "object"}
	if len(b.props) > 0 {
		root["properties"] = b.props
	} else {
		root["additionalProperties"] = false
	}
	var required []string
	for _, bd := range b.bindings {
		if bd.Required {
			required = append(required, bd.Arg)
		}
	}
	if len(required) > 0 {
		root["required"] = required
	}
	if bad := sortedKeys(b.w.bad); len(bad) > 0 {
		return nil, nil, b.diags, fmt.Errorf("unresolvable schema reference %q", bad[0])
	}
	defs, err := g.defs.closure(modeInput, b.w.refs)
	if err != nil {
		return nil, nil, b.diags, err
	}
	if len(defs) > 0 {
		root["$defs"] = defs
	}
	raw, err := g.defs.enc.encode(root)
	if err != nil {
		return nil, nil, b.diags, err
	}
	return raw, b.bindings, b.diags, nil
}

// paramSlot is a parameter waiting for its argument name.
type paramSlot struct {
	p    *openapi.Parameter
	loc  Location
	rank int
	idx  int
}

// params adds one argument per parameter. Names are claimed first by
// parameters whose wire name is already a valid argument name, then by the
// others; within each group path parameters come first, then query,
// header and cookie, each in document order. A name already claimed is
// disambiguated as "<in>_<name>", then with a numeric suffix.
func (b *inputBuilder) params() {
	creds := b.g.credentialParams(b.op)
	var slots []paramSlot
	for idx, p := range b.op.Parameters {
		if p == nil {
			continue
		}
		loc, rank := paramLocation(p.In)
		if loc == 0 {
			b.diag(CodeParamUnsupported, openapi.SeverityWarning,
				fmt.Sprintf("parameter %q is in %q, which is not supported; it is left out", p.Name, p.In))
			continue
		}
		if loc == LocHeader && ignoredHeader(p.Name) {
			continue
		}
		if scheme, ok := creds[credentialKey(p.In, p.Name)]; ok {
			b.diag(CodeParamCredential, openapi.SeverityInfo,
				fmt.Sprintf("parameter %q (in %s) carries the credential of security scheme %q and is supplied by the gateway", p.Name, p.In, scheme))
			continue
		}
		slots = append(slots, paramSlot{p: p, loc: loc, rank: rank, idx: idx})
	}
	slices.SortStableFunc(slots, func(x, y paramSlot) int {
		return cmp.Or(
			cmpBool(!isArgName(x.p.Name), !isArgName(y.p.Name)),
			cmp.Compare(x.rank, y.rank),
			cmp.Compare(x.idx, y.idx),
		)
	})
	for _, s := range slots {
		p := s.p
		arg := b.claim(ArgName(p.Name), ArgName(p.In+"_"+ArgName(p.Name)))
		required := p.Required || s.loc == LocPath
		b.props[arg] = b.paramSchema(p)
		b.bindings = append(b.bindings, Binding{Arg: arg, Loc: s.loc, Name: p.Name, Param: p, Required: required})
	}
}

// paramSchema is the argument schema of a parameter: its schema with the
// parameter's description and deprecation.
func (b *inputBuilder) paramSchema(p *openapi.Parameter) openapi.Schema {
	s := p.Schema
	if s == nil {
		s = openapi.Schema{}
	}
	s, _ = b.w.schema(s)
	desc := strings.TrimSpace(p.Description)
	cur, _ := s["description"].(string)
	if (desc != "" && desc != cur) || (p.Deprecated && s["deprecated"] != true) {
		s = cloneTop(s)
		if desc != "" {
			s["description"] = desc
		}
		if p.Deprecated {
			s["deprecated"] = true
		}
	}
	return s
}

// claim takes the first free name among candidates, or the first candidate
// with the lowest free numeric suffix.
func (b *inputBuilder) claim(candidates ...string) string {
	for _, c := range candidates {
		if !b.taken[c] {
			b.taken[c] = true
			return c
		}
	}
	for n := 2; ; n++ {
		if c := withSuffix(candidates[0], n); !b.taken[c] {
			b.taken[c] = true
			return c
		}
	}
}

func (b *inputBuilder) diag(code string, sev openapi.Severity, msg string) {
	b.diags = append(b.diags, openapi.Diagnostic{Code: code, Severity: sev, Pointer: b.op.Pointer, Message: msg})
}

// paramLocation maps a parameter's "in" to its location and name-claiming
// rank; zero for unsupported locations.
func paramLocation(in string) (Location, int) {
	switch in {
	case openapi.InPath:
		return LocPath, 0
	case openapi.InQuery:
		return LocQuery, 1
	case openapi.InHeader:
		return LocHeader, 2
	case openapi.InCookie:
		return LocCookie, 3
	}
	return 0, 0
}

// credentialKey identifies an apiKey location; header names are
// case-insensitive.
func credentialKey(in, name string) string {
	if in == openapi.InHeader {
		name = strings.ToLower(name)
	}
	return in + "\x00" + name
}

// credentialParams returns the apiKey parameter locations of the security
// schemes op may use, mapped to the scheme name. Such parameters are
// credentials the gateway supplies, never tool arguments.
func (g *generator) credentialParams(op *openapi.Operation) map[string]string {
	var out map[string]string
	for _, req := range op.Security {
		for name := range req {
			sc := g.doc.SecuritySchemes[name]
			if sc == nil || sc.Type != openapi.SchemeAPIKey || sc.ParamName == "" {
				continue
			}
			if out == nil {
				out = map[string]string{}
			}
			k := credentialKey(sc.In, sc.ParamName)
			if prev, ok := out[k]; !ok || name < prev {
				out[k] = name
			}
		}
	}
	return out
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
