package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The repair path runs only when kin-openapi refuses a document as a whole.
// It parses the document into generic values, rewrites the constructs
// kin-openapi cannot read (operations given as $ref, $ref in place of a
// description string), and then finds the components and operations that
// still break the load by bisection, leaving those out with a diagnostic.

// part is one separately loadable piece of a document: a component, an
// operation (method set) or a whole path item (method empty).
type part struct {
	// section is the JSON pointer of the containing map, e.g.
	// "/components/schemas", "/definitions" or "/paths".
	section string
	name    string
	method  string
	// trim drops an operation's responses other than its success one.
	trim bool
}

func (p part) pointer() string {
	ptr := p.section + "/" + escapePointer(p.name)
	if p.method != "" {
		ptr += "/" + p.method
	}
	return ptr
}

// Component sections of the two document generations, as JSON pointers.
var (
	v3Sections = []string{
		"/components/schemas", "/components/parameters", "/components/headers",
		"/components/requestBodies", "/components/responses", "/components/securitySchemes",
		"/components/examples", "/components/links", "/components/callbacks", "/components/pathItems",
	}
	v2Sections = []string{"/definitions", "/parameters", "/responses", "/securityDefinitions"}
)

// pathItemMethods are the operation keys of a path item.
var pathItemMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace", "query", "connect"}

func isMethodKey(k string) bool { return slices.Contains(pathItemMethods, k) }

// repair loads what can be loaded of a document kin-openapi refused.
func (r *loadRun) repair(data []byte, ver specVersion, firstErr error) (*openapi3.T, error) {
	tree, err := parseTree(data)
	if err != nil {
		var pe *parseError
		d := Diagnostic{Code: "spec.parse", Severity: SeverityError, File: r.label, Message: err.Error()}
		if errors.As(err, &pe) {
			d.Line = pe.line
		}
		r.diags = append(r.diags, d)
		return nil, err
	}
	root, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: top level is not an object", ErrNotOpenAPI)
	}
	r.diags = append(r.diags, Diagnostic{
		Code: "spec.partial", Severity: SeverityWarning, File: r.label,
		Message: "kin-openapi refused the document as a whole, loading it part by part: " + firstErr.Error(),
	})
	r.reader.transform = r.repairFile
	defer func() {
		if r.inlinedContainers > 0 {
			r.diags = append(r.diags, Diagnostic{Code: "spec.container-ref", Severity: SeverityInfo, File: r.label,
				Message: fmt.Sprintf("%d map(s) or list(s) given as $ref (not allowed by OpenAPI) were inlined", r.inlinedContainers)})
		}
	}()
	if !ver.swagger {
		r.inlineOperationRefs(root)
		r.rewriteIDRefs(root)
	}
	if err := r.repairTree(root, r.location, true, root, 0); err != nil {
		return nil, fmt.Errorf("repair document: %w", err)
	}
	r.repairSchemas(root, ver)

	sections := v3Sections
	if ver.swagger {
		sections = v2Sections
	}
	var comps, ops []part
	for _, s := range sections {
		for _, name := range sortedKeys(mapAt(root, s)) {
			comps = append(comps, part{section: s, name: name})
		}
	}
	for _, s := range []string{"/paths", "/webhooks"} {
		items := mapAt(root, s)
		for _, name := range sortedKeys(items) {
			pi, _ := items[name].(map[string]any)
			methods := 0
			for _, m := range pathItemMethods {
				if _, ok := pi[m]; ok {
					ops = append(ops, part{section: s, name: name, method: m})
					methods++
				}
			}
			if methods == 0 {
				ops = append(ops, part{section: s, name: name})
			}
		}
	}

	load := func(keep []part) (*openapi3.T, error) {
		js, err := json.Marshal(subset(root, keep, sections))
		if err != nil {
			return nil, fmt.Errorf("encode repaired document: %w", err)
		}
		return r.attempt(js, ver)
	}
	all := append(slices.Clone(comps), ops...)
	if doc, err := load(all); err == nil {
		return doc, nil
	}
	goodComps, err := r.loadableComponents(comps, load)
	if err != nil {
		return nil, err
	}
	goodOps := r.loadableOperations(ops, goodComps, load)
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	return load(append(goodComps, goodOps...))
}

// loadableComponents returns the components that load without any
// operation. Components refer to each other, so they cannot be tried in
// isolation: whole sections that break the load are left out instead.
func (r *loadRun) loadableComponents(comps []part, load func([]part) (*openapi3.T, error)) ([]part, error) {
	_, cerr := load(comps)
	if cerr == nil {
		return comps, nil
	}
	if _, err := load(nil); err != nil {
		return nil, fmt.Errorf("document does not load even without paths and components: %w", err)
	}
	for _, s := range slices.Compact(partSections(comps)) {
		without := slices.DeleteFunc(slices.Clone(comps), func(p part) bool { return p.section == s })
		if _, err := load(without); err == nil {
			r.diags = append(r.diags, Diagnostic{Code: "component.invalid", Severity: SeverityError, File: r.label, Pointer: s,
				Message: "section left out: " + cerr.Error()})
			return without, nil
		}
	}
	// Several sections are broken: keep only the security schemes, which
	// refer to nothing, so that operations can still be tried.
	schemes := slices.DeleteFunc(slices.Clone(comps), func(p part) bool {
		return p.section != "/components/securitySchemes" && p.section != "/securityDefinitions"
	})
	if _, err := load(schemes); err != nil {
		schemes = nil
	}
	r.diags = append(r.diags, Diagnostic{Code: "component.invalid", Severity: SeverityError, File: r.label, Pointer: "/components",
		Message: "components other than security schemes left out: " + cerr.Error()})
	return schemes, nil
}

func partSections(ps []part) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.section
	}
	return out
}

// opChunk is how many operations are tried together before bisecting.
const opChunk = 16

// loadableOperations returns the operations that load together with the
// components base, reporting each one that does not. Operations do not
// refer to each other, so they are tried in chunks without the others and
// failing chunks are bisected; an operation that still fails is tried once
// more with its non-success responses removed.
func (r *loadRun) loadableOperations(ops, base []part, load func([]part) (*openapi3.T, error)) []part {
	var good []part
	try := func(set []part) error {
		_, err := load(append(slices.Clone(base), set...))
		return err
	}
	var rec func(set []part)
	rec = func(set []part) {
		if len(set) == 0 || r.ctx.Err() != nil {
			return
		}
		err := try(set)
		switch {
		case err == nil:
			good = append(good, set...)
		case len(set) > 1:
			mid := len(set) / 2
			rec(set[:mid])
			rec(set[mid:])
		default:
			p := set[0]
			p.trim = true
			if p.method != "" && try([]part{p}) == nil {
				d := partDiagnostic(p, err, r.label)
				d.Severity = SeverityWarning
				d.Message = "non-success responses dropped: " + err.Error()
				r.diags = append(r.diags, d)
				good = append(good, p)
				return
			}
			r.diags = append(r.diags, partDiagnostic(set[0], err, r.label))
		}
	}
	for chunk := range slices.Chunk(ops, opChunk) {
		rec(chunk)
	}
	return good
}

func partDiagnostic(p part, err error, file string) Diagnostic {
	msg := err.Error()
	code := "operation.invalid"
	switch {
	case strings.HasPrefix(p.section, "/paths") || strings.HasPrefix(p.section, "/webhooks"):
	case strings.HasSuffix(p.section, "/schemas") || p.section == "/definitions":
		code = "schema.invalid"
	default:
		code = "component.invalid"
	}
	switch {
	case strings.Contains(msg, errRefHost.Error()):
		code = "ref.host"
	case strings.Contains(msg, errRefEscape.Error()):
		code = "ref.escape"
	case strings.Contains(msg, "ref") || strings.Contains(msg, "resolv"):
		code = "ref.unresolved"
	}
	what := "operation skipped"
	if p.method == "" {
		what = "left out"
	}
	return Diagnostic{Code: code, Severity: SeverityError, File: file, Pointer: p.pointer(), Message: what + ": " + msg}
}

// subset returns a shallow copy of root holding only the kept parts of its
// component sections, paths and webhooks.
func subset(root map[string]any, keep []part, sections []string) map[string]any {
	out := make(map[string]any, len(root))
	for k, v := range root {
		out[k] = v
	}
	delete(out, "paths")
	delete(out, "webhooks")
	if c, ok := root["components"].(map[string]any); ok {
		cc := make(map[string]any, len(c))
		for k, v := range c {
			if !slices.Contains(sections, "/components/"+k) {
				cc[k] = v
			}
		}
		out["components"] = cc
	}
	for _, s := range sections {
		if strings.Count(s, "/") == 1 {
			delete(out, s[1:])
		}
	}
	out["paths"] = map[string]any{}
	for _, p := range keep {
		src := mapAt(root, p.section)
		dst := ensureMap(out, p.section)
		if p.method == "" || !strings.HasPrefix(p.section, "/paths") && !strings.HasPrefix(p.section, "/webhooks") {
			dst[p.name] = src[p.name]
			continue
		}
		pi, _ := src[p.name].(map[string]any)
		cp, ok := dst[p.name].(map[string]any)
		if !ok {
			cp = make(map[string]any, len(pi))
			for k, v := range pi {
				if !isMethodKey(k) {
					cp[k] = v
				}
			}
			dst[p.name] = cp
		}
		op := pi[p.method]
		if p.trim {
			op = trimResponses(op)
		}
		cp[p.method] = op
	}
	return out
}

// trimResponses returns a copy of a generic operation keeping only the
// response the normaliser would pick as the success one.
func trimResponses(op any) any {
	m, ok := op.(map[string]any)
	if !ok {
		return op
	}
	rs, _ := m["responses"].(map[string]any)
	keep := ""
	for _, k := range sortedKeys(rs) {
		if len(k) == 3 && k[0] == '2' {
			keep = k
			break
		}
	}
	if keep == "" {
		for _, k := range []string{"2XX", "2xx", "default"} {
			if _, ok := rs[k]; ok {
				keep = k
				break
			}
		}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	trimmed := map[string]any{}
	if keep != "" {
		trimmed[keep] = rs[keep]
	} else {
		trimmed["default"] = map[string]any{"description": "unspecified"}
	}
	out["responses"] = trimmed
	return out
}

// mapAt returns the map at a simple pointer like "/components/schemas",
// nil when absent.
func mapAt(root map[string]any, ptr string) map[string]any {
	cur := root
	for _, tok := range strings.Split(ptr[1:], "/") {
		next, ok := cur[tok].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

// ensureMap returns the map at ptr in root, creating maps on the way.
func ensureMap(root map[string]any, ptr string) map[string]any {
	cur := root
	for _, tok := range strings.Split(ptr[1:], "/") {
		next, ok := cur[tok].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[tok] = next
		}
		cur = next
	}
	return cur
}

// inlineOperationRefs replaces operations written as {$ref: file} (not
// allowed by OpenAPI but common in multi-file documents) by the referenced
// object, with the references inside it rebased to absolute locations.
func (r *loadRun) inlineOperationRefs(root map[string]any) {
	count := 0
	paths := mapAt(root, "/paths")
	for _, key := range sortedKeys(paths) {
		pi, ok := paths[key].(map[string]any)
		if !ok {
			continue
		}
		for _, m := range pathItemMethods {
			op, ok := pi[m].(map[string]any)
			if !ok {
				continue
			}
			ref, ok := op["$ref"].(string)
			if !ok {
				continue
			}
			ptr := "/paths/" + escapePointer(key) + "/" + m
			target, err := r.resolveTreeRef(root, r.location, true, ref, 0)
			if err == nil {
				if _, isMap := target.(map[string]any); !isMap {
					err = errors.New("target is not an object")
				}
			}
			if err != nil {
				r.diags = append(r.diags, Diagnostic{Code: refCode(err), Severity: SeverityError, File: r.label, Pointer: ptr,
					Message: fmt.Sprintf("operation skipped: resolve operation $ref %q: %v", ref, err)})
				delete(pi, m)
				continue
			}
			obj := target.(map[string]any)
			for k, v := range op {
				if k != "$ref" {
					obj[k] = v
				}
			}
			pi[m] = obj
			count++
		}
	}
	if count > 0 {
		r.diags = append(r.diags, Diagnostic{Code: "spec.operation-ref", Severity: SeverityInfo, File: r.label, Pointer: "/paths",
			Message: fmt.Sprintf("%d operation(s) given as $ref (not allowed by OpenAPI) were inlined", count)})
	}
}

func refCode(err error) string {
	switch {
	case errors.Is(err, errRefHost):
		return "ref.host"
	case errors.Is(err, errRefEscape):
		return "ref.escape"
	default:
		return "ref.unresolved"
	}
}

// containerKeys are the keys whose value is a map or list of objects,
// which some multi-file documents give as a $ref to another file (not
// allowed by OpenAPI, and refused by kin-openapi): such a $ref is
// replaced by the value it points to.
var containerKeys = map[string]bool{
	"parameters": true, "responses": true, "content": true, "headers": true, "encoding": true,
	"links": true, "callbacks": true, "examples": true, "servers": true, "security": true,
	"schemas": true, "requestBodies": true, "securitySchemes": true, "pathItems": true,
	"definitions": true, "$defs": true, "paths": true, "webhooks": true, "variables": true,
	"patternProperties": true, "tags": true,
}

// maxRepairDepth bounds nested reference resolution during repairs.
const maxRepairDepth = 32

// repairTree rewrites, in a document or referenced file located at base,
// the constructs kin-openapi cannot read:
//   - {$ref} objects where a description, summary or title string belongs
//     are replaced by the referenced string (or dropped);
//   - a "properties" map given as {$ref} to a map of properties is merged;
//   - relative $refs and discriminator mappings are made absolute, since
//     kin-openapi resolves some of them against the root document instead
//     of the file they are in.
//
// Local ("#...") references of the root document are left alone.
func (r *loadRun) repairTree(v any, base *url.URL, isRoot bool, root any, depth int) error {
	if depth > maxRepairDepth {
		return errors.New("references nested too deeply")
	}
	var walk func(v any, inProps bool) error
	walk = func(v any, inProps bool) error {
		switch t := v.(type) {
		case []any:
			for _, c := range t {
				if err := walk(c, false); err != nil {
					return err
				}
			}
		case map[string]any:
			if inProps {
				if ref, ok := t["$ref"].(string); ok {
					target, err := r.resolveTreeRef(root, base, isRoot, ref, depth)
					if err != nil {
						return err
					}
					tm, ok := target.(map[string]any)
					if !ok {
						return fmt.Errorf("properties $ref %q is not an object", ref)
					}
					delete(t, "$ref")
					for k, c := range tm {
						if _, exists := t[k]; !exists {
							t[k] = c
						}
					}
				}
				for _, c := range t {
					if err := walk(c, false); err != nil {
						return err
					}
				}
				return nil
			}
			for _, k := range []string{"description", "summary", "title"} {
				obj, ok := t[k].(map[string]any)
				if !ok {
					continue
				}
				ref, isRef := obj["$ref"].(string)
				if !isRef || len(obj) != 1 {
					continue
				}
				target, err := r.resolveTreeRef(root, base, isRoot, ref, depth)
				if s, isString := target.(string); err == nil && isString {
					t[k] = s
				} else {
					delete(t, k)
				}
			}
			for k, c := range t {
				if containerKeys[k] {
					if obj, ok := c.(map[string]any); ok && len(obj) == 1 {
						if ref, ok := obj["$ref"].(string); ok {
							target, err := r.resolveTreeRef(root, base, isRoot, ref, depth)
							if err != nil {
								r.diags = append(r.diags, Diagnostic{Code: refCode(err), Severity: SeverityWarning, File: r.label,
									Message: fmt.Sprintf("%q given as $ref %q left out: %v", k, ref, err)})
								delete(t, k)
								continue
							}
							t[k], c = target, target
							r.inlinedContainers++
						}
					}
				}
				switch k {
				case "$ref":
					if s, ok := c.(string); ok {
						t[k] = rebase(s, base, isRoot)
					}
					continue
				case "discriminator":
					if d, ok := c.(map[string]any); ok {
						if m, ok := d["mapping"].(map[string]any); ok {
							for mk, mv := range m {
								if s, ok := mv.(string); ok && strings.ContainsAny(s, "#/.") {
									m[mk] = rebase(s, base, isRoot)
								}
							}
						}
					}
				}
				if err := walk(c, k == "properties" || k == "patternProperties"); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(v, false)
}

// rebase makes a reference written in the file at base absolute.
func rebase(ref string, base *url.URL, isRoot bool) string {
	if base == nil || (isRoot && strings.HasPrefix(ref, "#")) {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// resolveTreeRef reads the value a $ref written in the file at base points
// to, as generic values, repaired in turn.
func (r *loadRun) resolveTreeRef(root any, base *url.URL, isRoot bool, ref string, depth int) (any, error) {
	if ref == "" {
		return nil, errors.New("empty $ref")
	}
	ru, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("parse $ref: %w", err)
	}
	if ref[0] == '#' && isRoot {
		v, ok := pointerGet(root, ru.Fragment)
		if !ok {
			return nil, fmt.Errorf("pointer %q not found", ru.Fragment)
		}
		return cloneValue(v), nil
	}
	if base == nil {
		return nil, fmt.Errorf("%w: external references are not allowed for in-memory documents", errRefEscape)
	}
	target := base.ResolveReference(ru)
	frag := target.Fragment
	target.Fragment = ""
	data, err := r.reader.readRaw(target)
	if err != nil {
		return nil, err
	}
	tree, err := parseTree(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", target.Redacted(), err)
	}
	v, ok := pointerGet(tree, frag)
	if !ok {
		return nil, fmt.Errorf("pointer %q not found in %s", frag, target.Redacted())
	}
	if err := r.repairTree(v, target, false, tree, depth+1); err != nil {
		return nil, err
	}
	return v, nil
}

// repairFile is the reader's transform in repair mode: it parses a
// referenced file, repairs it and hands it to kin-openapi as JSON.
func (r *loadRun) repairFile(data []byte, u *url.URL) ([]byte, error) {
	tree, err := parseTree(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", u.Redacted(), err)
	}
	if err := r.repairTree(tree, u, false, tree, 0); err != nil {
		return nil, fmt.Errorf("repair %s: %w", u.Redacted(), err)
	}
	return json.Marshal(tree)
}

// pointerGet follows a JSON pointer (already URL-decoded) in v.
func pointerGet(v any, ptr string) (any, bool) {
	if ptr == "" || ptr == "/" {
		return v, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch t := v.(type) {
		case map[string]any:
			next, ok := t[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i := 0
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// escapePointer escapes one JSON pointer token.
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
