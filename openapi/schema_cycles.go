package openapi

import (
	"fmt"
	"slices"
	"strings"
)

// inPlaceKeys are the keywords whose subschemas apply to the same
// instance as their parent. A cycle of named schemas through only these
// (A: {allOf: [{$ref: B}]}, B: {oneOf: [{$ref: A}]}) never reaches a
// value: a validator loops on it or refuses it, so every call would fail
// for a defect of the document. Cycles through properties or items are
// ordinary recursive data and stay.
var inPlaceKeys = []string{"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"}

// breakCycles finds the named schemas that refer to themselves through
// in-place keywords only and makes each of them permissive (keeping its
// title and description), with a warning naming it.
func (n *normalizer) breakCycles() {
	defs := n.sc.defs
	edges := make(map[string][]string, len(defs))
	for name, s := range defs {
		var out []string
		var walk func(v any)
		walk = func(v any) {
			switch t := v.(type) {
			case map[string]any:
				if ref, ok := t["$ref"].(string); ok {
					if target, ok := strings.CutPrefix(ref, "#/$defs/"); ok {
						out = append(out, target)
					}
				}
				for _, k := range inPlaceKeys {
					walk(t[k])
				}
			case []any:
				for _, c := range t {
					walk(c)
				}
			}
		}
		walk(s)
		if k, ok := s["dependentSchemas"].(map[string]any); ok {
			for _, c := range k {
				walk(c)
			}
		}
		edges[name] = out
	}
	// Depth-first search; a back edge closes a cycle.
	const (
		white = iota
		grey
		black
	)
	color := make(map[string]int, len(defs))
	var cyclic []string
	var visit func(name string, stack []string)
	visit = func(name string, stack []string) {
		color[name] = grey
		stack = append(stack, name)
		for _, next := range edges[name] {
			switch color[next] {
			case white:
				if _, ok := defs[next]; ok {
					visit(next, stack)
				}
			case grey:
				// stack from next to name is a cycle; degrade its first member.
				i := slices.Index(stack, next)
				cyclic = append(cyclic, stack[i])
				n.warnCycle(stack[i:])
			}
		}
		color[name] = black
	}
	for _, name := range sortedKeys(defs) {
		if color[name] == white {
			visit(name, nil)
		}
	}
	for _, name := range cyclic {
		s := defs[name]
		keep := Schema{}
		for _, k := range []string{"title", "description"} {
			if v, ok := s[k]; ok {
				keep[k] = v
			}
		}
		defs[name] = keep
	}
}

func (n *normalizer) warnCycle(cycle []string) {
	n.diags = append(n.diags, Diagnostic{Code: "schema.cycle", Severity: SeverityWarning, File: n.r.label,
		Message: fmt.Sprintf("schema %q refers to itself through allOf/anyOf/oneOf/not/if (%s → %s) without describing any value; it accepts any value",
			cycle[0], strings.Join(cycle, " → "), cycle[0])})
}
