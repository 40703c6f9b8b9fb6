package authbridge

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSimulateEntraTokens(t *testing.T) {
	const (
		resource = "https://mcp.contoso.com/mcp/petstore"
		guid     = "66666666-7777-8888-9999-000000000000"
		v2       = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
		v1       = "https://sts.windows.net/11111111-2222-3333-4444-555555555555/"
	)
	type result struct {
		AppOnly  bool
		Aud      any
		Granted  []string
		Rejected bool
		Problem  string // a fragment of it
	}
	tests := []struct {
		name   string
		ic     IssuerConfig
		scopes []string
		want   []result
	}{
		{
			name:   "the trap: only the GUID listed, api:// scopes",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{guid}},
			scopes: []string{"api://rest2mcp-petstore/Pets.Read"},
			want: []result{{Aud: guid, Granted: []string{"Pets.Read", resource + "/Pets.Read"},
				Problem: `add "api://rest2mcp-petstore" under audiences`}},
		},
		{
			name:   "api:// App ID URI and GUID listed",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{"api://rest2mcp-petstore", guid}, RolesAsScopes: true},
			scopes: []string{"api://rest2mcp-petstore/Pets.Read", "api://rest2mcp-petstore/Pets.Write"},
			want: []result{
				{Aud: guid, Granted: []string{"Pets.Read", "Pets.Write", "api://rest2mcp-petstore/Pets.Read", "api://rest2mcp-petstore/Pets.Write", resource + "/Pets.Read", resource + "/Pets.Write"}},
				{AppOnly: true, Aud: guid, Granted: []string{"Pets.Read", "Pets.Write", "api://rest2mcp-petstore/Pets.Read", "api://rest2mcp-petstore/Pets.Write", resource + "/Pets.Read", resource + "/Pets.Write"}},
			},
		},
		{
			name:   "RFC 8707 set-up: the endpoint URL is the App ID URI, only the GUID listed",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{guid}},
			scopes: []string{resource + "/Pets.Read", "offline_access"},
			want:   []result{{Aud: guid, Granted: []string{"Pets.Read", resource + "/Pets.Read"}}},
		},
		{
			name:   "v2 without the GUID: every token refused",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{"api://rest2mcp-petstore"}},
			scopes: []string{"api://rest2mcp-petstore/Pets.Read"},
			want:   []result{{Aud: entraUnknownAppID, Rejected: true, Problem: "list the GUID under audiences"}},
		},
		{
			name:   "api://GUID names the application ID",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{"api://" + guid}},
			scopes: []string{"api://" + guid + "/Pets.Read"},
			want:   []result{{Aud: guid, Rejected: true, Problem: "list " + guid + " under audiences"}},
		},
		{
			name:   "v1 issuer: aud is the App ID URI",
			ic:     IssuerConfig{Issuer: v1, Audiences: []string{"api://rest2mcp-petstore"}},
			scopes: []string{"api://rest2mcp-petstore/Pets.Read"},
			want:   []result{{Aud: "api://rest2mcp-petstore", Granted: []string{"Pets.Read", "api://rest2mcp-petstore/Pets.Read", resource + "/Pets.Read"}}},
		},
		{
			name:   "unqualified scopes are Graph's",
			ic:     IssuerConfig{Issuer: v2, Audiences: []string{guid}},
			scopes: []string{"pets:read"},
			want:   []result{{Aud: entraGraphAppID, Rejected: true, Problem: "Microsoft Graph permissions"}},
		},
		{
			name:   "not Entra: nothing simulated",
			ic:     IssuerConfig{Issuer: "https://idp.example.com", Audiences: []string{guid}},
			scopes: []string{"api://x/Pets.Read"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sims := SimulateEntraTokens(Config{Issuers: []IssuerConfig{tc.ic}}, resource, tc.scopes)
			var got []result
			for _, s := range sims {
				if s.Path != "auth.issuers[0]" || s.Issuer != tc.ic.Issuer {
					t.Errorf("path %q issuer %q", s.Path, s.Issuer)
				}
				r := result{AppOnly: s.AppOnly, Aud: s.Claims["aud"], Granted: s.Granted, Rejected: s.Rejected != ""}
				for _, w := range tc.want {
					if w.AppOnly == s.AppOnly && w.Problem != "" && strings.Contains(s.Problem, w.Problem) {
						r.Problem = w.Problem
					}
				}
				if r.Problem == "" && s.Problem != "" {
					r.Problem = "unexpected: " + s.Problem
				}
				got = append(got, r)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("simulation (-want +got):\n%s", diff)
			}
		})
	}
}
