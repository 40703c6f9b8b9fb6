package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseBearerChallenge parses a `Bearer k="v", k2=v2` WWW-Authenticate
// value into its auth-params; ok is false if the scheme is not Bearer.
func parseBearerChallenge(h string) (map[string]string, bool) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, false
	}
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimLeft(strings.TrimSpace(rest), ",") {
		rest = strings.TrimSpace(rest)
		key, after, found := strings.Cut(rest, "=")
		if !found {
			return params, true
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var val string
		if strings.HasPrefix(after, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(after) && after[i] != '"'; i++ {
				if after[i] == '\\' && i+1 < len(after) {
					i++
				}
				b.WriteByte(after[i])
			}
			val, rest = b.String(), after[min(i+1, len(after)):]
		} else {
			val, rest, _ = strings.Cut(after, ",")
			val = strings.TrimSpace(val)
		}
		params[key] = val
	}
	return params, true
}

func TestParseBearerChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want map[string]string
		ok   bool
	}{
		{"quoted", `Bearer resource_metadata="http://h/x", scope="a b"`, map[string]string{"resource_metadata": "http://h/x", "scope": "a b"}, true},
		{"token value", `Bearer error=invalid_token, scope="a"`, map[string]string{"error": "invalid_token", "scope": "a"}, true},
		{"escaped quote", `Bearer error_description="say \"hi\""`, map[string]string{"error_description": `say "hi"`}, true},
		{"other scheme", `Basic realm="x"`, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseBearerChallenge(tc.in)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

// wantChallenge asserts a WWW-Authenticate header carries exactly the
// expected auth-params (keys not in want are ignored unless listed in
// forbid).
func wantChallenge(t *testing.T, header string, want map[string]string, forbid ...string) {
	t.Helper()
	got, ok := parseBearerChallenge(header)
	if !ok {
		t.Fatalf("WWW-Authenticate %q is not a Bearer challenge", header)
	}
	for k, v := range want {
		if k == "scope" {
			if diff := cmp.Diff(sortedFields(v), sortedFields(got[k])); diff != "" {
				t.Errorf("WWW-Authenticate %q: scope (-want +got):\n%s", header, diff)
			}
			continue
		}
		if got[k] != v {
			t.Errorf("WWW-Authenticate %q: %s = %q, want %q", header, k, got[k], v)
		}
	}
	for _, k := range forbid {
		if _, ok := got[k]; ok {
			t.Errorf("WWW-Authenticate %q: unexpected %s", header, k)
		}
	}
}

// sortedFields splits a space-separated list and sorts it.
func sortedFields(s string) []string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil
	}
	slices.Sort(f)
	return f
}
