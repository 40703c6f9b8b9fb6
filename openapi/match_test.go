package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// matchOps are the operations of the golden matcher table: a root path, a
// collection, an item, a nested item, a lookalike prefix, mixed-case tags
// and an operation without an operationId.
var matchOps = []*Operation{
	{ID: "root", Method: "GET", Path: "/", Tags: []string{"meta"}},
	{ID: "listPets", Method: "GET", Path: "/pets", Tags: []string{"pets"}},
	{ID: "createPet", Method: "POST", Path: "/pets", Tags: []string{"pets", "Admin"}},
	{ID: "getPet", Method: "GET", Path: "/pets/{petId}", Tags: []string{"pets"}},
	{ID: "deletePet", Method: "DELETE", Path: "/pets/{petId}", Tags: []string{"pets", "admin"}},
	{ID: "listPhotos", Method: "GET", Path: "/pets/{petId}/photos", Tags: []string{"photos"}},
	{ID: "listPetsitters", Method: "GET", Path: "/petsitters"},
	{ID: "", Method: "PATCH", Path: "/v1/users.json", Tags: []string{"users"}},
}

// matchFilters are the filters of the golden table, each with the reason
// it is there. The same filter means the same thing as an include, an
// exclude and a policy rule's match.
var matchFilters = []struct {
	why string
	f   OperationFilter
}{
	{"zero filter matches every operation", OperationFilter{}},
	{"exact operationId", OperationFilter{OperationIDs: []string{"listPets"}}},
	{"operationId glob *", OperationFilter{OperationIDs: []string{"list*"}}},
	{"operationId glob ?", OperationFilter{OperationIDs: []string{"?etPet"}}},
	{"operationId is case-sensitive", OperationFilter{OperationIDs: []string{"LISTPETS", "listpets"}}},
	{"* never matches a missing operationId", OperationFilter{OperationIDs: []string{"*"}}},
	{"exact tag", OperationFilter{Tags: []string{"admin"}}},
	{"tags are case-sensitive", OperationFilter{Tags: []string{"Admin"}}},
	{"tag glob", OperationFilter{Tags: []string{"p*"}}},
	{"methods are case-insensitive", OperationFilter{Methods: []string{"get"}}},
	{"method glob", OperationFilter{Methods: []string{"P*"}}},
	{"root path", OperationFilter{Paths: []string{"/"}}},
	{"/** matches every path, the root too", OperationFilter{Paths: []string{"/**"}}},
	{"/pets/** matches /pets itself", OperationFilter{Paths: []string{"/pets/**"}}},
	{"/pets/* is one segment below /pets", OperationFilter{Paths: []string{"/pets/*"}}},
	{"* in a segment does not cross /", OperationFilter{Paths: []string{"/pets*"}}},
	{"** in the middle", OperationFilter{Paths: []string{"/**/photos"}}},
	{"? is one character", OperationFilter{Paths: []string{"/pet?"}}},
	{"glob inside a segment", OperationFilter{Paths: []string{"/v1/*.json"}}},
	{"criteria are ANDed", OperationFilter{Tags: []string{"pets"}, Methods: []string{"GET"}}},
	{"entries of one criterion are ORed", OperationFilter{Methods: []string{"POST", "DELETE"}}},
	{"a deny written like an exclude covers the same operations", OperationFilter{OperationIDs: []string{"*Pet"}, Paths: []string{"/pets/**"}}},
}

// TestOperationFilterGolden renders which operations each filter matches
// and compares it with testdata/match.golden (go test -run
// TestOperationFilterGolden -update rewrites it).
func TestOperationFilterGolden(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range matchFilters {
		if err := c.f.Validate(); err != nil {
			t.Fatalf("%s: filter does not validate: %v", c.why, err)
		}
		b, _ := json.Marshal(c.f)
		fmt.Fprintf(&buf, "# %s\n%s\n", c.why, b)
		for _, op := range matchOps {
			mark := " "
			if c.f.Matches(op) {
				mark = "x"
			}
			fmt.Fprintf(&buf, "  [%s] %-6s %-22s id=%q tags=%v\n", mark, op.Method, op.Path, op.ID, op.Tags)
		}
	}
	path := filepath.Join("testdata", "match.golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("matcher table differs from %s (run with -update after checking):\n%s", path, buf.String())
	}
}

func TestOperationFilterValidate(t *testing.T) {
	tests := []struct {
		f    OperationFilter
		want string // "" = valid
	}{
		{OperationFilter{Paths: []string{"/pets/**", "/**", "/"}}, ""},
		{OperationFilter{Methods: []string{"get", "P*"}}, ""},
		{OperationFilter{Paths: []string{"pets/*"}}, `paths[0]: path glob "pets/*" must start with /`},
		{OperationFilter{Paths: []string{"/pets**"}}, `paths[0]: path glob "/pets**": ** must be a whole segment`},
		{OperationFilter{Methods: []string{"FETCH"}}, `methods[0]: unknown HTTP method "FETCH"`},
		{OperationFilter{Tags: []string{" "}, OperationIDs: []string{""}}, "operationIds[0]: empty\ntags[0]: empty"},
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", tt.f, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want %q", tt.f, err, tt.want)
		}
	}
}

// TestMatchPathLinear checks that a hostile pattern cannot make matching
// backtrack exponentially (it would time the test out).
func TestMatchPathLinear(t *testing.T) {
	pattern := strings.Repeat("/**", 40) + "/x"
	path := strings.Repeat("/a", 60)
	if MatchPath(pattern, path) {
		t.Fatal("matched")
	}
	if Glob(strings.Repeat("*a", 40)+"b", strings.Repeat("a", 200)) {
		t.Fatal("glob matched")
	}
}
