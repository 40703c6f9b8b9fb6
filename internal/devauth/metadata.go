package devauth

import (
	"crypto"
	"net/http"
)

var cryptoSHA256 = crypto.SHA256

// metadata is the RFC 8414 authorization server metadata document.
func (s *Server) metadata() map[string]any {
	return map[string]any{
		"issuer":                                         s.issuer,
		"authorization_endpoint":                         s.issuer + "/authorize",
		"token_endpoint":                                 s.issuer + "/token",
		"registration_endpoint":                          s.issuer + "/register",
		"jwks_uri":                                       s.JWKSURL(),
		"scopes_supported":                               s.allScopes(),
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{grantAuthorizationCode, grantRefreshToken, grantClientCredentials, grantTokenExchange},
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":               []string{"S256"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": false,
		"service_documentation":                          s.issuer + "/",
	}
}

func (s *Server) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.metadata())
}
