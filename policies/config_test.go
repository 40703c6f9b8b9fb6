package policies

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// briefPolicy is the documented example policy.
const briefPolicy = `
default: deny
allowPublic: false
visibility: granted
baselineScopes: [pets:read]
scopeMap: {"pets:read": "api://petstore/Pets.Read"}
hierarchy: {"pets:admin": ["pets:write"], "pets:write": ["pets:read"]}
extension: x-rest2mcp-scopes
rules:
  - name: admins-only-delete
    match: {operationIds: [deletePet], tags: [pets], methods: [DELETE], paths: ["/pets/*"]}
    allOf: [pets:write]
    anyOf: [pets:admin, pets:owner]
    when: '"admins" in claims.groups'
    effect: allow
    public: false
`

func TestParse(t *testing.T) {
	t.Parallel()
	want := &Config{
		Default:        DefaultDeny,
		Visibility:     VisibilityGranted,
		BaselineScopes: []string{"pets:read"},
		ScopeMap:       map[string]string{"pets:read": "api://petstore/Pets.Read"},
		Hierarchy:      map[string][]string{"pets:admin": {"pets:write"}, "pets:write": {"pets:read"}},
		Extension:      DefaultExtension,
		Rules: []Rule{{
			Name: "admins-only-delete",
			Match: Match{OperationIDs: []string{"deletePet"}, Tags: []string{"pets"}, Methods: []string{"DELETE"},
				Paths: []string{"/pets/*"}},
			AllOf:  []string{"pets:write"},
			AnyOf:  []string{"pets:admin", "pets:owner"},
			When:   `"admins" in claims.groups`,
			Effect: EffectAllow,
		}},
	}
	got, err := Parse([]byte(briefPolicy))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{name: "unknown field", src: "defualt: deny", want: `unknown field "defualt"`},
		{name: "unknown rule field", src: "rules: [{name: a, allScopes: [x]}]", want: `unknown field "allScopes"`},
		{name: "unknown match field", src: "rules: [{name: a, match: {operationId: [x]}}]", want: `unknown field "operationId"`},
		{name: "duplicate key", src: "default: deny\ndefault: allow", want: "already set"},
		{name: "wrong type", src: "rules: {name: a}", want: "cannot unmarshal"},
		{name: "bad enum", src: "visibility: everyone", want: `visibility: must be all or granted, got "everyone"`},
		{name: "unknown effect", src: "rules: [{name: a, effect: permit}]", want: "rules[0].effect"},
		{name: "too large", src: strings.Repeat("#", maxPolicyBytes+1), want: "exceeds the limit"},
		{name: "invalid scope", src: "rules: [{name: a, allOf: [\"two words\"]}]", want: "rules[0].allOf[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.src, err, tt.want)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	cfg, err := Parse(nil)
	if err != nil {
		t.Fatalf("Parse(nil): %v", err)
	}
	if diff := cmp.Diff(&Config{}, cfg); diff != "" {
		t.Errorf("Parse(nil) mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		briefPolicy, rulesPolicy, "", "default: allow", "rules: [{name: a, when: 'x'}]",
		"hierarchy: {a: [b], b: [a]}", "&a [*a, *a]", "scopeMap: {a: ~}",
	} {
		f.Add([]byte(seed))
	}
	doc := petDoc()
	tools := toolsOf(doc)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			return
		}
		set, ps, err := Compile(cfg, doc, tools)
		if (err != nil) != ps.HasErrors() || (set == nil) != (err != nil) {
			t.Fatalf("Compile: set %v, err %v, problems %v", set != nil, err, ps)
		}
		if set == nil {
			return
		}
		sub := set.NewSubject(Subject{Scopes: []string{"pets:read", "pets:admin"}, Claims: map[string]any{"groups": []any{"admins"}}})
		for _, tool := range set.Tools() {
			d := set.Decide(tool, sub)
			if d.Allow && (d.Denied || len(d.Missing) > 0) {
				t.Fatalf("Decide(%q) = %+v: allowed yet denied or missing", tool, d)
			}
		}
		_ = set.Baseline()
	})
}
