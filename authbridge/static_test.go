package authbridge

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStaticCredentials(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PETS_KEY": "k-123", "PETS_PW": "p:w ü"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name       string
		static     StaticConfig
		url        string
		wantHeader http.Header
		wantQuery  string
	}{
		{
			name:       "header with prefix",
			static:     StaticConfig{Header: "x-api-key", Prefix: "Key ", Value: &Secret{FromEnv: "PETS_KEY"}},
			wantHeader: http.Header{"X-Api-Key": {"Key k-123"}},
		},
		{
			name:       "query parameter replaces a caller-supplied one",
			static:     StaticConfig{Query: "api_key", Value: &Secret{FromEnv: "PETS_KEY"}},
			url:        "https://up.example.com/pets?api_key=forged&limit=2",
			wantHeader: http.Header{},
			wantQuery:  "api_key=k-123&limit=2",
		},
		{
			name:       "basic without URL-encoding (RFC 7617)",
			static:     StaticConfig{Basic: &BasicConfig{Username: "svc", Password: Secret{FromEnv: "PETS_PW"}}},
			wantHeader: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("svc:p:w ü"))}},
		},
		{
			name:       "bearer",
			static:     StaticConfig{Bearer: true, Value: inlineSecret("static-token")},
			wantHeader: http.Header{"Authorization": {"Bearer static-token"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			creds := mustCredentials(t, UpstreamAuthConfig{Type: UpstreamAuthStatic, Static: &tc.static}, CredentialsOptions{LookupEnv: lookup})
			target := tc.url
			if target == "" {
				target = "https://up.example.com/pets"
			}
			req := newUpstreamRequest(t, target)
			req.Header.Set("Authorization", "Bearer caller-token-value")
			if err := creds.Apply(t.Context(), req, nil, []string{"pets:read"}); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if diff := cmp.Diff(tc.wantHeader, req.Header); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if req.URL.RawQuery != tc.wantQuery && tc.wantQuery != "" {
				t.Errorf("query = %q, want %q", req.URL.RawQuery, tc.wantQuery)
			}
		})
	}
}

func TestStaticSecretErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		static    StaticConfig
		wantField string
	}{
		{"missing env", StaticConfig{Header: "X-Key", Value: &Secret{FromEnv: "NOPE"}}, "upstreamAuth.static.value"},
		{"missing file", StaticConfig{Header: "X-Key", Value: &Secret{FromFile: "/nonexistent/key"}}, "upstreamAuth.static.value"},
		{"missing password", StaticConfig{Basic: &BasicConfig{Username: "u", Password: Secret{FromEnv: "NOPE"}}}, "upstreamAuth.static.basic.password"},
		{"control characters", StaticConfig{Header: "X-Key", Value: inlineSecret("line\r\nX-Evil: 1")}, "upstreamAuth.static.value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewCredentials(t.Context(), UpstreamAuthConfig{Type: UpstreamAuthStatic, Static: &tc.static},
				CredentialsOptions{LookupEnv: func(string) (string, bool) { return "", false }})
			if err == nil {
				t.Fatal("NewCredentials succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), tc.wantField+":") {
				t.Errorf("error %q does not start with %q", err, tc.wantField)
			}
			if strings.Contains(err.Error(), "X-Evil") {
				t.Errorf("error %q quotes the value", err)
			}
		})
	}
}
