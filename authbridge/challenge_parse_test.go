package authbridge

import (
	"strings"
)

// parseChallenge parses a Bearer challenge as produced by Challenge.String:
// `Bearer` optionally followed by comma-separated key="value" parameters
// whose values contain no '"' or '\'. It reports false on any deviation,
// so a successful parse proves the header is well formed.
func parseChallenge(h string) (map[string]string, bool) {
	params := map[string]string{}
	if h == "Bearer" {
		return params, true
	}
	rest, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, false
	}
	for rest != "" {
		key, after, ok := strings.Cut(rest, `="`)
		if !ok || key == "" || strings.ContainsAny(key, " ,\"=") {
			return nil, false
		}
		val, after, ok := strings.Cut(after, `"`)
		if !ok || strings.Contains(val, `\`) {
			return nil, false
		}
		if _, dup := params[key]; dup {
			return nil, false
		}
		params[key] = val
		if after == "" {
			break
		}
		if rest, ok = strings.CutPrefix(after, ", "); !ok {
			return nil, false
		}
	}
	for i := 0; i < len(h); i++ {
		if h[i] < 0x20 || h[i] > 0x7e {
			return nil, false
		}
	}
	return params, true
}
