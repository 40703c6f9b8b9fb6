package mcpgen

import (
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestMatchPath(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/pets", "/pets", true},
		{"/pets", "/pets/{id}", false},
		{"/pets/*", "/pets/{petId}", true},
		{"/pets/*", "/pets/{petId}/photos", false},
		{"/pets/*", "/pets", false},
		{"/pets/*/photos", "/pets/{id}/photos", true},
		{"/admin/**", "/admin", true},
		{"/admin/**", "/admin/users", true},
		{"/admin/**", "/admin/users/{id}", true},
		{"/admin/**", "/administrators", false},
		{"/**/photos", "/pets/{id}/photos", true},
		{"/**", "/anything/at/all", true},
		{"/v1/*.json", "/v1/users.json", true},
		{"/v1/*.json", "/v1/users.xml", false},
		{"/v1/u*s", "/v1/users", true},
		{"/v1/a*b*c", "/v1/axxbyyc", true},
		{"/v1/a*b*c", "/v1/axxbyy", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.path, func(t *testing.T) {
			if got := MatchPath(tt.pattern, tt.path); got != tt.want {
				t.Errorf("MatchPath(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
			}
		})
	}
}

func TestSelector(t *testing.T) {
	op := &openapi.Operation{ID: "listPets", Method: "GET", Path: "/pets/{id}", Tags: []string{"pets", "public"}}
	noID := &openapi.Operation{Method: "POST", Path: "/x"}
	tests := []struct {
		name string
		sel  Selector
		op   *openapi.Operation
		want bool
	}{
		{"zero matches nothing", Selector{}, op, false},
		{"operation id", Selector{OperationIDs: []string{"listPets"}}, op, true},
		{"operation id is case-sensitive", Selector{OperationIDs: []string{"listpets"}}, op, false},
		{"empty id never matches", Selector{OperationIDs: []string{""}}, noID, false},
		{"tag", Selector{Tags: []string{"public"}}, op, true},
		{"method case-insensitive", Selector{Methods: []string{"get"}}, op, true},
		{"path glob", Selector{Paths: []string{"/pets/*"}}, op, true},
		{"criteria are ANDed", Selector{Tags: []string{"nope"}, Methods: []string{"GET"}}, op, false},
		{"every set criterion matches", Selector{Methods: []string{"POST", "GET"}, Paths: []string{"/other", "/pets/*"}}, op, true},
		{"nothing matches", Selector{Tags: []string{"nope"}, Methods: []string{"POST"}, Paths: []string{"/other"}}, op, false},
		{"nil operation", Selector{Methods: []string{"GET"}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sel.Match(tt.op); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOptionsSelected(t *testing.T) {
	op := &openapi.Operation{ID: "deletePet", Method: "DELETE", Path: "/pets/{id}", Tags: []string{"pets"}}
	tests := []struct {
		name string
		opts *Options
		want bool
	}{
		{"nil options", nil, true},
		{"zero include selects all", &Options{}, true},
		{"include matches", &Options{Include: Selector{Tags: []string{"pets"}}}, true},
		{"include does not match", &Options{Include: Selector{Tags: []string{"store"}}}, false},
		{"exclude wins", &Options{Include: Selector{Tags: []string{"pets"}}, Exclude: Selector{Methods: []string{"DELETE"}}}, false},
		{"exclude alone", &Options{Exclude: Selector{Paths: []string{"/pets/**"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.opts.Selected(op); got != tt.want {
				t.Errorf("Selected = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSelectorValidate(t *testing.T) {
	tests := []struct {
		name    string
		sel     Selector
		wantErr bool
	}{
		{"zero", Selector{}, false},
		{"valid", Selector{OperationIDs: []string{"a"}, Tags: []string{"t"}, Methods: []string{"get", "PATCH"}, Paths: []string{"/a/*", "/b/**"}}, false},
		{"empty id", Selector{OperationIDs: []string{" "}}, true},
		{"empty tag", Selector{Tags: []string{""}}, true},
		{"unknown method", Selector{Methods: []string{"FETCH"}}, true},
		{"relative path", Selector{Paths: []string{"pets/*"}}, true},
		{"partial double star", Selector{Paths: []string{"/pets/a**"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sel.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
