package mcpgen

import (
	"slices"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// searchTools builds tools from bare operations (no spec needed).
func searchTools(ops ...*openapi.Operation) []*Tool {
	tools := make([]*Tool, len(ops))
	for i, op := range ops {
		tools[i] = &Tool{Name: ToolName(op, ""), Operation: op, Annotations: AnnotationsFor(op.Method)}
	}
	return tools
}

func TestSearchTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"listReposForAuthenticatedUser", []string{"list", "repo", "authenticat", "user"}},
		{"repos/list-for-org", []string{"repo", "list", "org"}},
		{"getURLs", []string{"get", "url"}},
		{"Get the user's playlists", []string{"get", "user", "playlist"}},
		{"created_at", []string{"creat"}},
		{"", nil},
		{"the of a", nil},
	}
	for _, tt := range tests {
		if got := searchTerms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("searchTerms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStemConsistent(t *testing.T) {
	for _, pair := range [][2]string{
		{"repositories", "repository"}, {"created", "create"}, {"creating", "create"},
		{"branches", "branch"}, {"updates", "update"}, {"deleted", "delete"},
	} {
		if a, b := stem(pair[0]), stem(pair[1]); a != b {
			t.Errorf("stem(%q) = %q, stem(%q) = %q; want equal", pair[0], a, pair[1], b)
		}
	}
}

func TestSearch(t *testing.T) {
	tools := searchTools(
		&openapi.Operation{ID: "listPets", Method: "GET", Path: "/pets", Summary: "List all pets", Tags: []string{"pets"}},
		&openapi.Operation{ID: "createPet", Method: "POST", Path: "/pets", Summary: "Create a pet", Tags: []string{"pets"}},
		&openapi.Operation{ID: "showPetById", Method: "GET", Path: "/pets/{petId}", Summary: "Info for a specific pet", Tags: []string{"pets"}},
		&openapi.Operation{ID: "deletePet", Method: "DELETE", Path: "/pets/{petId}", Summary: "Deletes a pet", Tags: []string{"pets"}},
		&openapi.Operation{ID: "getInventory", Method: "GET", Path: "/store/inventory", Summary: "Returns pet inventories by status", Tags: []string{"store"}},
		&openapi.Operation{ID: "oldCreatePet", Method: "POST", Path: "/v0/pets", Summary: "Create a pet", Deprecated: true},
	)
	ix := NewSearchIndex(tools)
	if ix.Len() != 6 {
		t.Fatalf("Len = %d", ix.Len())
	}
	top := func(q string, allow func(*Tool) bool) string {
		hits := ix.Search(q, 3, allow)
		if len(hits) == 0 {
			return ""
		}
		return hits[0].Tool.Name
	}
	tests := []struct{ query, want string }{
		{"add a new pet", "createPet"}, // synonym, deprecated twin ranked lower
		{"remove a pet", "deletePet"},  // synonym
		{"show all pets", "listPets"},  // collection GET
		{"stock inventory", "getInventory"},
		{"zebra", ""}, // unknown words find nothing
		{"", ""},
	}
	for _, tt := range tests {
		if got := top(tt.query, nil); got != tt.want {
			t.Errorf("Search(%q) top = %q, want %q", tt.query, got, tt.want)
		}
	}
	// The filter removes candidates before ranking and limiting.
	if got := top("add a new pet", func(t *Tool) bool { return t.Name != "createPet" }); got != "oldCreatePet" {
		t.Errorf("filtered top = %q, want oldCreatePet", got)
	}
	if hits := ix.Search("pet", 2, nil); len(hits) != 2 {
		t.Errorf("limit 2 gave %d hits", len(hits))
	}
	if hits := ix.Search("pet", 0, nil); hits != nil {
		t.Errorf("limit 0 gave %d hits", len(hits))
	}
	// Ranking is deterministic: equal scores are ordered by name.
	a, b := ix.Search("pet", 10, nil), ix.Search("pet", 10, nil)
	if !slices.EqualFunc(a, b, func(x, y SearchHit) bool { return x.Tool == y.Tool }) {
		t.Error("two identical searches ranked differently")
	}
	if got := NewSearchIndex(nil).Search("pet", 3, nil); got != nil {
		t.Errorf("empty index returned %v", got)
	}
}

func TestSearchAbbreviations(t *testing.T) {
	// "repo" occurs with "repository" in this spec, so each finds the
	// other; "report" merely shares a prefix and does not.
	tools := searchTools(
		&openapi.Operation{ID: "repos/get", Method: "GET", Path: "/repos/{owner}/{repo}", Summary: "Get a repository"},
		&openapi.Operation{ID: "repos/delete", Method: "DELETE", Path: "/repos/{owner}/{repo}", Summary: "Delete a repository"},
		&openapi.Operation{ID: "billing/get-report", Method: "GET", Path: "/report", Summary: "Get a usage report"},
	)
	ix := NewSearchIndex(tools)
	if !slices.Contains(ix.abbrev["repo"], "repository") {
		t.Errorf("abbrev[repo] = %v, want repository", ix.abbrev["repo"])
	}
	if slices.Contains(ix.abbrev["repo"], "report") {
		t.Errorf("abbrev[repo] = %v, must not contain report", ix.abbrev["repo"])
	}
	if hits := ix.Search("delete repository", 1, nil); len(hits) == 0 || hits[0].Tool.Name != "repos_delete" {
		t.Errorf("delete repository: %v", hits)
	}
}
