package openapi

import (
	"errors"
	"fmt"
	"strings"
)

// OperationFilter is the one operation matcher of rest2mcp: an API's
// include/exclude selection and a policy rule's match are both
// OperationFilters, so the same YAML selects the same operations in both
// places.
//
// Semantics (the only place they are defined):
//
//   - Criteria are ANDed; the entries of one criterion are ORed. A zero
//     filter matches every operation (callers that mean "nothing" for a
//     zero filter, such as exclude, check [OperationFilter.IsZero]).
//   - Every entry of every criterion is a glob: "*" matches any run of
//     characters and "?" exactly one; every other character matches itself.
//   - operationIds and tags compare case-sensitively (OpenAPI defines them
//     so); an operation without an operationId never matches an
//     operationIds criterion, and one tag of the operation is enough.
//   - methods compare case-insensitively ("get" = "GET").
//   - paths match the path template as written in the document
//     ("/pets/{petId}"), segment by segment: a pattern starts with "/";
//     "*" and "?" never cross "/"; a segment that is exactly "**" matches
//     zero or more whole segments, so "/pets/**" matches "/pets",
//     "/pets/{petId}" and "/pets/{petId}/photos", and "/**" matches every
//     path, the root "/" included. "**" inside a segment is refused by
//     [OperationFilter.Validate].
type OperationFilter struct {
	// OperationIDs are globs over the operationId (case-sensitive).
	OperationIDs []string `json:"operationIds,omitempty"`
	// Tags are globs over the operation's tags (case-sensitive).
	Tags []string `json:"tags,omitempty"`
	// Methods are globs over the HTTP method (case-insensitive).
	Methods []string `json:"methods,omitempty"`
	// Paths are segment globs over the path template.
	Paths []string `json:"paths,omitempty"`
}

// IsZero reports whether f has no criteria.
func (f OperationFilter) IsZero() bool {
	return len(f.OperationIDs) == 0 && len(f.Tags) == 0 && len(f.Methods) == 0 && len(f.Paths) == 0
}

// Matches reports whether op satisfies every criterion of f (see
// [OperationFilter]). A nil op never matches; a zero f matches every
// operation.
func (f OperationFilter) Matches(op *Operation) bool {
	if op == nil {
		return false
	}
	if len(f.OperationIDs) > 0 && (op.ID == "" || !anyGlob(f.OperationIDs, op.ID, false)) {
		return false
	}
	if len(f.Methods) > 0 && !anyGlob(f.Methods, op.Method, true) {
		return false
	}
	if len(f.Paths) > 0 && !anyPath(f.Paths, op.Path) {
		return false
	}
	if len(f.Tags) > 0 {
		for _, t := range op.Tags {
			if anyGlob(f.Tags, t, false) {
				return true
			}
		}
		return false
	}
	return true
}

// HasGlob reports whether any entry of f uses a wildcard ("*" or "?").
func (f OperationFilter) HasGlob() bool {
	for _, l := range [][]string{f.OperationIDs, f.Tags, f.Methods, f.Paths} {
		for _, p := range l {
			if strings.ContainsAny(p, "*?") {
				return true
			}
		}
	}
	return false
}

// knownMethods are the HTTP methods an OpenAPI path item can hold.
var knownMethods = map[string]bool{
	"GET": true, "PUT": true, "POST": true, "DELETE": true,
	"OPTIONS": true, "HEAD": true, "PATCH": true, "TRACE": true, "QUERY": true,
}

// Validate checks every entry of f and returns all problems joined, each
// naming its field and index: empty entries, unknown methods (a method
// entry without a wildcard must be an HTTP method) and malformed path
// globs.
func (f OperationFilter) Validate() error {
	var errs []error
	check := func(kind string, list []string) {
		for i, v := range list {
			if strings.TrimSpace(v) == "" {
				errs = append(errs, fmt.Errorf("%s[%d]: empty", kind, i))
			}
		}
	}
	check("operationIds", f.OperationIDs)
	check("tags", f.Tags)
	for i, m := range f.Methods {
		switch {
		case strings.TrimSpace(m) == "":
			errs = append(errs, fmt.Errorf("methods[%d]: empty", i))
		case !strings.ContainsAny(m, "*?") && !knownMethods[strings.ToUpper(m)]:
			errs = append(errs, fmt.Errorf("methods[%d]: unknown HTTP method %q", i, m))
		}
	}
	for i, p := range f.Paths {
		if err := ValidatePathGlob(p); err != nil {
			errs = append(errs, fmt.Errorf("paths[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// ValidatePathGlob checks a path glob: it starts with "/" and uses "**"
// only as a whole segment.
func ValidatePathGlob(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path glob %q must start with / (use /**/%s to match at any depth)", p, strings.TrimLeft(p, "*/"))
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg != "**" && strings.Contains(seg, "**") {
			return fmt.Errorf("path glob %q: ** must be a whole segment (write /a/** or /a*)", p)
		}
	}
	return nil
}

// MatchPath reports whether the path template path matches the segment
// glob pattern (see [OperationFilter]). It runs in
// O(segments(pattern)·segments(path)·segment length) time: no pattern can
// make it backtrack exponentially.
func MatchPath(pattern, path string) bool {
	pat := strings.Split(pattern, "/")
	segs := strings.Split(path, "/")
	// cur[j] reports whether the pattern segments seen so far match
	// segs[:j].
	cur := make([]bool, len(segs)+1)
	next := make([]bool, len(segs)+1)
	cur[0] = true
	for _, p := range pat {
		clear(next)
		if p == "**" {
			seen := false
			for j := 0; j <= len(segs); j++ {
				seen = seen || cur[j]
				next[j] = seen
			}
		} else {
			for j := 0; j < len(segs); j++ {
				next[j+1] = cur[j] && Glob(p, segs[j])
			}
		}
		cur, next = next, cur
	}
	return cur[len(segs)]
}

// Glob reports whether s matches pattern, where "*" matches any run of
// characters and "?" exactly one; the comparison is case-sensitive. It
// runs in O(len(pattern)·len(s)) time.
func Glob(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	cur := make([]bool, len(s)+1)
	next := make([]bool, len(s)+1)
	cur[0] = true
	for i := 0; i < len(pattern); i++ {
		clear(next)
		switch c := pattern[i]; c {
		case '?':
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j]
			}
		case '*':
			next[0] = cur[0]
			for j := 1; j <= len(s); j++ {
				next[j] = cur[j] || next[j-1]
			}
		default:
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && s[j] == c
			}
		}
		cur, next = next, cur
	}
	return cur[len(s)]
}

func anyGlob(patterns []string, s string, fold bool) bool {
	if fold {
		s = strings.ToUpper(s)
	}
	for _, p := range patterns {
		if fold {
			p = strings.ToUpper(p)
		}
		if Glob(p, s) {
			return true
		}
	}
	return false
}

func anyPath(patterns []string, path string) bool {
	for _, p := range patterns {
		if MatchPath(p, path) {
			return true
		}
	}
	return false
}

// SourceFor returns the source of a spec given as configured: an http(s)
// URL, or else a file path. It is the one place that decides whether a spec
// is a URL.
func SourceFor(spec string) Source {
	if IsURL(spec) {
		return Source{URL: spec}
	}
	return Source{Path: spec}
}

// IsURL reports whether spec names an http(s) URL rather than a file.
func IsURL(spec string) bool {
	return strings.HasPrefix(spec, "http://") || strings.HasPrefix(spec, "https://")
}
