package authbridge

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestEntraScopeQualification checks that short Entra scopes are granted
// under every App ID URI of the API: api:// and https:// audiences and the
// MCP endpoint URL itself (which clients sending the RFC 8707 resource
// register as App ID URI), never under the bare application ID, and only
// for Entra issuers.
func TestEntraScopeQualification(t *testing.T) {
	const (
		resource = "https://mcp.contoso.com/mcp/pets"
		guid     = "66666666-7777-8888-9999-000000000000"
		v2       = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
	)
	tests := []struct {
		name   string
		ic     IssuerConfig
		claims map[string]any
		want   []string
	}{
		{
			name:   "GUID only: the endpoint URL qualifies (RFC 8707 clients)",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{guid}},
			claims: map[string]any{"scp": "Pets.Read"},
			want:   []string{"Pets.Read", resource + "/Pets.Read"},
		},
		{
			name:   "api:// and https:// App ID URIs, trailing slash dropped",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{"api://pets", guid, "https://contoso.com/pets-api/"}},
			claims: map[string]any{"scp": "Pets.Read Pets.Write"},
			want: []string{"Pets.Read", "Pets.Write",
				"api://pets/Pets.Read", "api://pets/Pets.Write",
				"https://contoso.com/pets-api/Pets.Read", "https://contoso.com/pets-api/Pets.Write",
				resource + "/Pets.Read", resource + "/Pets.Write"},
		},
		{
			name:   "endpoint URL listed as audience too: listed once",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{resource, guid}},
			claims: map[string]any{"scp": "Pets.Read"},
			want:   []string{"Pets.Read", resource + "/Pets.Read"},
		},
		{
			name:   "app-only roles qualify when rolesAsScopes",
			ic:     IssuerConfig{Issuer: "https://sts.windows.net/11111111-2222-3333-4444-555555555555/", Audiences: []string{"api://pets"}, RolesAsScopes: true},
			claims: map[string]any{"roles": []any{"Pets.Sync"}},
			want:   []string{"Pets.Sync", "api://pets/Pets.Sync", resource + "/Pets.Sync"},
		},
		{
			name:   "already qualified scopes are kept as they are",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{"api://pets"}},
			claims: map[string]any{"scp": "api://other/X"},
			want:   []string{"api://other/X"},
		},
		{
			name:   "not Entra: no qualification",
			ic:     IssuerConfig{Issuer: "https://idp.example.com", Audiences: []string{"api://pets"}},
			claims: map[string]any{"scope": "Pets.Read"},
			want:   []string{"Pets.Read"},
		},
		{
			name:   "explicit entra profile on another host",
			ic:     IssuerConfig{Issuer: "https://login.contoso.test/tid/v2.0", Profile: ProfileEntra, Audiences: []string{guid}},
			claims: map[string]any{"scp": "Pets.Read"},
			want:   []string{"Pets.Read", resource + "/Pets.Read"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is, err := newIssuer(tc.ic, VerifierOptions{Resource: resource}.withDefaults())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, is.scopes(tc.claims), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
}
