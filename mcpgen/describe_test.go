package mcpgen

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "List pets.", "List pets."},
		{"html breaks and tags", "One.<br>Two.<br/><b>Three</b>.<p>Four</p>", "One.\nTwo.\nThree.\nFour"},
		{"comments", "Keep <!-- drop\nme --> this", "Keep this"},
		{"entities", "a &amp; b &lt;c&gt;", "a & b <c>"},
		{"links and images", "See [the docs](https://x.example/docs \"t\") and ![logo](https://x.example/l.png).", "See the docs and logo."},
		{"headings", "## Notes\nText #1", "Notes\nText #1"},
		{"blank runs", "a  \t b\n\n\n\nc\r\n d", "a b\n\nc\nd"},
		{"not a tag", "a < b and c > d", "a < b and c > d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanText(tt.in, 1000); got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTruncateText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"fits", "Short.", 10, "Short."},
		{"sentence boundary", "First sentence here. Second sentence is longer than the limit.", 40, "First sentence here."},
		{"word boundary with ellipsis", "averyveryverylongwordthatgoeson and more words follow", 45, "averyveryverylongwordthatgoeson and more…"},
		{"utf-8 safe", strings.Repeat("é", 10), 7, "éé…"},
		{"paragraph boundary", "Para one is here\n\nPara two goes on and on and on", 30, "Para one is here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncateText(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("truncateText(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if len(got) > tt.n {
				t.Errorf("result has %d bytes, limit %d", len(got), tt.n)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	long := strings.Repeat("This sentence is filler text. ", 60)
	tests := []struct {
		name     string
		op       openapi.Operation
		required []string
		pageHint string
		scopes   string
		max      int
		want     string
	}{
		{
			name: "fallback", op: openapi.Operation{Method: "GET", Path: "/pets"}, max: 100,
			want: "GET /pets",
		},
		{
			name: "summary and description", max: 100,
			op:   openapi.Operation{Summary: "List pets", Description: "Returns all pets."},
			want: "List pets.\n\nReturns all pets.",
		},
		{
			name: "description repeats summary", max: 100,
			op:   openapi.Operation{Summary: "List pets.", Description: "List pets in the store."},
			want: "List pets in the store.",
		},
		{
			name: "suffix kept when prose is cut", max: 160,
			op:       openapi.Operation{Summary: "Filler", Description: long, Deprecated: true},
			required: []string{"id"}, scopes: "Required OAuth scope: read.",
			want: "Filler.\n\nThis sentence is filler text.\n\nDeprecated: prefer another operation if one fits.\nRequired arguments: id.\nRequired OAuth scope: read.",
		},
		{
			name: "paging hint before the scopes", max: 1024,
			op:       openapi.Operation{Summary: "List pets"},
			pageHint: "Paginated: increase page for the next items.", scopes: "Required OAuth scope: read.",
			want: "List pets\n\nPaginated: increase page for the next items.\nRequired OAuth scope: read.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(&tt.op, cleanText(tt.op.Summary, 4*tt.max), tt.required, tt.pageHint, tt.scopes, tt.max)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("describe (-want +got):\n%s", diff)
			}
			if len(got) > tt.max {
				t.Errorf("description has %d bytes, limit %d", len(got), tt.max)
			}
		})
	}
}

func TestDescribeManyRequired(t *testing.T) {
	var names []string
	for i := range 20 {
		names = append(names, "arg"+string(rune('a'+i)))
	}
	got := describe(&openapi.Operation{}, "Do it", names, "", "", 1024)
	if !strings.HasSuffix(got, "argl and 8 more.") {
		t.Errorf("describe = %q, want the list capped with a count", got)
	}
}

func TestScopeText(t *testing.T) {
	doc := &openapi.Document{SecuritySchemes: map[string]*openapi.SecurityScheme{
		"oauth": {Type: openapi.SchemeOAuth2},
		"oidc":  {Type: openapi.SchemeOpenIDConnect},
		"key":   {Type: openapi.SchemeAPIKey},
	}}
	tests := []struct {
		name      string
		security  []openapi.SecurityRequirement
		want      string
		wantUnion []string
	}{
		{"none", nil, "", nil},
		{"public", []openapi.SecurityRequirement{}, "", nil},
		{"api key only", []openapi.SecurityRequirement{{"key": nil}}, "", nil},
		{"one", []openapi.SecurityRequirement{{"oauth": {"read"}}}, "Required OAuth scope: read.", []string{"read"}},
		{"and", []openapi.SecurityRequirement{{"oauth": {"write", "read"}}}, "Required OAuth scopes: read and write.", []string{"read", "write"}},
		{"and across schemes", []openapi.SecurityRequirement{{"oauth": {"a"}, "oidc": {"b"}, "key": {"ignored"}}}, "Required OAuth scopes: a and b.", []string{"a", "b"}},
		{"or", []openapi.SecurityRequirement{{"oauth": {"a"}}, {"oidc": {"a"}}, {"oauth": {"b"}}, {"key": nil}}, "Required OAuth scope: one of a or b.", []string{"a", "b"}},
		{"mixed", []openapi.SecurityRequirement{{"oauth": {"a", "b"}}, {"oauth": {"c"}}}, "Required OAuth scopes: (a and b) or c.", []string{"a", "b", "c"}},
		{"unknown scheme", []openapi.SecurityRequirement{{"missing": {"x"}}}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alts, union := scopeAlternatives(doc, &openapi.Operation{Security: tt.security})
			if got := scopeText(alts); got != tt.want {
				t.Errorf("scopeText = %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantUnion, union); diff != "" {
				t.Errorf("union (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOmitScopesAndAddScopeText(t *testing.T) {
	doc, err := openapi.Load(t.Context(), openapi.Source{Path: "../examples/petstore/openapi.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := func(tools []*Tool) map[string]*Tool {
		m := map[string]*Tool{}
		for _, tl := range tools {
			m[tl.Name] = tl
		}
		return m
	}
	spec, _ := Generate(doc, nil)
	omit, _ := Generate(doc, &Options{OmitScopes: true})
	if d := byName(spec)["getPet"].Description; !strings.Contains(d, "Required OAuth scope: pets:read.") {
		t.Fatalf("spec scopes missing: %q", d)
	}
	tool := byName(omit)["getPet"]
	if strings.Contains(tool.Description, "OAuth") {
		t.Fatalf("OmitScopes kept scopes: %q", tool.Description)
	}
	tool.AddScopeText([][]string{{}})
	if strings.Contains(tool.Description, "OAuth") {
		t.Fatalf("a token-only requirement added text: %q", tool.Description)
	}
	tool.AddScopeText([][]string{{"api://pets/Read"}, {"api://pets/Admin"}})
	want := "Required arguments: petId.\nRequired OAuth scope: one of api://pets/Read or api://pets/Admin."
	if !strings.HasSuffix(tool.Description, want) {
		t.Fatalf("description %q does not end with %q", tool.Description, want)
	}
}
