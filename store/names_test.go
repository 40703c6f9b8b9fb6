package store_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/store"
)

func TestOperationKey(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"get", "/pets", "GET /pets"},
		{"GET", "/pets/{petId}", "GET /pets/{petId}"},
		{"delete", "/a/{x}/b/{y}.json", "DELETE /a/{x}/b/{y}.json"},
	} {
		if got := store.OperationKey(tc.method, tc.path); got != tc.want {
			t.Errorf("OperationKey(%q, %q) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
		if m, p, ok := store.SplitOperationKey(tc.want); !ok || m+" "+p != tc.want {
			t.Errorf("SplitOperationKey(%q) = %q, %q, %v", tc.want, m, p, ok)
		}
	}
	for _, bad := range []string{"", "GET", "get /x", "GET x", " /x"} {
		if _, _, ok := store.SplitOperationKey(bad); ok {
			t.Errorf("SplitOperationKey(%q) accepted", bad)
		}
	}
}

func TestAssignToolNames(t *testing.T) {
	prev := []store.ToolName{
		{Key: "GET /pets", OperationID: "listPets", Name: "listPets"},
		{Key: "GET /pets/{id}", OperationID: "getPet", Name: "getPet"},
		{Key: "POST /pets", OperationID: "createPet", Name: "add_pet", Pinned: true},
		{Key: "DELETE /pets/{id}", OperationID: "deletePet", Name: "deletePet"},
		{Key: "GET /old/stats", OperationID: "stats", Name: "stats"},
	}
	tests := []struct {
		name string
		prev []store.ToolName
		ops  []store.NamedOperation
		want []store.ToolName
	}{
		{
			name: "first version takes the generated names",
			ops: []store.NamedOperation{
				{Key: "GET /pets", OperationID: "listPets", Generated: "listPets"},
				{Key: "GET /b", Generated: "get_b"},
			},
			want: []store.ToolName{
				{Key: "GET /b", Name: "get_b"},
				{Key: "GET /pets", OperationID: "listPets", Name: "listPets"},
			},
		},
		{
			name: "a re-upload that renames nothing keeps every name",
			prev: prev,
			ops: []store.NamedOperation{
				{Key: "GET /pets", OperationID: "listPets", Generated: "listPets"},
				{Key: "GET /pets/{id}", OperationID: "getPet", Generated: "getPet"},
				{Key: "POST /pets", OperationID: "createPet", Generated: "createPet"},
				{Key: "DELETE /pets/{id}", OperationID: "deletePet", Generated: "deletePet"},
				{Key: "GET /old/stats", OperationID: "stats", Generated: "stats"},
			},
			want: []store.ToolName{
				{Key: "DELETE /pets/{id}", OperationID: "deletePet", Name: "deletePet"},
				{Key: "GET /old/stats", OperationID: "stats", Name: "stats"},
				{Key: "GET /pets", OperationID: "listPets", Name: "listPets"},
				{Key: "GET /pets/{id}", OperationID: "getPet", Name: "getPet"},
				{Key: "POST /pets", OperationID: "createPet", Name: "add_pet", Pinned: true},
			},
		},
		{
			name: "a renamed operationId keeps its old name; a moved path keeps its name by operationId; removed operations drop",
			prev: prev,
			ops: []store.NamedOperation{
				{Key: "GET /pets", OperationID: "findPets", Generated: "findPets"},
				{Key: "GET /pets/{id}", OperationID: "showPetById", Generated: "showPetById"},
				{Key: "GET /v2/stats", OperationID: "stats", Generated: "stats"},
				{Key: "PUT /pets/{id}", OperationID: "updatePet", Generated: "updatePet"},
			},
			want: []store.ToolName{
				{Key: "GET /pets", OperationID: "findPets", Name: "listPets"},
				{Key: "GET /pets/{id}", OperationID: "showPetById", Name: "getPet"},
				{Key: "GET /v2/stats", OperationID: "stats", Name: "stats"},
				{Key: "PUT /pets/{id}", OperationID: "updatePet", Name: "updatePet"},
			},
		},
		{
			name: "the admin's name wins and is pinned; a kept name it takes moves aside",
			prev: prev,
			ops: []store.NamedOperation{
				{Key: "GET /pets", OperationID: "listPets", Generated: "listPets", Override: "getPet"},
				{Key: "GET /pets/{id}", OperationID: "getPet", Generated: "getPet"},
			},
			want: []store.ToolName{
				{Key: "GET /pets", OperationID: "listPets", Name: "getPet", Pinned: true},
				{Key: "GET /pets/{id}", OperationID: "getPet", Name: "getPet_2"},
			},
		},
		{
			name: "a new operation whose generated name is kept by another gets a suffix",
			prev: []store.ToolName{{Key: "GET /a", OperationID: "x", Name: "x"}},
			ops: []store.NamedOperation{
				{Key: "GET /a", OperationID: "renamed", Generated: "renamed"},
				{Key: "GET /b", OperationID: "x", Generated: "x"},
				{Key: "GET /c", Generated: "x"},
			},
			want: []store.ToolName{
				{Key: "GET /a", OperationID: "renamed", Name: "x"},
				{Key: "GET /b", OperationID: "x", Name: "x_2"},
				{Key: "GET /c", Name: "x_3"},
			},
		},
		{
			name: "a pinned name survives a re-upload without the override",
			prev: prev,
			ops:  []store.NamedOperation{{Key: "POST /pets", OperationID: "createPet", Generated: "createPet"}},
			want: []store.ToolName{{Key: "POST /pets", OperationID: "createPet", Name: "add_pet", Pinned: true}},
		},
		{
			name: "a renamed path parameter keeps the name by operationId; paths differing only in parameter names are two operations",
			prev: []store.ToolName{{Key: "GET /a/{id}", OperationID: "getA", Name: "getA"}},
			ops: []store.NamedOperation{
				{Key: "GET /a/{aId}", OperationID: "getA", Generated: "getA"},
				{Key: "GET /a/{name}", OperationID: "getAByName", Generated: "getAByName"},
			},
			want: []store.ToolName{
				{Key: "GET /a/{aId}", OperationID: "getA", Name: "getA"},
				{Key: "GET /a/{name}", OperationID: "getAByName", Name: "getAByName"},
			},
		},
		{
			name: "no operations",
			prev: prev,
			want: []store.ToolName{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prevCopy := append([]store.ToolName(nil), tc.prev...)
			got := store.AssignToolNames(tc.prev, tc.ops)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("AssignToolNames (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(prevCopy, tc.prev); diff != "" {
				t.Errorf("AssignToolNames changed its input (-before +after):\n%s", diff)
			}
			// Assigning again from the result changes nothing (stable).
			var again []store.NamedOperation
			for _, n := range got {
				again = append(again, store.NamedOperation{Key: n.Key, OperationID: n.OperationID, Generated: "other_" + n.Name})
			}
			if diff := cmp.Diff(got, store.AssignToolNames(got, again)); diff != "" {
				t.Errorf("a second assignment renamed tools (-first +second):\n%s", diff)
			}
		})
	}
}
