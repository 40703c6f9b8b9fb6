package mcpgen

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// defEntry is one definition rewritten for one mode, computed once per
// [Generate] call and shared by every tool that references it.
type defEntry struct {
	raw  json.RawMessage
	refs []string
	bad  []string
	err  error
}

// defCache memoises rewritten and encoded definitions per mode.
type defCache struct {
	defs    map[string]openapi.Schema
	entries [numModes]map[string]*defEntry
	// enc is the encoder shared by everything one Generate call encodes.
	enc *encoder
}

func newDefCache(defs map[string]openapi.Schema) *defCache {
	c := &defCache{defs: defs, enc: &encoder{}}
	for i := range c.entries {
		c.entries[i] = map[string]*defEntry{}
	}
	return c
}

// entry returns the rewritten definition name for mode.
func (c *defCache) entry(mode schemaMode, name string) *defEntry {
	if e, ok := c.entries[mode][name]; ok {
		return e
	}
	w := newWalker(c.defs, mode)
	s, _ := w.schema(c.defs[name])
	e := &defEntry{refs: sortedKeys(w.refs), bad: sortedKeys(w.bad)}
	e.raw, e.err = c.enc.encode(s)
	c.entries[mode][name] = e
	return e
}

// closure returns the encoded definitions transitively referenced from
// roots, keyed by name. It fails on the first (by name) reference that does
// not resolve or definition that cannot be encoded.
func (c *defCache) closure(mode schemaMode, roots map[string]struct{}) (map[string]json.RawMessage, error) {
	if len(roots) == 0 {
		return nil, nil
	}
	out := make(map[string]json.RawMessage, len(roots))
	queue := sortedKeys(roots)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := out[name]; done {
			continue
		}
		e := c.entry(mode, name)
		if len(e.bad) > 0 {
			return nil, fmt.Errorf("schema %q: unresolvable reference %q", name, e.bad[0])
		}
		if e.err != nil {
			return nil, fmt.Errorf("schema %q: %w", name, e.err)
		}
		out[name] = e.raw
		for _, r := range e.refs {
			if _, done := out[r]; !done {
				queue = append(queue, r)
			}
		}
	}
	return out, nil
}

// sortedKeys returns the keys of a set in order; nil for an empty set.
func sortedKeys(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
