package openapi

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// methodOrder is the documented order of operations sharing a path; other
// methods sort after these, alphabetically.
var methodOrder = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

func methodRank(m string) int {
	if i := slices.Index(methodOrder, m); i >= 0 {
		return i
	}
	return len(methodOrder)
}

// normalizer builds a [Document] from a loaded kin-openapi document.
type normalizer struct {
	r       *loadRun
	doc     *openapi3.T
	sc      *schemaConverter
	diags   Diagnostics
	ids     map[string]string
	schemes map[string]*SecurityScheme
	// unknownSchemes remembers undefined scheme names already reported.
	unknownSchemes map[string]bool
}

func (r *loadRun) normalize(doc *openapi3.T, ver specVersion) *Document {
	n := &normalizer{r: r, doc: doc, ids: map[string]string{}, unknownSchemes: map[string]bool{}}
	n.sc = newSchemaConverter(doc.IsOpenAPI31OrLater(), &n.diags, r.label)
	n.sc.exact = r.exact
	out := &Document{
		OpenAPIVersion:  ver.version,
		Servers:         convertServers(doc.Servers),
		SecuritySchemes: convertSchemes(doc.Components),
	}
	n.schemes = out.SecuritySchemes
	if doc.Info != nil {
		out.Title, out.Version, out.Description = doc.Info.Title, doc.Info.Version, doc.Info.Description
	}
	if doc.Security != nil {
		out.Security = n.security(doc.Security, "/security")
	}
	var keys []string
	if doc.Paths != nil {
		keys = sortedKeys(doc.Paths.Map())
	}
	for _, key := range keys {
		n.pathItem(out, key, doc.Paths.Value(key))
	}
	slices.SortStableFunc(out.Operations, func(a, b *Operation) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(methodRank(a.Method), methodRank(b.Method)),
			strings.Compare(a.Method, b.Method), strings.Compare(a.PathKey, b.PathKey))
	})
	if len(doc.Webhooks) > 0 {
		n.diags = append(n.diags, Diagnostic{Code: "spec.webhooks", Severity: SeverityInfo, File: r.label, Pointer: "/webhooks",
			Message: fmt.Sprintf("%d webhook(s) describe calls made by the API, not operations; ignored", len(doc.Webhooks))})
	}
	if len(out.Operations) == 0 {
		n.diags = append(n.diags, Diagnostic{Code: "spec.no-operations", Severity: SeverityInfo, File: r.label, Pointer: "/paths",
			Message: "the document has no operations"})
	}
	n.breakCycles()
	out.Schemas = n.sc.defs
	out.Diagnostics = n.diags
	return out
}

// pathItem adds the operations of one paths entry.
func (n *normalizer) pathItem(out *Document, key string, pi *openapi3.PathItem) {
	if pi == nil {
		return
	}
	base := "/paths/" + escapePointer(key)
	p, fixed, suffix := splitPathKey(key)
	switch suffix {
	case '#':
		n.diags = append(n.diags, Diagnostic{Code: "path.fragment", Severity: SeverityInfo, File: n.r.label, Pointer: base,
			Message: fmt.Sprintf("path key %q carries a fragment; requests go to %q", key, p)})
	case '?':
		n.diags = append(n.diags, Diagnostic{Code: "path.query", Severity: SeverityInfo, File: n.r.label, Pointer: base,
			Message: fmt.Sprintf("path key %q carries a query; requests go to %q with that query", key, p)})
	}
	ops := pi.Operations()
	if err := checkPathTemplate(p); err != nil {
		for _, m := range sortedKeys(ops) {
			n.diags = append(n.diags, Diagnostic{Code: "path.invalid-template", Severity: SeverityError, File: n.r.label,
				Pointer: base + "/" + strings.ToLower(m), Message: "operation skipped: " + err.Error()})
		}
		return
	}
	for _, m := range slices.SortedFunc(maps.Keys(ops), func(a, b string) int {
		return cmp.Or(cmp.Compare(methodRank(a), methodRank(b)), strings.Compare(a, b))
	}) {
		ptr := base + "/" + strings.ToLower(m)
		op, err := n.operation(pi, ops[m], m, ptr)
		if err != nil {
			n.diags = append(n.diags, Diagnostic{Code: "operation.invalid", Severity: SeverityError, File: n.r.label, Pointer: ptr,
				Message: "operation skipped: " + err.Error()})
			continue
		}
		op.Path, op.PathKey, op.FixedQuery = p, key, fixed
		n.pathParams(op, ptr)
		if op.ID != "" {
			if prev, dup := n.ids[op.ID]; dup {
				n.diags = append(n.diags, Diagnostic{Code: "operation.duplicate-id", Severity: SeverityWarning, File: n.r.label, Pointer: ptr,
					Message: fmt.Sprintf("operationId %q is also used at %s", op.ID, prev)})
			} else {
				n.ids[op.ID] = ptr
			}
		}
		out.Operations = append(out.Operations, op)
	}
}

// splitPathKey separates a "#fragment" or "?query" suffix from a path key.
func splitPathKey(key string) (p string, fixed map[string]string, suffix byte) {
	i := strings.IndexAny(key, "#?")
	if i < 0 {
		return key, nil, 0
	}
	p, rest := key[:i], key[i+1:]
	if key[i] == '#' {
		return p, nil, '#'
	}
	if j := strings.IndexByte(rest, '#'); j >= 0 {
		rest = rest[:j]
	}
	q, err := url.ParseQuery(rest)
	if err == nil && len(q) > 0 {
		fixed = make(map[string]string, len(q))
		for k, v := range q {
			fixed[k] = v[0]
		}
	}
	return p, fixed, '?'
}

var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

// pathParams makes every path template variable a required path
// parameter, declaring missing ones as strings with a warning.
func (n *normalizer) pathParams(op *Operation, ptr string) {
	for _, m := range templateParam.FindAllStringSubmatch(op.Path, -1) {
		name := m[1]
		found := false
		for _, p := range op.Parameters {
			if p.In == InPath && p.Name == name {
				p.Required, found = true, true
			}
		}
		if !found {
			n.diags = append(n.diags, Diagnostic{Code: "path.param-undeclared", Severity: SeverityWarning, File: n.r.label, Pointer: ptr,
				Message: fmt.Sprintf("path parameter %q is not declared; assuming a required string", name)})
			op.Parameters = append(op.Parameters, &Parameter{Name: name, In: InPath, Required: true, Style: "simple", Schema: Schema{"type": "string"}})
		}
	}
}

func (n *normalizer) operation(pi *openapi3.PathItem, o *openapi3.Operation, method, ptr string) (*Operation, error) {
	op := &Operation{
		ID:          o.OperationID,
		Method:      method,
		Pointer:     ptr,
		Summary:     o.Summary,
		Description: o.Description,
		Tags:        slices.Clone(o.Tags),
		Deprecated:  o.Deprecated,
	}
	params, err := n.parameters(pi.Parameters, o.Parameters, ptr)
	if err != nil {
		return nil, err
	}
	op.Parameters = params
	if o.RequestBody != nil {
		if o.RequestBody.Value == nil {
			return nil, fmt.Errorf("request body %q is unresolved", o.RequestBody.Ref)
		}
		op.RequestBody = n.requestBody(o.RequestBody.Value, ptr+"/requestBody")
	}
	op.Success = n.success(o.Responses, ptr+"/responses")
	if o.Security != nil {
		op.SecurityDefined = true
		op.Security = n.security(*o.Security, ptr+"/security")
	} else if n.doc.Security != nil {
		op.Security = n.security(n.doc.Security, "/security")
	}
	switch {
	case o.Servers != nil && len(*o.Servers) > 0:
		op.Servers = convertServers(*o.Servers)
	case len(pi.Servers) > 0:
		op.Servers = convertServers(pi.Servers)
	}
	for k, v := range o.Extensions {
		if k == "x-mcp-header" || !strings.HasPrefix(k, "x-") {
			continue
		}
		if op.Extensions == nil {
			op.Extensions = map[string]any{}
		}
		op.Extensions[k] = v
	}
	return op, nil
}

// parameters merges path-item and operation parameters; an operation
// parameter replaces the path-item one with the same name and location.
func (n *normalizer) parameters(shared, own openapi3.Parameters, ptr string) ([]*Parameter, error) {
	var out []*Parameter
	add := func(list openapi3.Parameters, at string) error {
		for i, pr := range list {
			pptr := fmt.Sprintf("%s/parameters/%d", at, i)
			if pr == nil || pr.Value == nil {
				ref := ""
				if pr != nil {
					ref = pr.Ref
				}
				return fmt.Errorf("parameter %d (%q) is unresolved", i, ref)
			}
			p, err := n.parameter(pr.Value, pptr)
			if err != nil {
				return err
			}
			if p.In == InHeader {
				if msg, unsendable := headerProblem(p.Name); msg != "" {
					if unsendable && p.Required {
						return fmt.Errorf("required %s", msg)
					}
					n.diags = append(n.diags, Diagnostic{Code: "parameter.dropped", Severity: SeverityWarning, File: n.r.label,
						Pointer: pptr, Message: msg + "; parameter dropped"})
					continue
				}
			}
			if j := slices.IndexFunc(out, func(q *Parameter) bool { return q.Name == p.Name && q.In == p.In }); j >= 0 {
				out[j] = p
			} else {
				out = append(out, p)
			}
		}
		return nil
	}
	if err := add(shared, ptr[:strings.LastIndexByte(ptr, '/')]); err != nil {
		return nil, err
	}
	if err := add(own, ptr); err != nil {
		return nil, err
	}
	return out, nil
}

func (n *normalizer) parameter(p *openapi3.Parameter, ptr string) (*Parameter, error) {
	if p.Name == "" {
		return nil, fmt.Errorf("parameter at %s has no name", ptr)
	}
	switch p.In {
	case InPath, InQuery, InHeader, InCookie:
	default:
		return nil, fmt.Errorf("parameter %q has unsupported location %q", p.Name, p.In)
	}
	out := &Parameter{
		Name:          p.Name,
		In:            p.In,
		Description:   p.Description,
		Required:      p.Required || p.In == InPath,
		Deprecated:    p.Deprecated,
		Style:         p.Style,
		AllowReserved: p.AllowReserved,
	}
	if out.Style == "" {
		out.Style = "simple"
		if p.In == InQuery || p.In == InCookie {
			out.Style = "form"
		}
	}
	out.Explode = out.Style == "form"
	if p.Explode != nil {
		out.Explode = *p.Explode
	}
	switch {
	case p.Schema != nil:
		out.Schema = n.sc.ref(p.Schema, ptr+"/schema")
	case len(p.Content) > 0:
		ct := preferredMediaType(p.Content)
		out.ContentType = ct
		out.Schema = n.mediaSchema(p.Content[ct], ptr+"/content/"+escapePointer(ct))
	default:
		out.Schema = Schema{}
	}
	return out, nil
}

func (n *normalizer) requestBody(rb *openapi3.RequestBody, ptr string) *RequestBody {
	out := &RequestBody{Description: rb.Description, Required: rb.Required, Schema: Schema{}}
	if len(rb.Content) == 0 {
		return out
	}
	out.ContentTypes = sortedMediaTypes(rb.Content)
	out.ContentType = out.ContentTypes[0]
	mt := rb.Content[out.ContentType]
	out.Schema = n.mediaSchema(mt, ptr+"/content/"+escapePointer(out.ContentType))
	if mt != nil && len(mt.Encoding) > 0 {
		out.Encoding = make(map[string]Encoding, len(mt.Encoding))
		for k, e := range mt.Encoding {
			if e != nil {
				out.Encoding[k] = Encoding{ContentType: e.ContentType, Style: e.Style, Explode: e.Explode}
			}
		}
	}
	return out
}

// mediaSchema converts a media type's schema ({} when it has none).
func (n *normalizer) mediaSchema(mt *openapi3.MediaType, ptr string) Schema {
	switch {
	case mt == nil:
		return Schema{}
	case mt.Schema != nil:
		return n.sc.ref(mt.Schema, ptr+"/schema")
	case mt.ItemSchema != nil:
		return Schema{"type": "array", "items": n.sc.ref(mt.ItemSchema, ptr+"/itemSchema")}
	default:
		return Schema{}
	}
}

// success picks the first 2xx response by status code, then 2XX, then
// default.
func (n *normalizer) success(rs *openapi3.Responses, ptr string) *Response {
	if rs == nil {
		return nil
	}
	m := rs.Map()
	var pick string
	for _, k := range sortedKeys(m) {
		if len(k) == 3 && k[0] == '2' && k[1] >= '0' && k[1] <= '9' && k[2] >= '0' && k[2] <= '9' {
			pick = k
			break
		}
	}
	if pick == "" {
		for _, k := range []string{"2XX", "2xx", "default"} {
			if _, ok := m[k]; ok {
				pick = k
				break
			}
		}
	}
	if pick == "" || m[pick] == nil || m[pick].Value == nil {
		return nil
	}
	r := m[pick].Value
	out := &Response{Status: pick}
	if r.Description != nil {
		out.Description = *r.Description
	}
	if len(r.Content) > 0 {
		out.ContentType = preferredMediaType(r.Content)
		mt := r.Content[out.ContentType]
		if mt != nil && (mt.Schema != nil || mt.ItemSchema != nil) {
			out.Schema = n.mediaSchema(mt, ptr+"/"+escapePointer(pick)+"/content/"+escapePointer(out.ContentType))
		}
	}
	return out
}

// security converts a requirement list, keeping an explicit empty list
// non-nil, and warns about schemes the document does not define.
func (n *normalizer) security(reqs openapi3.SecurityRequirements, ptr string) []SecurityRequirement {
	out := make([]SecurityRequirement, 0, len(reqs))
	for _, req := range reqs {
		sr := make(SecurityRequirement, len(req))
		for name, scopes := range req {
			if scopes == nil {
				scopes = []string{}
			}
			sr[name] = slices.Clone(scopes)
			if _, ok := n.schemes[name]; !ok && !n.unknownSchemes[name] {
				n.unknownSchemes[name] = true
				n.diags = append(n.diags, Diagnostic{Code: "security.undefined-scheme", Severity: SeverityWarning, File: n.r.label, Pointer: ptr,
					Message: fmt.Sprintf("security requirement names undefined scheme %q", name)})
			}
		}
		out = append(out, sr)
	}
	return out
}

// mediaRank orders media types by preference for sending a body.
func mediaRank(mt string) int {
	base := strings.ToLower(strings.TrimSpace(mt))
	if i := strings.IndexByte(base, ';'); i >= 0 {
		base = strings.TrimSpace(base[:i])
	}
	switch {
	case base == "application/json":
		return 0
	case strings.HasSuffix(base, "+json") || strings.HasSuffix(base, "/json"):
		return 1
	case base == "application/x-www-form-urlencoded":
		return 2
	case base == "multipart/form-data":
		return 3
	case base == "text/plain":
		return 4
	case base == "application/octet-stream":
		return 5
	default:
		return 6
	}
}

// sortedMediaTypes lists a content map's media types by preference, then
// by name (Go maps do not keep document order).
func sortedMediaTypes(c openapi3.Content) []string {
	return slices.SortedFunc(maps.Keys(c), func(a, b string) int {
		return cmp.Or(cmp.Compare(mediaRank(a), mediaRank(b)), strings.Compare(a, b))
	})
}

func preferredMediaType(c openapi3.Content) string {
	return sortedMediaTypes(c)[0]
}

func convertServers(ss openapi3.Servers) []Server {
	if len(ss) == 0 {
		return nil
	}
	out := make([]Server, 0, len(ss))
	for _, s := range ss {
		if s == nil {
			continue
		}
		srv := Server{URL: s.URL, Description: s.Description}
		if len(s.Variables) > 0 {
			srv.Variables = make(map[string]ServerVariable, len(s.Variables))
			for k, v := range s.Variables {
				if v != nil {
					srv.Variables[k] = ServerVariable{Default: v.Default, Enum: slices.Clone(v.Enum), Description: v.Description}
				}
			}
		}
		out = append(out, srv)
	}
	return out
}

func convertSchemes(c *openapi3.Components) map[string]*SecurityScheme {
	out := map[string]*SecurityScheme{}
	if c == nil {
		return out
	}
	for name, ref := range c.SecuritySchemes {
		if ref == nil || ref.Value == nil {
			continue
		}
		v := ref.Value
		s := &SecurityScheme{
			Name:             name,
			Type:             v.Type,
			Description:      v.Description,
			Scheme:           strings.ToLower(v.Scheme),
			OpenIDConnectURL: v.OpenIdConnectUrl,
		}
		if v.Type == SchemeAPIKey {
			s.In, s.ParamName = v.In, v.Name
		}
		if f := v.Flows; f != nil {
			s.Flows = map[string]OAuthFlow{}
			for fname, flow := range map[string]*openapi3.OAuthFlow{
				"implicit": f.Implicit, "password": f.Password,
				"clientCredentials": f.ClientCredentials, "authorizationCode": f.AuthorizationCode,
			} {
				if flow != nil {
					s.Flows[fname] = OAuthFlow{AuthorizationURL: flow.AuthorizationURL, TokenURL: flow.TokenURL,
						RefreshURL: flow.RefreshURL, Scopes: maps.Clone(flow.Scopes)}
				}
			}
		}
		out[name] = s
	}
	return out
}
