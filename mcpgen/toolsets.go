package mcpgen

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Toolset is a named group of an API's tools, served as its own endpoint
// (/mcp/<api>/<name>) so that a client sees only the part of a large API
// it needs.
type Toolset struct {
	// Name is the toolset's URL segment: [a-z0-9-], at most 63 bytes.
	Name string
	// ReadOnly marks the read-only variant of another toolset: only its
	// tools with the read-only hint.
	ReadOnly bool
	// Tools are sorted by name.
	Tools []*Tool
}

// Toolset sizes of [AutoToolsets].
const (
	// DefaultToolsetMax is the most tools an automatic toolset holds,
	// below the 128 tools VS Code and Copilot accept per server.
	DefaultToolsetMax = 100
	// toolsetMin is the size under which a group is merged with other
	// small groups.
	toolsetMin = 5
	// ReadOnlySuffix ends the name of a toolset's read-only variant.
	ReadOnlySuffix = "-readonly"
)

// AutoToolsets splits tools into toolsets of at most max tools (zero or
// negative means [DefaultToolsetMax]): by the operation's first tag
// (operations without tags by their first path segment); a group larger
// than max is split by the next literal path segment, recursively, and
// the parts packed in path order; groups smaller than five tools are
// merged by the first word of their names, and what stays small is packed
// into "more" toolsets. Every tool lands in exactly one toolset. Names are
// derived from tags and path words, so the same spec always gives the same
// toolsets. The result is sorted by name.
func AutoToolsets(tools []*Tool, max int) []Toolset {
	if max <= 0 {
		max = DefaultToolsetMax
	}
	groups := map[string][]*Tool{}
	for _, t := range tools {
		key := toolsetKey(t)
		groups[key] = append(groups[key], t)
	}
	var sets []Toolset
	var small []*Tool
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		g := groups[key]
		switch {
		case len(g) < toolsetMin:
			small = append(small, g...)
		case len(g) <= max:
			sets = append(sets, Toolset{Name: key, Tools: g})
		default:
			sets = append(sets, splitByPath(key, g, max)...)
		}
	}
	// Small groups meet by the first word of their names ("access-groups"
	// and "access-tags" make "access"); what stays small goes to "more".
	byWord := map[string][]*Tool{}
	for _, t := range small {
		w, _, _ := strings.Cut(toolsetKey(t), "-")
		byWord[w] = append(byWord[w], t)
	}
	small = nil
	for _, w := range slices.Sorted(maps.Keys(byWord)) {
		g := byWord[w]
		switch {
		case len(g) < toolsetMin:
			small = append(small, g...)
		case len(g) <= max:
			sets = append(sets, Toolset{Name: w, Tools: g})
		default:
			sets = append(sets, splitByPath(w, g, max)...)
		}
	}
	if len(small) > 0 {
		sortByPath(small)
		for i, chunk := range chunks(small, max) {
			name := "more"
			if i > 0 {
				name = fmt.Sprintf("more-%d", i+1)
			}
			sets = append(sets, Toolset{Name: name, Tools: chunk})
		}
	}
	uniqueToolsetNames(sets)
	for i := range sets {
		slices.SortFunc(sets[i].Tools, func(a, b *Tool) int { return cmp.Compare(a.Name, b.Name) })
	}
	slices.SortFunc(sets, func(a, b Toolset) int { return cmp.Compare(a.Name, b.Name) })
	return sets
}

// ReadOnlyVariants returns, for each toolset with at least one read-only
// tool, its read-only variant named <name>-readonly.
func ReadOnlyVariants(sets []Toolset) []Toolset {
	var out []Toolset
	for _, s := range sets {
		if s.ReadOnly {
			continue
		}
		var ro []*Tool
		for _, t := range s.Tools {
			if t.Annotations.ReadOnly {
				ro = append(ro, t)
			}
		}
		if len(ro) > 0 {
			out = append(out, Toolset{Name: truncateSlug(s.Name, 63-len(ReadOnlySuffix)) + ReadOnlySuffix, ReadOnly: true, Tools: ro})
		}
	}
	return out
}

// toolsetKey is the group of a tool: the slug of its first tag, else of
// its first literal path segment, else "root".
func toolsetKey(t *Tool) string {
	if op := t.Operation; op != nil {
		for _, tag := range op.Tags {
			if s := slug(tag); s != "" {
				return s
			}
		}
		if segs := literalSegments(op.Path); len(segs) > 0 {
			if s := slug(segs[0]); s != "" {
				return s
			}
		}
	}
	return "root"
}

// splitByPath splits a group larger than max by the literal path segment
// that follows the segments all its operations share, and packs the parts
// (in path order, a part never split unless it alone exceeds max) into
// toolsets named <key>-<first part's segment>.
func splitByPath(key string, tools []*Tool, max int) []Toolset {
	sortByPath(tools)
	depth := commonLiteralDepth(tools)
	parts := map[string][]*Tool{}
	for _, t := range tools {
		segs := literalSegments(t.Operation.Path)
		sub := "root"
		if depth < len(segs) {
			sub = slug(segs[depth])
		}
		parts[sub] = append(parts[sub], t)
	}
	if len(parts) == 1 {
		// No path structure left to split by: fixed-size chunks.
		var sets []Toolset
		for i, c := range chunks(tools, max) {
			sets = append(sets, Toolset{Name: fmt.Sprintf("%s-%d", key, i+1), Tools: c})
		}
		return sets
	}
	var sets []Toolset
	var cur []*Tool
	curName := ""
	flush := func() {
		if len(cur) > 0 {
			sets = append(sets, Toolset{Name: key + "-" + curName, Tools: cur})
			cur, curName = nil, ""
		}
	}
	for _, sub := range slices.Sorted(maps.Keys(parts)) {
		p := parts[sub]
		if len(p) > max {
			flush()
			sets = append(sets, splitByPath(key+"-"+sub, p, max)...)
			continue
		}
		if len(cur)+len(p) > max {
			flush()
		}
		if curName == "" {
			curName = sub
		}
		cur = append(cur, p...)
	}
	flush()
	return mergeSmall(sets, max)
}

// mergeSmall merges each toolset smaller than toolsetMin into a neighbour
// (the previous one, else the next) when both fit in max.
func mergeSmall(sets []Toolset, max int) []Toolset {
	for i := 0; i < len(sets); i++ {
		if len(sets[i].Tools) >= toolsetMin || len(sets) == 1 {
			continue
		}
		j := i - 1
		if j < 0 || len(sets[j].Tools)+len(sets[i].Tools) > max {
			j = i + 1
		}
		if j >= len(sets) || len(sets[j].Tools)+len(sets[i].Tools) > max {
			continue
		}
		sets[j].Tools = append(sets[j].Tools, sets[i].Tools...)
		sets = slices.Delete(sets, i, i+1)
		i--
	}
	return sets
}

// commonLiteralDepth is the number of leading literal path segments all
// tools share.
func commonLiteralDepth(tools []*Tool) int {
	first := literalSegments(tools[0].Operation.Path)
	depth := len(first)
	for _, t := range tools[1:] {
		segs := literalSegments(t.Operation.Path)
		n := 0
		for n < depth && n < len(segs) && segs[n] == first[n] {
			n++
		}
		depth = n
	}
	return depth
}

// literalSegments are the path template's segments that are not
// parameters ("/repos/{owner}/{repo}/issues" → repos, issues).
func literalSegments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s != "" && !strings.HasPrefix(s, "{") {
			out = append(out, s)
		}
	}
	return out
}

func sortByPath(tools []*Tool) {
	slices.SortStableFunc(tools, func(a, b *Tool) int {
		if c := cmp.Compare(a.Operation.Path, b.Operation.Path); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}

func chunks(tools []*Tool, n int) [][]*Tool {
	var out [][]*Tool
	for len(tools) > n {
		out = append(out, tools[:n:n])
		tools = tools[n:]
	}
	return append(out, tools)
}

// uniqueToolsetNames bounds names to 63 bytes and suffixes duplicates
// with -2, -3, … in order.
func uniqueToolsetNames(sets []Toolset) {
	seen := map[string]bool{}
	for i := range sets {
		name := truncateSlug(sets[i].Name, 63)
		base := truncateSlug(name, 58)
		for n := 2; seen[name]; n++ {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		seen[name] = true
		sets[i].Name = name
	}
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a URL segment of a tag or path word ("Pull Requests" →
// "pull-requests").
func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func truncateSlug(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimRight(s[:n], "-")
}

// ValidToolsetName reports whether name can be a toolset's URL segment.
func ValidToolsetName(name string) bool {
	return toolsetNameRE.MatchString(name)
}

var toolsetNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
