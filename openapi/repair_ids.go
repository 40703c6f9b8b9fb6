package openapi

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// OpenAPI 3.1 schemas may be referenced by their "$id" or "$anchor"
// ("$ref": "/schemas/address#home") instead of a JSON pointer.
// kin-openapi resolves such references as locations (a file path), so
// they fail, and every operation using them is lost. The repair path
// rewrites every reference that names an $id or $anchor of the document
// into a local reference to a components/schemas entry (hoisting the
// target there under a new name when it is nested elsewhere).

// idTarget is a schema identified by an $id or $anchor.
type idTarget struct {
	ptr    string         // JSON pointer of the schema in the document
	schema map[string]any // the schema object
	name   string         // suggested components/schemas name
}

// rewriteIDRefs rewrites $id/$anchor references of root; it returns how
// many it rewrote.
func (r *loadRun) rewriteIDRefs(root map[string]any) int {
	base := r.location
	if base == nil {
		base = &url.URL{Scheme: "urn", Opaque: "rest2mcp:document"}
	}
	if base.Opaque != "" {
		// Relative $ids need a hierarchical base.
		base = &url.URL{Scheme: "mem", Path: "/document"}
	}
	ids := map[string]*idTarget{}
	var collect func(v any, base *url.URL, ptr string)
	collect = func(v any, base *url.URL, ptr string) {
		switch t := v.(type) {
		case map[string]any:
			if id, ok := t["$id"].(string); ok {
				if u, err := url.Parse(id); err == nil {
					base = base.ResolveReference(u)
					key := *base
					key.Fragment = ""
					ids[key.String()] = &idTarget{ptr: ptr, schema: t, name: path.Base(strings.TrimSuffix(key.Path, "/"))}
				}
			}
			if a, ok := t["$anchor"].(string); ok && a != "" {
				key := *base
				key.Fragment = a
				ids[key.String()] = &idTarget{ptr: ptr, schema: t, name: a}
			}
			for _, k := range sortedKeys(t) {
				collect(t[k], base, ptr+"/"+escapePointer(k))
			}
		case []any:
			for i, c := range t {
				collect(c, base, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	collect(root, base, "")
	if len(ids) == 0 {
		return 0
	}
	schemas := ensureMap(root, "/components/schemas")
	hoisted := map[*idTarget]string{}
	localName := func(t *idTarget) string {
		if name, ok := strings.CutPrefix(t.ptr, "/components/schemas/"); ok && !strings.Contains(name, "/") {
			return strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
		}
		if name, ok := hoisted[t]; ok {
			return name
		}
		name := unsafeNameChars.ReplaceAllString(t.name, "_")
		if name == "" || name == "_" {
			name = "Schema"
		}
		for n := 2; ; n++ {
			if _, taken := schemas[name]; !taken {
				break
			}
			name = fmt.Sprintf("%s_%d", strings.TrimSuffix(name, "_"+strconv.Itoa(n-1)), n)
		}
		schemas[name] = t.schema
		hoisted[t] = name
		return name
	}
	rewritten := 0
	var rewrite func(v any, base *url.URL)
	rewrite = func(v any, base *url.URL) {
		switch t := v.(type) {
		case map[string]any:
			if id, ok := t["$id"].(string); ok {
				if u, err := url.Parse(id); err == nil {
					base = base.ResolveReference(u)
				}
			}
			if ref, ok := t["$ref"].(string); ok && !strings.HasPrefix(ref, "#/") {
				if u, err := url.Parse(ref); err == nil {
					abs := base.ResolveReference(u)
					if target, ok := ids[abs.String()]; ok {
						t["$ref"] = "#/components/schemas/" + escapePointer(localName(target))
						rewritten++
					} else if frag := abs.Fragment; strings.HasPrefix(frag, "/") {
						doc := *abs
						doc.Fragment = ""
						if target, ok := ids[doc.String()]; ok {
							t["$ref"] = "#/components/schemas/" + escapePointer(localName(target)) + frag
							rewritten++
						}
					}
				}
			}
			for _, k := range sortedKeys(t) {
				rewrite(t[k], base)
			}
		case []any:
			for _, c := range t {
				rewrite(c, base)
			}
		}
	}
	rewrite(root, base)
	if rewritten > 0 {
		r.diags = append(r.diags, Diagnostic{Code: "ref.id", Severity: SeverityInfo, File: r.label,
			Message: fmt.Sprintf("%d reference(s) to a schema's $id or $anchor were resolved within the document", rewritten)})
	}
	return rewritten
}
