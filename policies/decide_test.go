package policies

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// decisionOpts compares decisions without their prose.
var decisionOpts = []cmp.Option{cmpopts.IgnoreFields(Decision{}, "Reason"), cmpopts.EquateEmpty()}

func caller(scopes []string, claims map[string]any) *Subject {
	return &Subject{Issuer: "https://idp.example", Subject: "alice", ClientID: "vscode", Scopes: scopes, Claims: claims}
}

func groups(g ...any) map[string]any { return map[string]any{"groups": g} }

const rulesPolicy = `
hierarchy:
  pets:admin: [pets:write]
  pets:write: [pets:read]
rules:
  - name: freeze-contractor-deletes
    match: {methods: [delete]}
    effect: deny
    when: '"contractors" in claims.groups'
  - name: tenant-gate
    effect: deny
    when: 'has(claims.tid) && claims.tid != "t1"'
  - name: admins-only-delete
    match: {methods: [DELETE], paths: ["/pets/*"]}
    anyOf: [pets:admin, pets:owner]
    when: '"admins" in claims.groups'
  - name: delete-fallback
    match: {operationIds: [delete*]}
    allOf: [pets:write]
  - name: store-read
    match: {tags: [store]}
    allOf: [store:read]
  - name: public-health
    match: {operationIds: [health]}
    public: true
  - name: owners-only
    match: {operationIds: [getPet]}
    allOf: [pets:read]
    when: 'has(claims.role) && claims.role == "owner"'
  - name: update-by-rule
    match: {operationIds: [updatePet]}
    allOf: [pets:admin]
`

func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy string // empty: no policy at all
		tool   string
		sub    *Subject
		want   Decision
	}{
		// The spec's own security, no policy.
		{name: "global security granted", tool: "listPets", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"pets:read"}}},
		{name: "global security missing", tool: "listPets", sub: caller(nil, nil),
			want: Decision{Rule: SourceOpenAPI, Required: []string{"pets:read"}, Missing: []string{"pets:read"}}},
		{name: "AND lists every scope and the missing one", tool: "createPet", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Rule: SourceOpenAPI, Required: []string{"pets:read", "pets:write"}, Missing: []string{"pets:write"}}},
		{name: "AND satisfied", tool: "createPet", sub: caller([]string{"pets:write", "pets:read", "other"}, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"pets:read", "pets:write"}}},
		{name: "OR second alternative from openIdConnect", tool: "getPet", sub: caller([]string{"pets:admin"}, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"pets:admin"}}},
		{name: "OR nothing granted reports the first alternative", tool: "getPet", sub: caller(nil, nil),
			want: Decision{Rule: SourceOpenAPI, Required: []string{"pets:read"}, Missing: []string{"pets:read"}}},
		{name: "apiKey only needs a token", tool: "inventory", sub: caller(nil, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI}},
		{name: "apiKey AND oauth2 needs the oauth2 scopes", tool: "uploadImage", sub: caller(nil, nil),
			want: Decision{Rule: SourceOpenAPI, Required: []string{"pets:write"}, Missing: []string{"pets:write"}}},
		{name: "empty security without allowPublic needs a token", tool: "health", sub: nil,
			want: Decision{Rule: SourceOpenAPI}},
		{name: "empty security without allowPublic, with a token", tool: "health", sub: caller(nil, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI}},
		{name: "empty security with allowPublic", policy: "allowPublic: true", tool: "health", sub: nil,
			want: Decision{Allow: true, Public: true, Rule: SourceOpenAPI}},
		{name: "unauthenticated caller on a protected tool", tool: "listPets", sub: nil,
			want: Decision{Rule: SourceOpenAPI, Required: []string{"pets:read"}, Missing: []string{"pets:read"}}},
		{name: "unknown tool", tool: "nope", sub: caller([]string{"pets:admin"}, nil),
			want: Decision{Denied: true}},

		// Vendor extension.
		{name: "extension anyOf beats the spec", tool: "updatePet", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Rule: "extension:x-rest2mcp-scopes", Required: []string{"pets:write"}, Missing: []string{"pets:write"}}},
		{name: "extension anyOf second", tool: "updatePet", sub: caller([]string{"pets:admin"}, nil),
			want: Decision{Allow: true, Rule: "extension:x-rest2mcp-scopes", Required: []string{"pets:admin"}}},
		{name: "extension list is allOf", tool: "tagPet", sub: caller([]string{"pets:write"}, nil),
			want: Decision{Rule: "extension:x-rest2mcp-scopes", Required: []string{"pets:read", "pets:write"}, Missing: []string{"pets:read"}}},
		{name: "renamed extension ignores the default one", policy: "extension: x-other", tool: "updatePet", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"pets:read"}}},

		// Hierarchy and scope map.
		{name: "admin implies read", policy: "hierarchy: {pets:admin: [pets:write], pets:write: [pets:read]}",
			tool: "listPets", sub: caller([]string{"pets:admin"}, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"pets:read"}}},
		{name: "implied scope dropped from an AND", policy: "hierarchy: {pets:write: [pets:read]}",
			tool: "createPet", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Rule: SourceOpenAPI, Required: []string{"pets:write"}, Missing: []string{"pets:write"}}},
		{name: "read does not imply write", policy: "hierarchy: {pets:admin: [pets:write], pets:write: [pets:read]}",
			tool: "deletePet", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Rule: SourceOpenAPI, Required: []string{"pets:write"}, Missing: []string{"pets:write"}}},
		{name: "mapped scope granted", policy: `scopeMap: {"pets:read": "api://pets/Pets.Read"}`,
			tool: "listPets", sub: caller([]string{"api://pets/Pets.Read"}, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"api://pets/Pets.Read"}}},
		{name: "API scope name no longer counts once mapped", policy: `scopeMap: {"pets:read": "api://pets/Pets.Read"}`,
			tool: "listPets", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Rule: SourceOpenAPI, Required: []string{"api://pets/Pets.Read"}, Missing: []string{"api://pets/Pets.Read"}}},
		{name: "hierarchy applies to mapped names",
			policy: `{scopeMap: {"pets:read": "R", "pets:write": "W"}, hierarchy: {"pets:write": ["pets:read"]}}`,
			tool:   "createPet", sub: caller([]string{"W"}, nil),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"W"}}},

		// Rules and conditions.
		{name: "deny rule with condition", policy: rulesPolicy, tool: "deletePet", sub: caller([]string{"pets:admin"}, groups("contractors")),
			want: Decision{Denied: true, Rule: "rule:freeze-contractor-deletes"}},
		{name: "deny rule fails closed on a missing claim", policy: rulesPolicy, tool: "deletePet", sub: caller([]string{"pets:admin"}, nil),
			want: Decision{Denied: true, Rule: "rule:freeze-contractor-deletes"}},
		{name: "deny rule on tenant claim", policy: rulesPolicy, tool: "listPets", sub: caller([]string{"pets:read"}, map[string]any{"tid": "t2"}),
			want: Decision{Denied: true, Rule: "rule:tenant-gate"}},
		{name: "right tenant falls through to the spec", policy: rulesPolicy, tool: "listPets", sub: caller([]string{"pets:read"}, map[string]any{"tid": "t1"}),
			want: Decision{Allow: true, Rule: SourceOpenAPI, Required: []string{"pets:read"}}},
		{name: "conditional allow rule grants", policy: rulesPolicy, tool: "deletePet", sub: caller([]string{"pets:owner"}, groups("admins")),
			want: Decision{Allow: true, Rule: "rule:admins-only-delete", Required: []string{"pets:owner"}}},
		{name: "conditional allow rule asks for anyOf", policy: rulesPolicy, tool: "deletePet", sub: caller(nil, groups("admins")),
			want: Decision{Rule: "rule:admins-only-delete", Required: []string{"pets:admin"}, Missing: []string{"pets:admin"}}},
		{name: "unmet condition falls to the next rule", policy: rulesPolicy, tool: "deletePet", sub: caller([]string{"pets:admin"}, groups("users")),
			want: Decision{Allow: true, Rule: "rule:delete-fallback", Required: []string{"pets:write"}}},
		{name: "rule replaces apiKey security", policy: rulesPolicy, tool: "inventory", sub: caller(nil, nil),
			want: Decision{Rule: "rule:store-read", Required: []string{"store:read"}, Missing: []string{"store:read"}}},
		{name: "public rule", policy: rulesPolicy, tool: "health", sub: nil,
			want: Decision{Allow: true, Public: true, Rule: "rule:public-health"}},
		{name: "matching rules with no condition met refuse", policy: rulesPolicy, tool: "getPet", sub: caller([]string{"pets:admin"}, map[string]any{"role": "guest"}),
			want: Decision{Denied: true, Rule: "rule:owners-only"}},
		{name: "condition met", policy: rulesPolicy, tool: "getPet", sub: caller([]string{"pets:admin"}, map[string]any{"role": "owner"}),
			want: Decision{Allow: true, Rule: "rule:owners-only", Required: []string{"pets:read"}}},
		{name: "rule beats the extension", policy: rulesPolicy, tool: "updatePet", sub: caller([]string{"pets:write"}, nil),
			want: Decision{Rule: "rule:update-by-rule", Required: []string{"pets:admin"}, Missing: []string{"pets:admin"}}},
		{name: "CEL over subject and client", policy: `rules: [{name: r, match: {operationIds: [listPets]}, when: 'subject == "alice" && clientId == "vscode" && "pets:read" in scopes'}]`,
			tool: "listPets", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Allow: true, Rule: "rule:r"}},
		{name: "CEL over issuer", policy: `rules: [{name: r, match: {operationIds: [listPets]}, when: 'issuer == "https://other"'}]`,
			tool: "listPets", sub: caller([]string{"pets:read"}, nil),
			want: Decision{Denied: true, Rule: "rule:r"}},
		{name: "CEL cost limit fails closed", policy: `rules: [{name: r, match: {operationIds: [listPets]}, when: 'claims.l.all(x, claims.l.all(y, x == y || true))'}]`,
			tool: "listPets", sub: caller(nil, map[string]any{"l": make([]any, 2000)}),
			want: Decision{Denied: true, Rule: "rule:r"}},
		{name: "CEL non-bool dyn fails closed", policy: `rules: [{name: r, match: {operationIds: [listPets]}, when: 'claims.tid'}]`,
			tool: "listPets", sub: caller(nil, map[string]any{"tid": "t1"}),
			want: Decision{Denied: true, Rule: "rule:r"}},
		{name: "CEL dyn bool", policy: `rules: [{name: r, match: {operationIds: [listPets]}, when: 'claims.ok'}]`,
			tool: "listPets", sub: caller(nil, map[string]any{"ok": true}),
			want: Decision{Allow: true, Rule: "rule:r"}},
		{name: "CEL with nil subject", policy: `rules: [{name: r, match: {operationIds: [listPets]}, when: 'subject == ""'}]`,
			tool: "listPets", sub: nil,
			want: Decision{Rule: "rule:r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg *Config
			if tt.policy != "" {
				cfg = mustParse(t, tt.policy)
			}
			set := mustCompile(t, cfg, petDoc())
			got := set.Decide(tt.tool, tt.sub)
			if diff := cmp.Diff(tt.want, got, decisionOpts...); diff != "" {
				t.Errorf("Decide(%q) literal subject mismatch (-want +got):\n%s", tt.tool, diff)
			}
			if tt.sub == nil {
				return
			}
			got = set.Decide(tt.tool, set.NewSubject(*tt.sub))
			if diff := cmp.Diff(tt.want, got, decisionOpts...); diff != "" {
				t.Errorf("Decide(%q) prepared subject mismatch (-want +got):\n%s", tt.tool, diff)
			}
			if got.Reason == "" {
				t.Errorf("Decide(%q).Reason is empty", tt.tool)
			}
		})
	}
}

// TestDecideDefault covers operations that declare no security at all.
func TestDecideDefault(t *testing.T) {
	t.Parallel()
	doc := &openapi.Document{Operations: []*openapi.Operation{
		{ID: "ping", Method: "GET", Path: "/ping"},
		{ID: "secure", Method: "GET", Path: "/secure", SecurityDefined: true,
			Security: []openapi.SecurityRequirement{{"oauth": {"s"}}}},
	}, SecuritySchemes: map[string]*openapi.SecurityScheme{"oauth": {Type: openapi.SchemeOAuth2}}}
	tests := []struct {
		policy   string
		want     Decision
		severity openapi.Severity
	}{
		{policy: "", want: Decision{Allow: true, Rule: SourceDefault}, severity: openapi.SeverityWarning},
		{policy: "default: spec", want: Decision{Allow: true, Rule: SourceDefault}, severity: openapi.SeverityWarning},
		{policy: "default: allow", want: Decision{Allow: true, Rule: SourceDefault}, severity: openapi.SeverityInfo},
		{policy: "default: deny", want: Decision{Denied: true, Rule: SourceDefault}, severity: -1},
	}
	for _, tt := range tests {
		t.Run("default="+tt.policy, func(t *testing.T) {
			t.Parallel()
			var cfg *Config
			if tt.policy != "" {
				cfg = mustParse(t, tt.policy)
			}
			set, ps, err := Compile(cfg, doc, toolsOf(doc))
			if err != nil {
				t.Fatal(err)
			}
			got := set.Decide("ping", set.NewSubject(Subject{Subject: "bob"}))
			if diff := cmp.Diff(tt.want, got, decisionOpts...); diff != "" {
				t.Errorf("Decide mismatch (-want +got):\n%s", diff)
			}
			var sev openapi.Severity = -1
			for _, p := range ps {
				if p.Code == CodeNoRequirement && p.Tool == "ping" {
					sev = p.Severity
				}
			}
			if sev != tt.severity {
				t.Errorf("%s severity = %v, want %v (problems %v)", CodeNoRequirement, sev, tt.severity, ps)
			}
		})
	}
}

// TestDecideDocumentSecurityFallback checks that hand-built operations
// without their own security inherit the document's.
func TestDecideDocumentSecurityFallback(t *testing.T) {
	t.Parallel()
	doc := &openapi.Document{
		Operations:      []*openapi.Operation{{ID: "a", Method: "GET", Path: "/a"}},
		Security:        []openapi.SecurityRequirement{{"oauth": {"read"}}},
		SecuritySchemes: map[string]*openapi.SecurityScheme{"oauth": {Type: openapi.SchemeOAuth2}},
	}
	set := mustCompile(t, nil, doc)
	want := Decision{Rule: SourceOpenAPI, Required: []string{"read"}, Missing: []string{"read"}}
	if diff := cmp.Diff(want, set.Decide("a", caller(nil, nil)), decisionOpts...); diff != "" {
		t.Errorf("Decide mismatch (-want +got):\n%s", diff)
	}
}

func TestSubjectFromAnotherSet(t *testing.T) {
	t.Parallel()
	a := mustCompile(t, nil, petDoc())
	b := mustCompile(t, mustParse(t, "hierarchy: {pets:admin: [pets:read]}"), petDoc())
	sub := a.NewSubject(*caller([]string{"pets:admin"}, nil))
	if d := b.Decide("listPets", sub); !d.Allow {
		t.Errorf("Decide on another set with a prepared subject = %+v, want allowed through b's hierarchy", d)
	}
	if d := a.Decide("listPets", sub); d.Allow {
		t.Errorf("Decide on a = %+v, want refused (no hierarchy in a)", d)
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	names := []string{"listPets", "createPet", "health", "nope", "inventory"}
	sub := caller([]string{"pets:read"}, nil)
	tests := []struct {
		policy string
		want   []string
	}{
		{policy: "visibility: all", want: []string{"listPets", "createPet", "health", "inventory"}},
		{policy: "visibility: granted", want: []string{"listPets", "health", "inventory"}},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			t.Parallel()
			set := mustCompile(t, mustParse(t, tt.policy), petDoc())
			if diff := cmp.Diff(tt.want, set.Filter(set.NewSubject(*sub), names)); diff != "" {
				t.Errorf("Filter mismatch (-want +got):\n%s", diff)
			}
			if got := set.Visibility(); got != tt.policy[len("visibility: "):] {
				t.Errorf("Visibility() = %q", got)
			}
		})
	}
}

func TestRequirements(t *testing.T) {
	t.Parallel()
	set := mustCompile(t, mustParse(t, rulesPolicy), petDoc())
	tests := []struct {
		tool string
		want [][]string
	}{
		{tool: "getPet", want: [][]string{{"pets:read"}}},
		{tool: "deletePet", want: [][]string{{"pets:admin"}, {"pets:owner"}}},
		{tool: "uploadImage", want: [][]string{{"pets:write"}}},
		{tool: "health", want: nil},
		{tool: "nope", want: nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, set.Requirements(tt.tool)); diff != "" {
			t.Errorf("Requirements(%q) mismatch (-want +got):\n%s", tt.tool, diff)
		}
	}
	plain := mustCompile(t, nil, petDoc())
	if diff := cmp.Diff([][]string{{}}, plain.Requirements("inventory")); diff != "" {
		t.Errorf("Requirements(inventory) for a token-only tool (-want +got):\n%s", diff)
	}
}

// TestDecisionSharedSlices checks that callers cannot grow a shared
// Required slice into the set's memory.
func TestDecisionSharedSlices(t *testing.T) {
	t.Parallel()
	set := mustCompile(t, nil, petDoc())
	sub := set.NewSubject(*caller([]string{"pets:read", "pets:write"}, nil))
	d := set.Decide("createPet", sub)
	_ = append(d.Required, "extra")
	if diff := cmp.Diff([]string{"pets:read", "pets:write"}, set.Decide("createPet", sub).Required); diff != "" {
		t.Errorf("Required changed after append (-want +got):\n%s", diff)
	}
}
