package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateEntraTokens checks that validate simulates the tokens Entra
// issues: a configuration whose scoped tools no Entra token can call fails
// with the fix; the working set-ups pass.
func TestValidateEntraTokens(t *testing.T) {
	spec, err := filepath.Abs("../../examples/petstore/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const base = `listen: 127.0.0.1:8080
publicURL: https://mcp.contoso.com
apis:
  - name: petstore
    spec: %SPEC%
    upstream: https://petstore.contoso.com/v1
    auth:
      issuers:
        - issuer: https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0
          audiences: [%AUD%]
    policy:
      scopeMap:
        pets:read: %PREFIX%/Pets.Read
        pets:write: %PREFIX%/Pets.Write
`
	const guid = "66666666-7777-8888-9999-000000000000"
	tests := []struct {
		name, aud, prefix string
		code              int
		want, not         []string
	}{
		{name: "only the GUID with api:// scopes can never work", aud: guid, prefix: "api://rest2mcp-petstore", code: 1,
			want: []string{`error auth: auth.issuers[0]: for api://rest2mcp-petstore/Pets.Read`, `add "api://rest2mcp-petstore" under audiences`, "opens 0 of 4 scoped tools", "can call any of its 4 scoped tools"}},
		{name: "api:// App ID URI listed with the GUID", aud: "api://rest2mcp-petstore, " + guid, prefix: "api://rest2mcp-petstore", code: 0,
			not: []string{"Entra issues"}},
		{name: "RFC 8707 set-up: the endpoint URL as App ID URI", aud: guid, prefix: "https://mcp.contoso.com/mcp/petstore", code: 0,
			not: []string{"Entra issues"}},
		{name: "App ID URI without the GUID: v2 tokens refused", aud: "api://rest2mcp-petstore", prefix: "api://rest2mcp-petstore", code: 1,
			want: []string{"rejects it (invalid token: audience mismatch)", "list the GUID under audiences"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := strings.NewReplacer("%SPEC%", spec, "%AUD%", tc.aud, "%PREFIX%", tc.prefix).Replace(base)
			path := filepath.Join(t.TempDir(), "rest2mcp.yaml")
			if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runCLIEnv(t, nil, "validate", "--config", path)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}
