package policies

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// smallDoc has two operations protected by one oauth2 scheme declaring
// scopes a and b.
func smallDoc() *openapi.Document {
	return &openapi.Document{
		Operations: []*openapi.Operation{
			{ID: "getA", Method: "GET", Path: "/a", Pointer: "/paths/~1a/get", SecurityDefined: true,
				Security: []openapi.SecurityRequirement{{"o": {"a"}}}},
			{ID: "postB", Method: "POST", Path: "/b", Pointer: "/paths/~1b/post", SecurityDefined: true,
				Security: []openapi.SecurityRequirement{{"o": {"b"}}}},
		},
		SecuritySchemes: map[string]*openapi.SecurityScheme{"o": {Type: openapi.SchemeOAuth2, Flows: map[string]openapi.OAuthFlow{
			"clientCredentials": {Scopes: map[string]string{"a": "", "b": ""}},
		}}},
	}
}

func TestCompileProblems(t *testing.T) {
	t.Parallel()
	const (
		E = openapi.SeverityError
		W = openapi.SeverityWarning
	)
	tests := []struct {
		name string
		cfg  *Config
		// edit changes the document or the tool list before compiling.
		edit    func(doc *openapi.Document, tools []ToolRef) []ToolRef
		want    Problems
		wantErr bool
	}{
		{name: "clean", cfg: &Config{Rules: []Rule{{Name: "r", Match: Match{Methods: []string{"post"}}, AllOf: []string{"a", "b"}}}}},
		{name: "rule matching no tool",
			cfg:  &Config{Rules: []Rule{{Name: "r", Match: Match{Paths: []string{"/a/*"}}, AllOf: []string{"a"}}}},
			want: Problems{{Code: CodeRuleUnmatched, Severity: W, Path: "rules[0].match"}}},
		{name: "deny rule matching no tool",
			cfg:  &Config{Rules: []Rule{{Name: "r", Match: Match{Tags: []string{"x"}}, Effect: EffectDeny}}},
			want: Problems{{Code: CodeRuleUnmatched, Severity: W, Path: "rules[0].match"}}},
		{name: "shadowed rules",
			cfg: &Config{Rules: []Rule{
				{Name: "all", Effect: EffectDeny, Match: Match{Methods: []string{"GET"}}},
				{Name: "late-deny", Effect: EffectDeny, Match: Match{Paths: []string{"/a"}}},
				{Name: "first", AllOf: []string{"a"}},
				{Name: "late", Match: Match{OperationIDs: []string{"get*"}}, AllOf: []string{"b"}},
			}},
			want: Problems{
				{Code: CodeRuleShadowed, Severity: W, Path: "rules[1]"},
				{Code: CodeRuleShadowed, Severity: W, Path: "rules[3]"},
			}},
		{name: "CEL syntax error",
			cfg:  &Config{Rules: []Rule{{Name: "r", When: `claims.groups.exists(g, g ==`}}},
			want: Problems{{Code: CodeCEL, Severity: E, Path: "rules[0].when"}}, wantErr: true},
		{name: "CEL undeclared variable",
			cfg:  &Config{Rules: []Rule{{Name: "r", When: `token == "x"`}}},
			want: Problems{{Code: CodeCEL, Severity: E, Path: "rules[0].when"}}, wantErr: true},
		{name: "CEL not a bool",
			cfg:  &Config{Rules: []Rule{{Name: "r", When: `size(scopes) + 1`}}},
			want: Problems{{Code: CodeCEL, Severity: E, Path: "rules[0].when"}}, wantErr: true},
		{name: "unknown effect",
			cfg:  &Config{Rules: []Rule{{Name: "r", Effect: "permit"}}},
			want: Problems{{Code: CodeUnknownEffect, Severity: E, Path: "rules[0].effect"}}, wantErr: true},
		{name: "undeclared scopes",
			cfg: &Config{BaselineScopes: []string{"zz"}, Rules: []Rule{{Name: "r", AllOf: []string{"a", "c"}, AnyOf: []string{"d"}}}},
			want: Problems{
				{Code: CodeUndeclaredScope, Severity: W, Path: "rules[0].allOf"},
				{Code: CodeUndeclaredScope, Severity: W, Path: "rules[0].anyOf"},
				{Code: CodeUndeclaredScope, Severity: W, Path: "baselineScopes"},
			}},
		{name: "scope declared by scopeMap or hierarchy",
			cfg: &Config{ScopeMap: map[string]string{"c": "C"}, Hierarchy: map[string][]string{"admin": {"a"}},
				Rules: []Rule{{Name: "r", AllOf: []string{"c"}, AnyOf: []string{"admin", "C"}}}}},
		{name: "hierarchy cycle",
			cfg:  &Config{Hierarchy: map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}},
			want: Problems{{Code: CodeHierarchyCycle, Severity: E, Path: "hierarchy.a"}}, wantErr: true},
		{name: "hierarchy self loop",
			cfg:  &Config{Hierarchy: map[string][]string{"a": {"a"}}},
			want: Problems{{Code: CodeHierarchyCycle, Severity: E, Path: "hierarchy.a"}}, wantErr: true},
		{name: "invalid extension",
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				doc.Operations[0].Extensions = map[string]any{DefaultExtension: "a b"}
				return tools
			},
			want:    Problems{{Code: CodeInvalidExtension, Severity: E, Tool: "getA", Pointer: "/paths/~1a/get"}},
			wantErr: true},
		{name: "extension with an unknown key",
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				doc.Operations[0].Extensions = map[string]any{DefaultExtension: map[string]any{"oneOf": []any{"a"}}}
				return tools
			},
			want:    Problems{{Code: CodeInvalidExtension, Severity: E, Tool: "getA", Pointer: "/paths/~1a/get"}},
			wantErr: true},
		{name: "extension ignored under a matching rule",
			cfg: &Config{Rules: []Rule{{Name: "r", Match: Match{OperationIDs: []string{"getA"}}}}},
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				doc.Operations[0].Extensions = map[string]any{DefaultExtension: 42}
				return tools
			}},
		{name: "unknown scheme",
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				doc.Operations[0].Security = []openapi.SecurityRequirement{{"nope": {"a"}}}
				return tools
			},
			want: Problems{{Code: CodeUnknownScheme, Severity: W, Tool: "getA", Pointer: "/paths/~1a/get"}}},
		{name: "anonymous without allowPublic",
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				doc.Operations[0].Security = []openapi.SecurityRequirement{{}, {"o": {"a"}}}
				return tools
			},
			want: Problems{{Code: CodePublicNotAllowed, Severity: W, Tool: "getA", Pointer: "/paths/~1a/get"}}},
		{name: "no requirement in a protected API",
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				doc.Operations[0].Security, doc.Operations[0].SecurityDefined = nil, false
				return tools
			},
			want: Problems{{Code: CodeNoRequirement, Severity: W, Path: "default", Tool: "getA"}}},
		{name: "bad tool references",
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				return append(tools, ToolRef{Name: "getA", Op: doc.Operations[1]}, ToolRef{Name: "x"}, ToolRef{Op: doc.Operations[0]})
			},
			want: Problems{
				{Code: CodeInvalidTool, Severity: E, Tool: "getA"},
				{Code: CodeInvalidTool, Severity: E, Tool: "x"},
				{Code: CodeInvalidTool, Severity: E},
			},
			wantErr: true},
		{name: "offline_access in the baseline",
			cfg:  &Config{BaselineScopes: []string{"a", "offline_access"}, ScopeMap: map[string]string{"offline_access": "offline_access"}},
			want: Problems{{Code: CodeOfflineAccess, Severity: W, Path: "baselineScopes"}}},
		{name: "offline_access in a requirement",
			cfg: &Config{ScopeMap: map[string]string{"offline_access": "offline_access"},
				Rules: []Rule{{Name: "r", Match: Match{OperationIDs: []string{"getA"}}, AllOf: []string{"a", "offline_access"}}}},
			edit: func(doc *openapi.Document, tools []ToolRef) []ToolRef {
				doc.Operations[1].Security = []openapi.SecurityRequirement{{"o": {"offline_access", "b"}}}
				return tools
			},
			want: Problems{
				{Code: CodeOfflineAccess, Severity: W, Path: "rules[0]"},
				{Code: CodeOfflineAccess, Severity: W, Tool: "postB"},
			}},
		{name: "extension name without x-",
			cfg:     &Config{Extension: "scopes"},
			want:    Problems{{Code: CodeInvalidPolicy, Severity: E, Path: "extension"}},
			wantErr: true},
		{name: "validation problems",
			cfg: &Config{Default: "maybe", Visibility: "some", ScopeMap: map[string]string{"a": "b c"},
				Rules: []Rule{{}, {Name: "r", Public: true, AllOf: []string{"a"}}, {Name: "r", Effect: EffectDeny, AnyOf: []string{"a"}}}},
			want: Problems{
				{Code: CodeInvalidPolicy, Severity: E, Path: "default"},
				{Code: CodeInvalidPolicy, Severity: E, Path: "visibility"},
				{Code: CodeInvalidPolicy, Severity: E, Path: "scopeMap.a"},
				{Code: CodeInvalidPolicy, Severity: E, Path: "rules[0].name"},
				{Code: CodeInvalidPolicy, Severity: E, Path: "rules[1].public"},
				{Code: CodeInvalidPolicy, Severity: E, Path: "rules[2].name"},
				{Code: CodeInvalidPolicy, Severity: E, Path: "rules[2]"},
				{Code: CodeRuleShadowed, Severity: W, Path: "rules[1]"},
			},
			wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := smallDoc()
			tools := toolsOf(doc)
			if tt.edit != nil {
				tools = tt.edit(doc, tools)
			}
			set, ps, err := Compile(tt.cfg, doc, tools)
			if diff := cmp.Diff(tt.want, ps, cmpopts.IgnoreFields(Problem{}, "Message"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s\ngot: %v", diff, ps)
			}
			if (err != nil) != tt.wantErr || (set == nil) != tt.wantErr {
				t.Errorf("Compile() set = %v, err = %v; want error %v", set != nil, err, tt.wantErr)
			}
			for _, p := range ps {
				if p.Message == "" || !strings.Contains(p.String(), p.Code) {
					t.Errorf("problem %+v: empty message or String() without code", p)
				}
			}
		})
	}
}

func TestCompileCycleMessage(t *testing.T) {
	t.Parallel()
	_, ps, _ := Compile(&Config{Hierarchy: map[string][]string{"a": {"b"}, "b": {"a"}}}, smallDoc(), toolsOf(smallDoc()))
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "a → b → a") {
		t.Errorf("problems = %v, want one cycle a → b → a", ps)
	}
}

func TestBaseline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy string
		want   []string
	}{
		{name: "read-only tools, first alternatives", want: []string{"pets:read"}},
		{name: "hierarchy keeps the broadest", policy: "{hierarchy: {pets:admin: [pets:read]}, rules: [{name: r, match: {operationIds: [inventory]}, allOf: [pets:admin]}]}",
			want: []string{"pets:admin"}},
		{name: "mapped", policy: `scopeMap: {"pets:read": "api://pets/Pets.Read"}`, want: []string{"api://pets/Pets.Read"}},
		{name: "override", policy: `{baselineScopes: [pets:write, offline_access, pets:read], scopeMap: {"pets:write": "W"}}`,
			want: []string{"W", "pets:read"}},
		{name: "covered alternative skipped", policy: "rules: [{name: r, match: {operationIds: [listPets]}, allOf: [pets:admin]}]",
			want: []string{"pets:admin"}},
		{name: "refused and public tools do not count",
			policy: "{allowPublic: true, rules: [{name: d, match: {operationIds: [listPets, getPet]}, effect: deny}]}",
			want:   nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cfg *Config
			if tt.policy != "" {
				cfg = mustParse(t, tt.policy)
			}
			set := mustCompile(t, cfg, petDoc())
			if diff := cmp.Diff(tt.want, set.Baseline(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Baseline mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
