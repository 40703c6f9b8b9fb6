package authbridge

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClientCredentialsFormParameters(t *testing.T) {
	t.Parallel()
	tr := true
	tests := []struct {
		name   string
		mutate func(*UpstreamAuthConfig)
		scopes []string
		want   url.Values
	}{
		{
			name:   "static scopes, audience and resource",
			scopes: []string{"ignored:by-default"},
			want: url.Values{
				"grant_type": {"client_credentials"},
				"scope":      {"inventory:read inventory:write"},
				"audience":   {"https://inventory.example.com"},
				"resource":   {"https://inventory.example.com/api"},
			},
		},
		{
			name:   "per-operation scopes when enabled",
			mutate: func(c *UpstreamAuthConfig) { c.PerOperationScopes = &tr; c.Audience, c.Resource = "", "" },
			scopes: []string{"b", "a", "a"},
			want: url.Values{
				"grant_type": {"client_credentials"},
				"scope":      {"a b"},
			},
		},
		{
			name:   "no scopes at all",
			mutate: func(c *UpstreamAuthConfig) { c.Scopes = nil; c.Audience = "" },
			want: url.Values{
				"grant_type": {"client_credentials"},
				"resource":   {"https://inventory.example.com/api"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := newFakeAS(t)
			cfg := UpstreamAuthConfig{
				Type: UpstreamAuthClientCredentials, TokenURL: as.tokenURL(), ClientID: "gw",
				ClientSecret: inlineSecret("s"), Scopes: []string{"inventory:write", "inventory:read"},
				Audience: "https://inventory.example.com", Resource: "https://inventory.example.com/api",
			}
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			creds := mustCredentials(t, cfg, CredentialsOptions{})
			req := newUpstreamRequest(t, "https://inventory.example.com/api/items")
			if err := creds.Apply(t.Context(), req, nil, tc.scopes); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if diff := cmp.Diff(tc.want, as.last(t).Form); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}
			if got := req.Header.Get("Authorization"); got != "Bearer upstream-token-1" {
				t.Errorf("Authorization = %q", got)
			}
		})
	}
}

func TestClientCredentialsTokenPerScopeSet(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	tr := true
	cfg := UpstreamAuthConfig{Type: UpstreamAuthClientCredentials, TokenURL: as.tokenURL(), ClientID: "gw",
		ClientSecret: inlineSecret("s"), PerOperationScopes: &tr}
	creds := mustCredentials(t, cfg, CredentialsOptions{})
	got := map[string]string{}
	for _, scopes := range [][]string{{"a"}, {"b"}, {"a"}, {"b", "a"}, {"a", "b"}} {
		req := newUpstreamRequest(t, "https://up/")
		if err := creds.Apply(t.Context(), req, nil, scopes); err != nil {
			t.Fatal(err)
		}
		got[normalizeKey(scopes)] = req.Header.Get("Authorization")
	}
	want := map[string]string{"a": "Bearer upstream-token-1", "b": "Bearer upstream-token-2", "a b": "Bearer upstream-token-3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens per scope set (-want +got):\n%s", diff)
	}
	if n := as.count.Load(); n != 3 {
		t.Errorf("token requests = %d, want 3", n)
	}
}

// normalizeKey renders a scope set as its request form.
func normalizeKey(scopes []string) string {
	return strings.Join(normalizeScopes(scopes), " ")
}

func TestClientCredentialsExpiresInFormEncoded(t *testing.T) {
	t.Parallel()
	as := newFakeAS(t)
	as.setRespond(func(w http.ResponseWriter, _ tokenRequest, n int64) {
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		_, _ = w.Write([]byte("access_token=form-token&token_type=bearer&expires_in=600"))
	})
	cfg := UpstreamAuthConfig{Type: UpstreamAuthClientCredentials, TokenURL: as.tokenURL(), ClientID: "gw", ClientSecret: inlineSecret("s")}
	creds := mustCredentials(t, cfg, CredentialsOptions{})
	for range 3 {
		req := newUpstreamRequest(t, "https://up/")
		if err := creds.Apply(t.Context(), req, nil, nil); err != nil {
			t.Fatal(err)
		}
		if got := req.Header.Get("Authorization"); got != "Bearer form-token" {
			t.Fatalf("Authorization = %q", got)
		}
	}
	if n := as.count.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1 (cached)", n)
	}
}
