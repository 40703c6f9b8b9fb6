package mcpgen

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// ResultProperty is the property that holds a non-object response in a
// wrapped output (see [Tool.OutputWrapped]).
const ResultProperty = "result"

// buildOutput returns the encoded output schema of op, whether the
// response is wrapped, and an error when the response schema cannot be
// made self-contained. There is no output schema (nil) when the success
// response has no JSON content or an empty schema, since nothing would be
// gained by one. An object response (after looking through a top-level
// reference and merging a top-level allOf) is used as the root; anything
// else is wrapped as {"result": value} so that the root is always an
// object, as protocol versions up to 2025-11-25 require.
func (g *generator) buildOutput(op *openapi.Operation) ([]byte, bool, error) {
	resp := op.Success
	if resp == nil || len(resp.Schema) == 0 || mediaFamily(resp.ContentType) != familyJSON {
		return nil, false, nil
	}
	w := newWalker(g.doc.Schemas, modeOutput)
	var root openapi.Schema
	wrapped := false
	if obj, ok := resolveObject(g.doc.Schemas, resp.Schema); ok {
		root, _ = w.schema(obj)
		root = cloneTop(root)
		// Identifiers would re-base the "#/$defs/…" references.
		for _, k := range []string{"$id", "$schema", "$anchor", "$dynamicAnchor"} {
			delete(root, k)
		}
	} else {
		s, _ := w.schema(resp.Schema)
		root = map[string]any{
			"type":       "object",
			"properties": map[string]any{ResultProperty: s},
			"required":   []string{ResultProperty},
		}
		wrapped = true
	}
	if bad := sortedKeys(w.bad); len(bad) > 0 {
		return nil, false, fmt.Errorf("unresolvable schema reference %q", bad[0])
	}
	defs, err := g.defs.closure(modeOutput, w.refs)
	if err != nil {
		return nil, false, err
	}
	if len(defs) > 0 {
		root["$defs"] = defs
	}
	raw, err := g.defs.enc.encode(root)
	if err != nil {
		return nil, false, err
	}
	return raw, wrapped, nil
}

func (g *generator) maxOutput() int {
	switch {
	case g.opts.MaxOutputSchema < 0:
		return 0
	case g.opts.MaxOutputSchema == 0:
		return DefaultMaxOutputSchema
	}
	return g.opts.MaxOutputSchema
}

// reduceOutput shrinks an encoded output schema above max bytes: $defs
// go, and every reference becomes {} (any value), so the top-level shape
// stays and conforming results still conform. It returns nil when the
// reduced schema is still above max.
func (g *generator) reduceOutput(raw []byte, max int) ([]byte, error) {
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers (bounds, enums) exactly as written
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("decode output schema: %w", err)
	}
	delete(root, "$defs")
	reduced, err := g.defs.enc.encode(stripRefs(root))
	if err != nil {
		return nil, err
	}
	if len(reduced) > max {
		return nil, nil
	}
	return reduced, nil
}

// stripRefs replaces every schema holding a "$ref" by {} in a decoded
// (and therefore private) schema tree.
func stripRefs(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["$ref"]; ok {
			return map[string]any{}
		}
		for k, e := range t {
			t[k] = stripRefs(e)
		}
	case []any:
		for i, e := range t {
			t[i] = stripRefs(e)
		}
	}
	return v
}
