package policies

import (
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// matches reports whether op satisfies every criterion of m.
func (m *Match) matches(op *openapi.Operation) bool {
	if len(m.OperationIDs) > 0 && !anyGlob(m.OperationIDs, op.ID, false, false) {
		return false
	}
	if len(m.Methods) > 0 && !anyGlob(m.Methods, strings.ToUpper(op.Method), false, true) {
		return false
	}
	if len(m.Paths) > 0 && !anyGlob(m.Paths, op.Path, true, false) {
		return false
	}
	if len(m.Tags) > 0 {
		for _, tag := range op.Tags {
			if anyGlob(m.Tags, tag, false, false) {
				return true
			}
		}
		return false
	}
	return true
}

// anyGlob reports whether s matches one of patterns. When upper is true
// the patterns are upper-cased first (HTTP methods).
func anyGlob(patterns []string, s string, path, upper bool) bool {
	for _, p := range patterns {
		if upper {
			p = strings.ToUpper(p)
		}
		if glob(p, s, path) {
			return true
		}
	}
	return false
}

// Glob token kinds.
const (
	tokLiteral = iota
	tokOne     // ?
	tokStar    // *
	tokAny     // **
)

type globToken struct {
	kind int
	c    byte
}

// glob matches s against pattern, where "?" is one character, "*" a run of
// characters and, when path is true, "*" and "?" do not cross "/" while
// "**" does. It runs in O(len(pattern)·len(s)) time, so hostile patterns
// cannot make it backtrack exponentially.
func glob(pattern, s string, path bool) bool {
	toks := make([]globToken, 0, len(pattern))
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '?':
			toks = append(toks, globToken{kind: tokOne})
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				toks = append(toks, globToken{kind: tokAny})
				i++
				continue
			}
			toks = append(toks, globToken{kind: tokStar})
		default:
			toks = append(toks, globToken{kind: tokLiteral, c: c})
		}
	}
	// cur[j] reports whether the tokens seen so far match s[:j].
	cur := make([]bool, len(s)+1)
	next := make([]bool, len(s)+1)
	cur[0] = true
	for _, t := range toks {
		clear(next)
		switch t.kind {
		case tokLiteral:
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && s[j] == t.c
			}
		case tokOne:
			for j := 0; j < len(s); j++ {
				next[j+1] = cur[j] && (!path || s[j] != '/')
			}
		case tokStar, tokAny:
			next[0] = cur[0]
			for j := 1; j <= len(s); j++ {
				crosses := t.kind == tokAny || !path || s[j-1] != '/'
				next[j] = cur[j] || (next[j-1] && crosses)
			}
		}
		cur, next = next, cur
	}
	return cur[len(s)]
}
