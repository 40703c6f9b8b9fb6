package authbridge_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rest2mcp/rest2mcp/authbridge"
)

// ExampleNewCredentials builds static API-key credentials and applies them
// to an upstream request that arrived with the caller's Authorization
// header, which is removed.
func ExampleNewCredentials() {
	cfg := authbridge.UpstreamAuthConfig{
		Type: authbridge.UpstreamAuthStatic,
		Static: &authbridge.StaticConfig{
			Header: "X-API-Key",
			Value:  &authbridge.Secret{FromEnv: "PETS_API_KEY"},
		},
	}
	env := map[string]string{"PETS_API_KEY": "k-123"}
	creds, err := authbridge.NewCredentials(context.Background(), cfg, authbridge.CredentialsOptions{
		Name:      "pets",
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	req, _ := http.NewRequest(http.MethodGet, "https://pets.example.com/pets", nil)
	req.Header.Set("Authorization", "Bearer caller-token")
	if err := creds.Apply(context.Background(), req, nil, []string{"pets:read"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("X-API-Key=%s Authorization=%q %v\n", req.Header.Get("X-API-Key"), req.Header.Get("Authorization"), creds)
	// Output: X-API-Key=k-123 Authorization="" upstreamAuth(static, pets)
}
