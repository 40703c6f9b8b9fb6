package mcpgen

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMaxResult is the default [ShapeOptions.MaxBytes]: what one tool
// result may put in front of the model.
const DefaultMaxResult = 64 << 10

// ShapeOptions controls [ShapeJSON].
type ShapeOptions struct {
	// MaxBytes bounds the encoded result; zero means [DefaultMaxResult],
	// negative means unbounded (projection only).
	MaxBytes int
	// Fields projects the result onto these JSON pointers (RFC 6901)
	// before bounding it; a segment "*" stands for every element of an
	// array ("/items/*/name"). Empty keeps everything. Pointers that
	// match nothing are ignored.
	Fields []string
	// PageHint tells the model how to fetch the rest when an array was
	// cut (see [PaginationHint]); it ends the note.
	PageHint string
}

// Shaped is the result of [ShapeJSON].
type Shaped struct {
	// Value is valid JSON of at most MaxBytes bytes (unless even an
	// empty container of the original's type is larger, which cannot
	// happen for MaxBytes >= 2).
	Value json.RawMessage
	// Truncated reports whether anything was cut (projection alone does
	// not count).
	Truncated bool
	// Note explains, for the model, what was cut and how to get the rest;
	// empty when nothing was cut or projected.
	Note string
	// Meta is the same information for a result's _meta (nil when nothing
	// changed): originalBytes, bytes, arrays [{pointer, kept, total}],
	// elided [pointer], strings [{pointer, kept, total}], fields.
	Meta map[string]any
}

// ArrayCut records an array cut to its first Kept items.
type ArrayCut struct {
	Pointer string `json:"pointer"`
	Kept    int    `json:"kept"`
	Total   int    `json:"total"`
}

// StringCut records a string cut to its first Kept bytes.
type StringCut struct {
	Pointer string `json:"pointer"`
	Kept    int    `json:"kept"`
	Total   int    `json:"total"`
}

// minStringCut is the shortest string [ShapeJSON] shortens rather than
// elides.
const minStringCut = 256

// maxShapeSteps bounds the cutting loop; each step removes at least a
// field, an array item or half a string.
const maxShapeSteps = 10000

// ShapeJSON bounds a JSON value for the model. It first projects onto
// opts.Fields, then, while the value is larger than opts.MaxBytes, cuts
// the largest array to its first items (keeping at least one), and when
// no array can shrink further, elides the largest object field found by
// descending into the largest values (long strings are shortened
// instead). The value stays valid JSON of the same shape, so it still
// matches the output schema once required-ness is relaxed (see
// [RelaxOutputSchema]). The note and meta say what was cut and how to
// page.
func ShapeJSON(raw []byte, opts ShapeOptions) (Shaped, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return Shaped{}, fmt.Errorf("shape result: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Shaped{}, errors.New("shape result: trailing data after the JSON value")
	}
	max := opts.MaxBytes
	if max == 0 {
		max = DefaultMaxResult
	}
	s := &shaper{}
	if len(opts.Fields) > 0 {
		var err error
		if v, err = project(v, opts.Fields); err != nil {
			return Shaped{}, err
		}
		s.projected = true
	}
	size := encodedSize(v)
	if max > 0 {
		for steps := 0; size > max && steps < maxShapeSteps; steps++ {
			if !s.cutArray(&v, size-max) && !s.elide(&v, size-max) {
				break
			}
			size = encodedSize(v)
		}
		if size > max {
			// Nothing left to cut sensibly (a huge key, a one-item array
			// of numbers): keep only the kind of the value.
			s.elided = append(s.elided, "")
			v = emptyLike(v)
			if _, ok := v.(string); ok || encodedSize(v) > max {
				v = nil
			}
		}
	}
	out, err := encodeJSON(v)
	if err != nil {
		return Shaped{}, fmt.Errorf("shape result: %w", err)
	}
	res := Shaped{Value: out, Truncated: s.cut()}
	if res.Truncated || s.projected {
		res.Meta, res.Note = s.report(len(raw), len(out), max, opts)
	}
	return res, nil
}

// shaper records what [ShapeJSON] cut.
type shaper struct {
	projected bool
	arrays    []ArrayCut
	elided    []string
	strings   []StringCut
}

func (s *shaper) cut() bool { return len(s.arrays)+len(s.elided)+len(s.strings) > 0 }

// cutArray shrinks the largest array with more than one item so that it
// loses about excess bytes (at least one item, at most all but one). It
// reports whether it found one.
func (s *shaper) cutArray(root *any, excess int) bool {
	var best []any
	var bestPtr string
	bestSize := -1
	var bestSet func(any)
	// One post-order pass computes every size once.
	var rec func(ptr string, node any, set func(any)) int
	rec = func(ptr string, node any, set func(any)) int {
		switch n := node.(type) {
		case map[string]any:
			size := 2 + max(len(n)-1, 0)
			for _, k := range slices.Sorted(maps.Keys(n)) {
				size += stringSize(k) + 1 + rec(ptr+"/"+escapePointer(k), n[k], func(nv any) { n[k] = nv })
			}
			return size
		case []any:
			size := 2 + max(len(n)-1, 0)
			for i, c := range n {
				size += rec(ptr+"/"+strconv.Itoa(i), c, func(nv any) { n[i] = nv })
			}
			if len(n) > 1 && (size > bestSize || size == bestSize && ptr < bestPtr) {
				best, bestPtr, bestSize, bestSet = n, ptr, size, set
			}
			return size
		}
		return encodedSize(node)
	}
	rec("", *root, func(nv any) { *root = nv })
	if best == nil {
		return false
	}
	// Items are cut from the end; keep the share of items that fits.
	keep := int(float64(len(best)) * float64(bestSize-excess) / float64(bestSize))
	keep = min(max(keep, 1), len(best)-1)
	s.recordArray(bestPtr, keep, len(best))
	bestSet(best[:keep:keep])
	return true
}

func (s *shaper) recordArray(ptr string, kept, total int) {
	for i := range s.arrays {
		if s.arrays[i].Pointer == ptr {
			s.arrays[i].Kept = kept
			return
		}
	}
	s.arrays = append(s.arrays, ArrayCut{Pointer: ptr, Kept: kept, Total: total})
}

// elide removes or shortens one value: starting at the root it descends
// into the largest child while that child alone is larger than excess,
// then elides the largest field there (or shortens it when it is a long
// string). It reports whether anything changed.
func (s *shaper) elide(root *any, excess int) bool {
	ptr := ""
	node := *root
	set := func(nv any) { *root = nv }
	for {
		switch n := node.(type) {
		case map[string]any:
			if len(n) == 0 {
				return false
			}
			key, size := largestField(n)
			child := n[key]
			childPtr := ptr + "/" + escapePointer(key)
			if isContainer(child) && size > excess && !emptyContainer(child) {
				ptr, node = childPtr, child
				set = func(nv any) { n[key] = nv }
				continue
			}
			// Elide the largest fields here until enough is saved.
			keys := slices.Sorted(maps.Keys(n))
			sizes := make(map[string]int, len(n))
			for _, k := range keys {
				sizes[k] = encodedSize(n[k]) + stringSize(k) + 2
			}
			slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(sizes[b], sizes[a]) })
			saved := 0
			for _, k := range keys {
				if saved >= excess {
					break
				}
				p := ptr + "/" + escapePointer(k)
				if str, ok := n[k].(string); ok && len(str) >= minStringCut {
					n[k] = s.shortenString(p, str, excess-saved)
					saved += sizes[k] - encodedSize(n[k]) - stringSize(k) - 2
					continue
				}
				delete(n, k)
				s.elided = append(s.elided, p)
				saved += sizes[k]
			}
			return true
		case []any:
			if len(n) == 0 {
				return false
			}
			// A single-item array (cutArray keeps one): descend into it.
			i := 0
			for j := range n {
				if encodedSize(n[j]) > encodedSize(n[i]) {
					i = j
				}
			}
			childPtr := ptr + "/" + strconv.Itoa(i)
			if isContainer(n[i]) && !emptyContainer(n[i]) {
				ptr, node = childPtr, n[i]
				set = func(nv any) { n[i] = nv }
				continue
			}
			if str, ok := n[i].(string); ok && len(str) >= minStringCut {
				n[i] = s.shortenString(childPtr, str, excess)
				return true
			}
			// Scalars in a one-item array: nothing sensible left to cut.
			return false
		case string:
			if len(n) < minStringCut && len(n) < 2*excess {
				return false
			}
			set(s.shortenString(ptr, n, excess))
			return true
		default:
			return false
		}
	}
}

// shortenString cuts str by excess bytes (at least half, on a UTF-8
// boundary) and ends it with "…".
func (s *shaper) shortenString(ptr, str string, excess int) string {
	keep := min(len(str)-excess-len("…")-8, len(str)/2)
	keep = max(keep, 0)
	for keep > 0 && keep < len(str) && str[keep]&0xC0 == 0x80 {
		keep--
	}
	for i := range s.strings {
		if s.strings[i].Pointer == ptr {
			s.strings[i].Kept = keep
			return str[:keep] + "…"
		}
	}
	s.strings = append(s.strings, StringCut{Pointer: ptr, Kept: keep, Total: len(str)})
	return str[:keep] + "…"
}

// report builds the meta and the note.
func (s *shaper) report(origBytes, bytes, max int, opts ShapeOptions) (map[string]any, string) {
	meta := map[string]any{"originalBytes": origBytes, "bytes": bytes}
	var note []string
	if s.projected {
		meta["fields"] = opts.Fields
		note = append(note, fmt.Sprintf("Projected onto %s.", strings.Join(opts.Fields, ", ")))
	}
	if s.cut() {
		meta["truncated"] = true
		meta["maxBytes"] = max
		note = append(note, fmt.Sprintf("Result truncated to fit %s (it was %s):", byteSize(max), byteSize(origBytes)))
	}
	if len(s.arrays) > 0 {
		meta["arrays"] = s.arrays
		for _, a := range s.arrays {
			note = append(note, fmt.Sprintf("%s: first %d of %d items (%d dropped).", pointerLabel(a.Pointer), a.Kept, a.Total, a.Total-a.Kept))
		}
	}
	if len(s.elided) > 0 {
		meta["elided"] = s.elided
		shown := s.elided[:min(10, len(s.elided))]
		more := ""
		if len(s.elided) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(s.elided)-len(shown))
		}
		note = append(note, fmt.Sprintf("Fields left out: %s%s.", strings.Join(shown, ", "), more))
	}
	if len(s.strings) > 0 {
		meta["strings"] = s.strings
		for _, c := range s.strings[:min(5, len(s.strings))] {
			note = append(note, fmt.Sprintf("%s: first %d of %d bytes.", pointerLabel(c.Pointer), c.Kept, c.Total))
		}
	}
	if s.cut() {
		switch {
		case opts.PageHint != "" && len(s.arrays) > 0:
			note = append(note, opts.PageHint)
		default:
			note = append(note, "Ask for less (filters, fewer items per page) to see the rest.")
		}
	}
	return meta, strings.Join(note, " ")
}

func pointerLabel(p string) string {
	if p == "" {
		return "the result"
	}
	return p
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func largestField(m map[string]any) (string, int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic among equal sizes
	best, bestSize := "", -1
	for _, k := range keys {
		if n := encodedSize(m[k]) + len(k); n > bestSize {
			best, bestSize = k, n
		}
	}
	return best, bestSize
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

func emptyContainer(v any) bool {
	switch n := v.(type) {
	case map[string]any:
		return len(n) == 0
	case []any:
		return len(n) == 0
	}
	return false
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// encodedSize is len(encodeJSON(v)) without building the encoding of
// containers.
func encodedSize(v any) int {
	switch n := v.(type) {
	case map[string]any:
		size := 2 + max(len(n)-1, 0)
		for k, c := range n {
			size += stringSize(k) + 1 + encodedSize(c)
		}
		return size
	case []any:
		size := 2 + max(len(n)-1, 0)
		for _, c := range n {
			size += encodedSize(c)
		}
		return size
	case string:
		return stringSize(n)
	case json.Number:
		return len(n)
	case bool:
		if n {
			return 4
		}
		return 5
	case nil:
		return 4
	}
	b, _ := encodeJSON(v)
	return len(b)
}

// stringSize is the encoded size of a JSON string.
func stringSize(s string) int {
	size := 2
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
			size += 2
			i++
		case c < 0x20:
			size += 6
			i++
		case c < 0x80:
			size++
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == 0xFFFD && n == 1 || r == '\u2028' || r == '\u2029' {
				size += 6
			} else {
				size += n
			}
			i += n
		}
	}
	return size
}

// project returns the parts of v the pointers select, in v's shape: an
// object keeps only the selected members, an array (under "*") keeps
// every element projected. Pointers that select nothing are ignored; a
// malformed pointer is an error.
func project(v any, pointers []string) (any, error) {
	var paths [][]string
	for _, p := range pointers {
		if p == "" {
			return v, nil // the whole document
		}
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("field %q: a JSON pointer starts with /", p)
		}
		toks := strings.Split(p[1:], "/")
		for i := range toks {
			toks[i] = unescapePointer(toks[i])
		}
		paths = append(paths, toks)
	}
	out, _ := projectPaths(v, paths)
	if out == nil {
		// Nothing matched: an empty container of the same kind.
		switch v.(type) {
		case []any:
			return []any{}, nil
		case map[string]any:
			return map[string]any{}, nil
		}
	}
	return out, nil
}

// projectPaths projects v onto token paths; ok is false when no path
// matched.
func projectPaths(v any, paths [][]string) (any, bool) {
	for _, p := range paths {
		if len(p) == 0 {
			return v, true
		}
	}
	switch n := v.(type) {
	case map[string]any:
		next := map[string][][]string{}
		for _, p := range paths {
			if _, ok := n[p[0]]; ok {
				next[p[0]] = append(next[p[0]], p[1:])
			}
		}
		out := map[string]any{}
		for k, ps := range next {
			if c, ok := projectPaths(n[k], ps); ok {
				out[k] = c
			}
		}
		return out, len(out) > 0
	case []any:
		var all [][]string
		byIndex := map[int][][]string{}
		for _, p := range paths {
			if p[0] == "*" {
				all = append(all, p[1:])
			} else if i, err := strconv.Atoi(p[0]); err == nil && i >= 0 && i < len(n) {
				byIndex[i] = append(byIndex[i], p[1:])
			}
		}
		if len(all) == 0 && len(byIndex) == 0 {
			return nil, false
		}
		out := []any{}
		matched := false
		for i, c := range n {
			ps := append(slices.Clone(all), byIndex[i]...)
			if len(ps) == 0 {
				continue
			}
			pc, ok := projectPaths(c, ps)
			if !ok {
				// Keep the element's position and kind in an array of
				// records, even where a field is missing.
				pc = emptyLike(c)
			}
			matched = matched || ok
			out = append(out, pc)
		}
		return out, matched
	}
	return nil, false
}

func emptyLike(v any) any {
	switch v.(type) {
	case map[string]any:
		return map[string]any{}
	case []any:
		return []any{}
	}
	return v
}
