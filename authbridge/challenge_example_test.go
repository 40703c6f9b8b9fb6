package authbridge_test

import (
	"fmt"

	"github.com/rest2mcp/rest2mcp/authbridge"
)

func ExampleChallenge_String() {
	ch := authbridge.Challenge{
		ResourceMetadata: "https://gw.example.com/.well-known/oauth-protected-resource/mcp/pets",
		Scopes:           []string{"pets:read", "offline_access"},
		Error:            authbridge.ErrorCodeInvalidToken,
		Description:      "token expired",
	}
	fmt.Println(ch.String())
	// Output:
	// Bearer error="invalid_token", error_description="token expired", scope="pets:read", resource_metadata="https://gw.example.com/.well-known/oauth-protected-resource/mcp/pets"
}

func ExamplePRMPath() {
	fmt.Println(authbridge.PRMPath("https://gw.example.com/mcp/pets"))
	// Output: /.well-known/oauth-protected-resource/mcp/pets
}
