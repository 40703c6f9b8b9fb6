package policies

import (
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// petDoc returns a hand-built document with an oauth2 scheme, an
// openIdConnect scheme and an apiKey scheme, document-level security, and
// operations covering the security forms.
func petDoc() *openapi.Document {
	global := []openapi.SecurityRequirement{{"petstore_auth": {"pets:read"}}}
	ops := []*openapi.Operation{
		{ID: "listPets", Method: "GET", Path: "/pets", Tags: []string{"pets"}, Security: global},
		{ID: "createPet", Method: "POST", Path: "/pets", Tags: []string{"pets"}, SecurityDefined: true,
			Security: []openapi.SecurityRequirement{{"petstore_auth": {"pets:write", "pets:read"}}}},
		{ID: "getPet", Method: "GET", Path: "/pets/{petId}", Tags: []string{"pets"}, SecurityDefined: true,
			Security: []openapi.SecurityRequirement{{"petstore_auth": {"pets:read"}}, {"oidc": {"pets:admin"}}}},
		{ID: "deletePet", Method: "DELETE", Path: "/pets/{petId}", Tags: []string{"pets", "admin"}, SecurityDefined: true,
			Security: []openapi.SecurityRequirement{{"petstore_auth": {"pets:write"}}}},
		{ID: "updatePet", Method: "PATCH", Path: "/pets/{petId}", Tags: []string{"pets"}, SecurityDefined: true,
			Security:   []openapi.SecurityRequirement{{"petstore_auth": {"pets:read"}}},
			Extensions: map[string]any{"x-rest2mcp-scopes": map[string]any{"anyOf": []any{"pets:write", "pets:admin"}}}},
		{ID: "tagPet", Method: "PUT", Path: "/pets/{petId}/tags", Tags: []string{"pets"}, SecurityDefined: true,
			Security:   []openapi.SecurityRequirement{{"petstore_auth": {"pets:read"}}},
			Extensions: map[string]any{"x-rest2mcp-scopes": []any{"pets:write", "pets:read"}}},
		{ID: "health", Method: "GET", Path: "/health", SecurityDefined: true, Security: []openapi.SecurityRequirement{}},
		{ID: "inventory", Method: "GET", Path: "/store/inventory", Tags: []string{"store"}, SecurityDefined: true,
			Security: []openapi.SecurityRequirement{{"api_key": {}}}},
		{ID: "uploadImage", Method: "POST", Path: "/pets/{petId}/image", Tags: []string{"pets"}, SecurityDefined: true,
			Security: []openapi.SecurityRequirement{{"api_key": {}, "petstore_auth": {"pets:write"}}}},
	}
	return &openapi.Document{
		Title:      "pets",
		Operations: ops,
		Security:   global,
		SecuritySchemes: map[string]*openapi.SecurityScheme{
			"petstore_auth": {Name: "petstore_auth", Type: openapi.SchemeOAuth2, Flows: map[string]openapi.OAuthFlow{
				"authorizationCode": {Scopes: map[string]string{"pets:read": "", "pets:write": "", "pets:admin": ""}},
			}},
			"oidc":    {Name: "oidc", Type: openapi.SchemeOpenIDConnect, OpenIDConnectURL: "https://idp.example/.well-known/openid-configuration"},
			"api_key": {Name: "api_key", Type: openapi.SchemeAPIKey, In: "header", ParamName: "api_key"},
		},
	}
}

// toolsOf names each operation's tool after its operationId.
func toolsOf(doc *openapi.Document) []ToolRef {
	refs := make([]ToolRef, len(doc.Operations))
	for i, op := range doc.Operations {
		refs[i] = ToolRef{Name: op.ID, Op: op}
	}
	return refs
}

// mustCompile compiles and fails the test on error.
func mustCompile(t testing.TB, cfg *Config, doc *openapi.Document) *Set {
	t.Helper()
	set, ps, err := Compile(cfg, doc, toolsOf(doc))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	for _, p := range ps {
		t.Logf("problem: %s", p)
	}
	return set
}

// mustParse parses a policy and fails the test on error.
func mustParse(t testing.TB, src string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}
