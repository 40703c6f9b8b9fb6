package policies

import (
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		path, want bool
	}{
		{"/pets/*", "/pets/{petId}", true, true},
		{"/pets/*", "/pets/{petId}/photos", true, false},
		{"/pets/**", "/pets/{petId}/photos", true, true},
		{"/pets/*", "/pets/", true, true},
		{"/**", "/", true, true},
		{"/pet?", "/pets", true, true},
		{"/pet?", "/pet/", true, false},
		{"repos/*", "repos/list-for-org", false, true},
		{"*", "a/b/c", false, true},
		{"get*", "getPet", false, true},
		{"get*", "listPets", false, false},
		{"*Pet", "getPet", false, true},
		{"a*b*c", "aXbYc", false, true},
		{"a*b*c", "aXbY", false, false},
		{"", "", false, true},
		{"", "a", false, false},
		{"exact", "exact", false, true},
		{"**", "", true, true},
		{"/pets/**", "/pets", true, true}, // the same as an include/exclude path
	}
	for _, tt := range tests {
		glob := openapi.Glob
		if tt.path {
			glob = openapi.MatchPath
		}
		if got := glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q, path=%v) = %v, want %v", tt.pattern, tt.s, tt.path, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	op := &openapi.Operation{ID: "deletePet", Method: "DELETE", Path: "/pets/{petId}", Tags: []string{"pets", "admin"}}
	tests := []struct {
		name string
		m    Match
		want bool
	}{
		{"empty matches all", Match{}, true},
		{"all criteria", Match{OperationIDs: []string{"delete*"}, Tags: []string{"admin"}, Methods: []string{"delete"}, Paths: []string{"/pets/*"}}, true},
		{"one criterion fails", Match{OperationIDs: []string{"delete*"}, Methods: []string{"GET"}}, false},
		{"one pattern per criterion is enough", Match{Methods: []string{"GET", "DELETE"}}, true},
		{"one tag is enough", Match{Tags: []string{"nope", "pets"}}, true},
		{"no tag", Match{Tags: []string{"store"}}, false},
		{"case-sensitive operationId", Match{OperationIDs: []string{"DeletePet"}}, false},
	}
	for _, tt := range tests {
		if got := tt.m.matches(op); got != tt.want {
			t.Errorf("%s: matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}
