package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateWarnsOfChangedMatches checks that validate names the
// selectors and rules whose operations changed when include/exclude and
// policy rules moved to one matcher, and the include patterns that now
// glob.
func TestValidateWarnsOfChangedMatches(t *testing.T) {
	spec, err := filepath.Abs("../../examples/petstore/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "rest2mcp.yaml")
	yaml := `apis:
  - name: petstore
    spec: ` + spec + `
    upstream: http://127.0.0.1:1/v1
    include:
      operationIds: ["*Pet*"]
    exclude:
      paths: ["/pets/*"]
      methods: [delete]
    auth:
      issuers:
        - issuer: https://issuer.example
    policy:
      rules:
        - name: pets-admin
          match: {paths: ["/pets/**"]}
          allOf: [pets:write]
        - name: unchanged
          match: {paths: ["/pets/*"]}
          allOf: [pets:read]
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCLI(t, "validate", "--config", cfg)
	if code != 0 {
		t.Fatalf("validate exits %d:\n%s", code, out)
	}
	for _, want := range []string{
		`warning match: include.operationIds[0] "*Pet*" is a glob`,
		"warning match: include selects other operations than before the matcher was unified: now also GET /pets, POST /pets, GET /pets/{petId}",
		"warning match: policy rules[0] (pets-admin) match other operations than before the matcher was unified: now also GET /pets, POST /pets",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"warning match: exclude", "rules[1] (unchanged)"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("validate warns about an unchanged selector (%q):\n%s", unwanted, out)
		}
	}
}
