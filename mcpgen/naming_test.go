package mcpgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// nameCases are tricky naming inputs; their results are pinned in
// testdata/names.golden (rewrite with -update).
var nameCases = []struct {
	prefix, method, path, id string
}{
	{"", "GET", "/pets", "listPets"},
	{"", "GET", "/orgs/{org}/repos", "repos/list-for-org"},
	{"", "GET", "/me/messages", "users.mailFolders.messages_List"},
	{"", "GET", "/pets/{petId}", ""},
	{"", "GET", "/", ""},
	{"", "POST", "/users/{id}.json", ""},
	{"", "GET", "/x", "  spaced  out  "},
	{"", "GET", "/x", "ünïcödé-ÎD"},
	{"", "GET", "/x", "$$$"},
	{"", "GET", "/x", "_leading_and_trailing_"},
	{"", "GET", "/x", "-dash-"},
	{"", "GET", "/x", "a..b//c"},
	{"", "GET", "/x", strings.Repeat("a", 64)},
	{"", "GET", "/x", strings.Repeat("a", 65)},
	{"", "GET", "/x", strings.Repeat("b", 65)},
	{"", "GET", "/x", "zone-level-access-service-tokens-list-service-tokens-for-a-zone-with-pagination"},
	{"", "GET", "/x", strings.Repeat("ab_", 30)},
	{"", "GET", "/zones/{zone_identifier}/access/apps/{app_id}/policies/{policy_id}/approval-groups", ""},
	{"gh_", "GET", "/repos", "repos/list"},
	{"gh_", "GET", "/repos/{owner}", ""},
	{"my api.", "GET", "/x", "list"},
	{"pfx_", "GET", "/x", strings.Repeat("c", 62)},
	{"", "get", "/lower", ""},
	{"", "GET", "/x", "emoji😀id"},
}

func TestToolNameGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range nameCases {
		op := &openapi.Operation{ID: c.id, Method: c.method, Path: c.path}
		name := ToolName(op, c.prefix)
		if !toolNameRE.MatchString(name) {
			t.Errorf("ToolName(%q, %q %q, prefix %q) = %q is not a valid tool name", c.id, c.method, c.path, c.prefix, name)
		}
		if again := ToolName(op, c.prefix); again != name {
			t.Errorf("ToolName is not deterministic: %q then %q", name, again)
		}
		fmt.Fprintf(&b, "%q %s %q prefix=%q\n\t=> %s\n", c.id, c.method, c.path, c.prefix, name)
	}
	golden := filepath.Join("testdata", "names.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("names.golden mismatch (-want +got):\n%s", diff)
	}
}

func TestArgName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"petId", "petId"},
		{"X-Request-Id", "X-Request-Id"},
		{"page.size", "page.size"},
		{"$select", "select"},
		{"filter[name]", "filter_name"},
		{"filter[user][id]", "filter_user_id"},
		{"a b", "a_b"},
		{"$", "arg"},
		{"", "arg"},
		{"über", "ber"},
		{strings.Repeat("x", 70), strings.Repeat("x", 55) + "_" + shorten(strings.Repeat("x", 70), 64)[56:]},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ArgName(tt.in)
			if got != tt.want {
				t.Errorf("ArgName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !argNameRE.MatchString(got) {
				t.Errorf("ArgName(%q) = %q is not a valid argument name", tt.in, got)
			}
		})
	}
}

func TestUniqueNames(t *testing.T) {
	mk := func(name, method, path string) *Tool {
		return &Tool{Name: name, Operation: &openapi.Operation{Method: method, Path: path, Pointer: "/paths/" + path + "/" + method}}
	}
	tests := []struct {
		name  string
		tools []*Tool
		want  []string
		diags int
	}{
		{
			name:  "no duplicates",
			tools: []*Tool{mk("a", "GET", "/a"), mk("b", "GET", "/b")},
			want:  []string{"a", "b"},
		},
		{
			name:  "duplicates ordered by path then method, not input order",
			tools: []*Tool{mk("x", "POST", "/b"), mk("x", "DELETE", "/a"), mk("x", "GET", "/b")},
			want:  []string{"x_3", "x", "x_2"},
			diags: 2,
		},
		{
			name:  "suffix skips a literal name",
			tools: []*Tool{mk("x", "GET", "/a"), mk("x_2", "GET", "/z"), mk("x", "GET", "/b")},
			want:  []string{"x", "x_2", "x_3"},
			diags: 1,
		},
		{
			name:  "suffix keeps 64 characters",
			tools: []*Tool{mk(strings.Repeat("n", 64), "GET", "/a"), mk(strings.Repeat("n", 64), "GET", "/b")},
			want:  []string{strings.Repeat("n", 64), strings.Repeat("n", 62) + "_2"},
			diags: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := uniqueNames(tt.tools)
			var got []string
			for _, tool := range tt.tools {
				got = append(got, tool.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if len(diags) != tt.diags {
				t.Errorf("got %d diagnostics, want %d: %v", len(diags), tt.diags, diags)
			}
			for _, d := range diags {
				if d.Code != CodeNameDuplicate || d.Severity != openapi.SeverityWarning {
					t.Errorf("unexpected diagnostic %+v", d)
				}
			}
		})
	}
}
