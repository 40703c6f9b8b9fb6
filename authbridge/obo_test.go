package authbridge

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestOBOFormParameters(t *testing.T) {
	t.Parallel()
	f := false
	tests := []struct {
		name   string
		mutate func(*UpstreamAuthConfig)
		scopes []string
		want   url.Values
	}{
		{
			name:   "per-operation scopes with prefix",
			scopes: []string{"Pets.Write", "Pets.Read"},
			want: url.Values{
				"grant_type":          {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
				"assertion":           {callerToken},
				"requested_token_use": {"on_behalf_of"},
				"scope":               {"api://downstream/Pets.Read api://downstream/Pets.Write"},
				"client_id":           {"gw-app"},
				"client_secret":       {"gw-secret"},
			},
		},
		{
			name:   "static .default when the operation has no scopes",
			scopes: nil,
			want: url.Values{
				"grant_type":          {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
				"assertion":           {callerToken},
				"requested_token_use": {"on_behalf_of"},
				"scope":               {"api://downstream/.default"},
				"client_id":           {"gw-app"},
				"client_secret":       {"gw-secret"},
			},
		},
		{
			name:   "static scopes when perOperationScopes is false",
			mutate: func(c *UpstreamAuthConfig) { c.PerOperationScopes = &f },
			scopes: []string{"Pets.Read"},
			want: url.Values{
				"grant_type":          {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
				"assertion":           {callerToken},
				"requested_token_use": {"on_behalf_of"},
				"scope":               {"api://downstream/.default"},
				"client_id":           {"gw-app"},
				"client_secret":       {"gw-secret"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := newFakeAS(t)
			cfg := UpstreamAuthConfig{
				Type: UpstreamAuthEntraOBO, TokenURL: as.tokenURL(), ClientID: "gw-app",
				ClientSecret: inlineSecret("gw-secret"), Scopes: []string{"api://downstream/.default"},
				ScopePrefix: "api://downstream/",
			}
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			creds := mustCredentials(t, cfg, CredentialsOptions{})
			req := newUpstreamRequest(t, "https://graph.example.com/v1/pets")
			if err := creds.Apply(t.Context(), req, callerPrincipal(time.Now()), tc.scopes); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			got := as.last(t)
			if diff := cmp.Diff(tc.want, got.Form); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}
			if got.HasBasic {
				t.Error("OBO defaults to client_secret_post but sent Basic credentials")
			}
		})
	}
}

func TestOBONeedsScopes(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	cfg := UpstreamAuthConfig{Type: UpstreamAuthEntraOBO, TokenURL: as.tokenURL(), ClientID: "gw", ClientSecret: inlineSecret("s")}
	creds := mustCredentials(t, cfg, CredentialsOptions{})
	err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), callerPrincipal(time.Now()), nil)
	var ce *CredentialError
	if !errors.As(err, &ce) || ce.Code != CredentialNoScopes {
		t.Fatalf("err = %v, want code %s", err, CredentialNoScopes)
	}
	if as.count.Load() != 0 {
		t.Error("a token request was sent without scopes")
	}
}

func TestOBOEntraConsentSuberror(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	as.setRespond(func(w http.ResponseWriter, _ tokenRequest, _ int64) {
		writeTokenJSON(w, http.StatusBadRequest, map[string]any{
			"error":             "invalid_grant",
			"error_description": "AADSTS65001: The user or administrator has not consented to use the application.\r\nTrace ID: 1f0e\r\nCorrelation ID: 99",
			"error_codes":       []int{65001},
			"suberror":          "consent_required",
		})
	})
	cfg := UpstreamAuthConfig{Type: UpstreamAuthEntraOBO, TokenURL: as.tokenURL(), ClientID: "gw",
		ClientSecret: inlineSecret("s"), ScopePrefix: "api://downstream/", ConsentURL: "https://gw.example.com/consent/pets"}
	creds := mustCredentials(t, cfg, CredentialsOptions{Name: "pets"})
	err := creds.Apply(t.Context(), newUpstreamRequest(t, "https://up/"), callerPrincipal(time.Now()), []string{"Pets.Read"})
	var ce *CredentialError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CredentialError", err)
	}
	want := &CredentialError{
		Code:             CredentialConsentRequired,
		Message:          "the upstream API pets needs your consent for scopes api://downstream/Pets.Read; sign in again to grant it (AADSTS65001: The user or administrator has not consented to use the application.)",
		NeedsInteraction: true,
		ConsentURL:       "https://gw.example.com/consent/pets",
		Scopes:           []string{"api://downstream/Pets.Read"},
		Status:           http.StatusBadRequest,
	}
	if diff := cmp.Diff(want, ce, cmp.AllowUnexported(CredentialError{})); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}
