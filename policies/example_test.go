package policies_test

import (
	"fmt"
	"os"

	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/policies"
)

func ExampleExplain() {
	oauth := func(scopes ...string) []openapi.SecurityRequirement {
		return []openapi.SecurityRequirement{{"petstore_auth": scopes}}
	}
	doc := &openapi.Document{
		SecuritySchemes: map[string]*openapi.SecurityScheme{"petstore_auth": {Type: openapi.SchemeOAuth2}},
		Operations: []*openapi.Operation{
			{ID: "listPets", Method: "GET", Path: "/pets", SecurityDefined: true, Security: oauth("pets:read")},
			{ID: "createPet", Method: "POST", Path: "/pets", SecurityDefined: true, Security: oauth("pets:write")},
			{ID: "getPet", Method: "GET", Path: "/pets/{petId}", SecurityDefined: true,
				Security: []openapi.SecurityRequirement{{"petstore_auth": {"pets:read"}}, {"petstore_auth": {"pets:owner"}}}},
			{ID: "deletePet", Method: "DELETE", Path: "/pets/{petId}", SecurityDefined: true, Security: oauth("pets:write")},
			{ID: "health", Method: "GET", Path: "/health", SecurityDefined: true, Security: []openapi.SecurityRequirement{}},
		},
	}
	cfg, err := policies.Parse([]byte(`
allowPublic: true
hierarchy: {"pets:admin": ["pets:write"], "pets:write": ["pets:read"]}
rules:
  - name: admins-only-delete
    match: {methods: [DELETE]}
    allOf: [pets:admin]
    when: '"admins" in claims.groups'
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	var tools []policies.ToolRef
	for _, op := range doc.Operations {
		tools = append(tools, policies.ToolRef{Name: op.ID, Op: op})
	}
	set, _, err := policies.Compile(cfg, doc, tools)
	if err != nil {
		fmt.Println(err)
		return
	}
	sub := set.NewSubject(policies.Subject{Subject: "alice", ClientID: "vscode", Scopes: []string{"pets:write"},
		Claims: map[string]any{"groups": []any{"admins"}}})
	if err := policies.Explain(os.Stdout, set, sub); err != nil {
		fmt.Println(err)
	}
	// Output:
	// TOOL       OPERATION             DECISION      REQUIRED SCOPES  MISSING     DECIDED BY
	// createPet  POST /pets            allowed       pets:write       -           openapi:security
	// deletePet  DELETE /pets/{petId}  needs scopes  pets:admin       pets:admin  rule:admins-only-delete
	// getPet     GET /pets/{petId}     allowed       pets:read        -           openapi:security
	// health     GET /health           public        (none: public)   -           openapi:security
	// listPets   GET /pets             allowed       pets:read        -           openapi:security
	//
	// 4 of 5 tools allowed for subject "alice" (client "vscode") with scopes: pets:write
}
