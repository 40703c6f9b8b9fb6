package mcpgen

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Integers are written as integers.
//
// JSON Schema counts 1e30, 1.0 and -0 as integers (mathematically they
// are), but an upstream expects "42", not "1e30" in a path or query, and
// an integer field of a JSON body is often parsed by a strict decoder. The
// arguments are forwarded as written, so a value declared integer must be
// written as one: an optional minus sign and digits, no fraction, no
// exponent, no "-0". Anything else is refused with a message naming the
// argument and how to write it, before any upstream request.

// checkIntegerSpelling returns the violations of the rule above in args
// for the compiled input schema s, sorted.
func checkIntegerSpelling(s *jsonschema.Schema, args map[string]any) []string {
	var out []string
	walkIntegers(s, args, nil, &out, 0)
	sort.Strings(out)
	return slices.Compact(out)
}

// maxIntegerWalkDepth bounds the walk over nested arguments and schemas.
const maxIntegerWalkDepth = 32

func walkIntegers(s *jsonschema.Schema, v any, path []string, out *[]string, depth int) {
	if s == nil || depth > maxIntegerWalkDepth {
		return
	}
	walkIntegers(s.Ref, v, path, out, depth+1)
	for _, sub := range [][]*jsonschema.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for _, x := range sub {
			walkIntegers(x, v, path, out, depth+1)
		}
	}
	switch x := v.(type) {
	case json.Number:
		if s.Types != nil && onlyIntegerNumbers(*s.Types) && !plainInteger(string(x)) {
			where := "arguments"
			if len(path) > 0 {
				where = strings.Join(path, ".")
			}
			*out = append(*out, fmt.Sprintf("%s: %s is not written as an integer (send digits only, e.g. 42, without a fraction or exponent)", where, truncateString(string(x), 40)))
		}
	case map[string]any:
		for k, val := range x {
			if p, ok := s.Properties[k]; ok {
				walkIntegers(p, val, append(path, k), out, depth+1)
			} else if ap, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
				walkIntegers(ap, val, append(path, k), out, depth+1)
			}
		}
	case []any:
		for i, val := range x {
			walkIntegers(s.Items2020, val, append(path, fmt.Sprint(i)), out, depth+1)
		}
	}
}

// onlyIntegerNumbers reports whether the types allow integers but not
// other numbers.
func onlyIntegerNumbers(t jsonschema.Types) bool {
	ts := t.ToStrings()
	return slices.Contains(ts, "integer") && !slices.Contains(ts, "number")
}

// plainInteger reports whether s is -?[0-9]+ and not -0.
func plainInteger(s string) bool {
	if s == "-0" {
		return false
	}
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// truncateString returns at most n bytes of s, marking the cut.
func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
