package mcpgen

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Selector picks operations by operationId, tag, method or path. An
// operation matches a Selector when it matches every criterion that is set
// (criteria are ANDed, the entries of one criterion ORed): its operationId
// equals one of OperationIDs (case-sensitive), one of its tags equals one
// of Tags (case-sensitive), its method equals one of Methods
// (case-insensitive), and its path template matches one of the Paths
// globs. So {tags: [pets], methods: [GET]} selects the GET operations
// tagged pets, as a policy rule's match does. A zero Selector matches
// nothing; [Options] treats a zero Include as "everything".
type Selector struct {
	OperationIDs []string `json:"operationIds,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	Methods      []string `json:"methods,omitempty"`
	// Paths are globs over path templates as written in the document
	// ("/pets/{petId}"). Segments are separated by "/". In a segment, "*"
	// matches any run of characters other than "/" (so "/pets/*" matches
	// "/pets/{petId}" but not "/pets/{petId}/photos"); a segment that is
	// exactly "**" matches zero or more whole segments (so "/admin/**"
	// matches "/admin", "/admin/users" and "/admin/users/{id}"). Every
	// other character matches itself.
	Paths []string `json:"paths,omitempty"`
}

// IsZero reports whether s has no criteria.
func (s Selector) IsZero() bool {
	return len(s.OperationIDs) == 0 && len(s.Tags) == 0 && len(s.Methods) == 0 && len(s.Paths) == 0
}

// Match reports whether op matches s (see [Selector]).
func (s Selector) Match(op *openapi.Operation) bool {
	if op == nil || s.IsZero() {
		return false
	}
	if len(s.OperationIDs) > 0 && (op.ID == "" || !slices.Contains(s.OperationIDs, op.ID)) {
		return false
	}
	if len(s.Tags) > 0 && !slices.ContainsFunc(op.Tags, func(t string) bool { return slices.Contains(s.Tags, t) }) {
		return false
	}
	if len(s.Methods) > 0 && !slices.ContainsFunc(s.Methods, func(m string) bool { return strings.EqualFold(m, op.Method) }) {
		return false
	}
	if len(s.Paths) > 0 && !slices.ContainsFunc(s.Paths, func(p string) bool { return MatchPath(p, op.Path) }) {
		return false
	}
	return true
}

// Validate checks every entry of s and returns all problems joined: empty
// entries, unknown methods and malformed path globs.
func (s Selector) Validate() error {
	var errs []error
	check := func(kind string, list []string) {
		for i, v := range list {
			if strings.TrimSpace(v) == "" {
				errs = append(errs, fmt.Errorf("%s[%d]: empty", kind, i))
			}
		}
	}
	check("operationIds", s.OperationIDs)
	check("tags", s.Tags)
	for i, m := range s.Methods {
		if methodRank(strings.ToUpper(m)) == 8 {
			errs = append(errs, fmt.Errorf("methods[%d]: unknown HTTP method %q", i, m))
		}
	}
	for i, p := range s.Paths {
		if err := validatePathGlob(p); err != nil {
			errs = append(errs, fmt.Errorf("paths[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// validatePathGlob checks a path glob: it starts with "/" and uses "**"
// only as a whole segment.
func validatePathGlob(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path glob %q must start with /", p)
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg != "**" && strings.Contains(seg, "**") {
			return fmt.Errorf("path glob %q: ** must be a whole segment", p)
		}
	}
	return nil
}

// MatchPath reports whether the path template path matches the glob
// pattern (see [Selector.Paths]).
func MatchPath(pattern, path string) bool {
	return matchSegments(strings.Split(pattern, "/"), strings.Split(path, "/"))
}

func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(segs); i++ {
				if matchSegments(rest, segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 || !matchSegment(pat[0], segs[0]) {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// matchSegment matches one segment against a pattern where "*" matches any
// run of characters.
func matchSegment(pat, seg string) bool {
	star := strings.IndexByte(pat, '*')
	if star < 0 {
		return pat == seg
	}
	if !strings.HasPrefix(seg, pat[:star]) {
		return false
	}
	seg = seg[star:]
	rest := pat[star+1:]
	for i := 0; i <= len(seg); i++ {
		if matchSegment(rest, seg[i:]) {
			return true
		}
	}
	return false
}
