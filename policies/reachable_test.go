package policies

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestScopedTools(t *testing.T) {
	t.Parallel()
	const mapped = `
scopeMap: {"pets:read": "api://pets/Pets.Read", "pets:write": "api://pets/Pets.Write", "pets:admin": "api://pets/Pets.Admin"}
hierarchy: {"pets:admin": ["pets:write"], "pets:write": ["pets:read"]}
rules:
  - name: no-deletes
    effect: deny
    match: {methods: [DELETE]}
`
	allScoped := []string{"createPet", "getPet", "listPets", "tagPet", "updatePet", "uploadImage"}
	tests := []struct {
		name     string
		granted  []string
		wantOpen []string
	}{
		{name: "nothing granted", wantOpen: nil},
		{name: "short names match nothing", granted: []string{"Pets.Read", "Pets.Write"}},
		{name: "read", granted: []string{"api://pets/Pets.Read"}, wantOpen: []string{"getPet", "listPets"}},
		{name: "admin implies everything", granted: []string{"api://pets/Pets.Admin"}, wantOpen: allScoped},
	}
	set := mustCompile(t, mustParse(t, mapped), petDoc())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scoped, open := set.ScopedTools(tc.granted)
			if diff := cmp.Diff(allScoped, scoped); diff != "" {
				t.Errorf("scoped (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOpen, open, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("open (-want +got):\n%s", diff)
			}
		})
	}
	want := []string{"api://pets/Pets.Admin", "api://pets/Pets.Read", "api://pets/Pets.Write"}
	if diff := cmp.Diff(want, set.RequiredScopes()); diff != "" {
		t.Errorf("RequiredScopes (-want +got):\n%s", diff)
	}
}
