package policies

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// offlineAccess is never advertised in the baseline (MCP authorization,
// "Refresh Tokens").
const offlineAccess = "offline_access"

// bitset is a set of scope indexes of one [Set].
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int) { b[i/64] |= 1 << (uint(i) % 64) }

func (b bitset) has(i int) bool { return i/64 < len(b) && b[i/64]&(1<<(uint(i)%64)) != 0 }

func (b bitset) or(o bitset) {
	for i := range o {
		b[i] |= o[i]
	}
}

// missing counts the bits of b that g lacks.
func (b bitset) missing(g bitset) int {
	n := 0
	for i, w := range b {
		if i < len(g) {
			w &^= g[i]
		}
		n += bits.OnesCount64(w)
	}
	return n
}

// scopeGraph holds the scope map and the hierarchy, in identity-provider
// scope names, during compilation.
type scopeGraph struct {
	rename map[string]string
	// implies maps a scope to everything it implies, itself excluded
	// (transitive closure).
	implies map[string]map[string]bool
}

// newScopeGraph maps the hierarchy to identity-provider names and closes
// it. Cycles are reported on the hierarchy as written.
func newScopeGraph(cfg *Config) (*scopeGraph, Problems) {
	g := &scopeGraph{implies: map[string]map[string]bool{}}
	if cfg == nil {
		return g, nil
	}
	g.rename = cfg.ScopeMap
	ps := hierarchyCycles(cfg.Hierarchy)
	direct := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(cfg.Hierarchy)) {
		from := g.mapScope(k)
		for _, v := range cfg.Hierarchy[k] {
			if to := g.mapScope(v); to != from {
				direct[from] = append(direct[from], to)
			}
		}
	}
	for from := range direct {
		seen := map[string]bool{}
		stack := slices.Clone(direct[from])
		for len(stack) > 0 {
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[s] || s == from {
				continue
			}
			seen[s] = true
			stack = append(stack, direct[s]...)
		}
		g.implies[from] = seen
	}
	return g, ps
}

// mapScope returns the identity-provider name of API scope s.
func (g *scopeGraph) mapScope(s string) string {
	if m, ok := g.rename[s]; ok {
		return m
	}
	return s
}

// reduce maps API scopes to identity-provider names and prunes them.
func (g *scopeGraph) reduce(scopes []string) []string {
	mapped := make([]string, len(scopes))
	for i, s := range scopes {
		mapped[i] = g.mapScope(s)
	}
	return g.prune(mapped)
}

// prune drops duplicate identity-provider scopes and scopes implied by
// another scope of the same set, and sorts the result.
func (g *scopeGraph) prune(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		implied := slices.ContainsFunc(scopes, func(t string) bool { return t != s && g.implies[t][s] })
		if !implied && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Clip(out)
}

// hierarchyCycles reports every cycle of h once, as written.
func hierarchyCycles(h map[string][]string) Problems {
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var ps Problems
	var stack []string
	var visit func(n string)
	visit = func(n string) {
		state[n] = active
		stack = append(stack, n)
		for _, m := range h[n] {
			switch state[m] {
			case active:
				i := slices.Index(stack, m)
				cycle := append(slices.Clone(stack[i:]), m)
				ps = append(ps, Problem{
					Code: CodeHierarchyCycle, Severity: openapi.SeverityError, Path: "hierarchy." + m,
					Message: fmt.Sprintf("cycle %s", strings.Join(cycle, " → ")),
				})
			case unvisited:
				visit(m)
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if state[k] == unvisited {
			visit(k)
		}
	}
	return ps
}

// scopeIndex numbers the identity-provider scopes one [Set] knows and holds
// each scope's closure as a bitset, so that a granted scope expands to
// everything it implies with one lookup.
type scopeIndex struct {
	index   map[string]int
	closure map[string]bitset
	words   int
}

// newScopeIndex numbers names (the scopes some requirement uses) and
// computes the closure of every scope that is used or that implies a used
// scope.
func newScopeIndex(names map[string]bool, g *scopeGraph) *scopeIndex {
	sorted := slices.Sorted(maps.Keys(names))
	x := &scopeIndex{index: make(map[string]int, len(sorted)), closure: map[string]bitset{}}
	for i, n := range sorted {
		x.index[n] = i
	}
	x.words = (len(sorted) + 63) / 64
	add := func(name string) {
		b := newBitset(len(sorted))
		found := false
		if i, ok := x.index[name]; ok {
			b.set(i)
			found = true
		}
		for implied := range g.implies[name] {
			if i, ok := x.index[implied]; ok {
				b.set(i)
				found = true
			}
		}
		if found {
			x.closure[name] = b
		}
	}
	for _, n := range sorted {
		add(n)
	}
	for n := range g.implies {
		if _, ok := x.index[n]; !ok {
			add(n)
		}
	}
	return x
}

// grant returns the expanded set of scopes.
func (x *scopeIndex) grant(scopes []string) bitset {
	b := make(bitset, x.words)
	for _, s := range scopes {
		if c, ok := x.closure[s]; ok {
			b.or(c)
		}
	}
	return b
}

// bits returns the bitset of scopes and their indexes.
func (x *scopeIndex) bits(scopes []string) (bitset, []int) {
	b := make(bitset, x.words)
	idx := make([]int, len(scopes))
	for k, s := range scopes {
		idx[k] = x.index[s]
		b.set(idx[k])
	}
	return b, idx
}
