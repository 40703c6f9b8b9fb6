package policies

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Sources of a decision, as reported in [Decision.Rule].
const (
	sourceRulePrefix      = "rule:"
	sourceExtensionPrefix = "extension:"
	// SourceOpenAPI marks decisions taken from the operation's OpenAPI
	// security requirements.
	SourceOpenAPI = "openapi:security"
	// SourceDefault marks decisions taken from [Config.Default].
	SourceDefault = "default"
)

// alternative is one way to satisfy a requirement: every one of its scopes.
type alternative struct {
	// scopes are identity-provider names, sorted; shared and read-only.
	scopes []string
	// bits and idx are filled once every scope of the set is numbered.
	bits bitset
	idx  []int
}

// outcome is what a source (rule, extension, OpenAPI security, default)
// decides for an operation.
type outcome struct {
	// source is reported in Decision.Rule.
	source string
	public bool
	denied bool
	// reason explains a denied outcome.
	reason string
	// alts is an OR of alternatives; one empty alternative means "a valid
	// token, no scope". Empty when public or denied.
	alts []alternative
}

// static reports the requirement as scope name lists.
func (o *outcome) static() [][]string {
	if o.public || o.denied {
		return nil
	}
	out := make([][]string, len(o.alts))
	for i, a := range o.alts {
		out[i] = slices.Clone(a.scopes)
		if out[i] == nil {
			out[i] = []string{}
		}
	}
	return out
}

// needsScopes reports whether some alternative names a scope.
func (o *outcome) needsScopes() bool {
	for _, a := range o.alts {
		if len(a.scopes) > 0 {
			return true
		}
	}
	return false
}

// newAlternatives reduces each alternative with g, then removes duplicate
// alternatives and alternatives that include another one (A or A∧B is A).
// The order of first appearance is kept. No alternatives at all means a
// token only.
func newAlternatives(g *scopeGraph, in [][]string) []alternative {
	reduced := make([][]string, 0, len(in))
	for _, a := range in {
		reduced = append(reduced, g.reduce(a))
	}
	var out []alternative
	for i, a := range reduced {
		absorbed := false
		for j, b := range reduced {
			if i == j || !subset(b, a) {
				continue
			}
			// b ⊆ a: a is redundant unless they are equal and a comes first.
			if len(b) < len(a) || j < i {
				absorbed = true
				break
			}
		}
		if !absorbed {
			out = append(out, alternative{scopes: a})
		}
	}
	if len(out) == 0 {
		out = []alternative{{}}
	}
	return out
}

// subset reports whether every element of a (sorted) is in b (sorted).
func subset(a, b []string) bool {
	for _, s := range a {
		if _, ok := slices.BinarySearch(b, s); !ok {
			return false
		}
	}
	return true
}

// combine turns allOf and anyOf into alternatives: allOf plus one of anyOf.
func combine(allOf, anyOf []string) [][]string {
	if len(anyOf) == 0 {
		return [][]string{allOf}
	}
	out := make([][]string, 0, len(anyOf))
	for _, s := range anyOf {
		out = append(out, append(slices.Clone(allOf), s))
	}
	return out
}

// specSecurity is an operation's OpenAPI security, read for scopes.
type specSecurity struct {
	// present is false when neither the operation nor the document declares
	// security.
	present bool
	// anonymous is true when some requirement object is empty, including
	// `security: []` (no object at all).
	anonymous bool
	// alts holds one scope list per non-empty requirement object. Only
	// oauth2 and openIdConnect schemes (and unknown ones) contribute scopes.
	alts [][]string
	// unknown lists scheme names the document does not declare.
	unknown []string
}

// mixed reports whether some alternatives name scopes and others none.
func (s *specSecurity) mixed() bool {
	with := slices.ContainsFunc(s.alts, func(a []string) bool { return len(a) > 0 })
	without := slices.ContainsFunc(s.alts, func(a []string) bool { return len(a) == 0 })
	return with && without
}

// readSecurity reads the effective security of op. The loader already puts
// the document's security in op.Security when the operation has none; the
// fallback covers hand-built operations.
func readSecurity(doc *openapi.Document, op *openapi.Operation) specSecurity {
	reqs := op.Security
	if reqs == nil && !op.SecurityDefined && doc != nil {
		reqs = doc.Security
	}
	if reqs == nil {
		return specSecurity{}
	}
	sec := specSecurity{present: true, anonymous: len(reqs) == 0}
	for _, req := range reqs {
		if len(req) == 0 {
			sec.anonymous = true
			continue
		}
		var scopes []string
		for _, name := range slices.Sorted(maps.Keys(req)) {
			var scheme *openapi.SecurityScheme
			if doc != nil {
				scheme = doc.SecuritySchemes[name]
			}
			switch {
			case scheme == nil:
				if !slices.Contains(sec.unknown, name) {
					sec.unknown = append(sec.unknown, name)
				}
				scopes = append(scopes, req[name]...)
			case scheme.Type == openapi.SchemeOAuth2 || scheme.Type == openapi.SchemeOpenIDConnect:
				scopes = append(scopes, req[name]...)
			}
		}
		sec.alts = append(sec.alts, scopes)
	}
	return sec
}

// errBadExtension describes the accepted extension forms.
var errBadExtension = errors.New("must be a list of scopes or an object with allOf and anyOf lists")

// readExtension decodes a scope extension value: a list of scopes (all
// required) or {allOf: [...], anyOf: [...]}.
func readExtension(v any) ([][]string, error) {
	switch v := v.(type) {
	case []any:
		all, err := stringList(v)
		if err != nil {
			return nil, err
		}
		return combine(all, nil), nil
	case []string:
		return combine(v, nil), nil
	case map[string]any:
		var all, anyOf []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			list, ok := v[k].([]any)
			if !ok {
				return nil, fmt.Errorf("%s: %w", k, errBadExtension)
			}
			scopes, err := stringList(list)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			switch k {
			case "allOf":
				all = scopes
			case "anyOf":
				anyOf = scopes
			default:
				return nil, fmt.Errorf("unknown key %q: %w", k, errBadExtension)
			}
		}
		return combine(all, anyOf), nil
	default:
		return nil, errBadExtension
	}
}

func stringList(v []any) ([]string, error) {
	out := make([]string, 0, len(v))
	for i, e := range v {
		s, ok := e.(string)
		if !ok || !validScope(s) {
			return nil, fmt.Errorf("item %d: invalid scope %v", i, e)
		}
		out = append(out, s)
	}
	return out, nil
}
