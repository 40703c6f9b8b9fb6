package entratest

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
)

// routes dispatches on the path alone, like Entra: /{tenant}/… and
// /common/….
func (s *Server) routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(segs) < 2 {
			http.NotFound(w, r)
			return
		}
		tenant, rest := segs[0], strings.Join(segs[1:], "/")
		switch rest {
		case "discovery/v2.0/keys", "discovery/keys":
			if tenant != "common" && !s.knownTenant(tenant) {
				s.tenantNotFound(w, tenant)
				return
			}
			s.serveKeys(w, r, rest == "discovery/v2.0/keys")
			return
		}
		if tenant == "common" || tenant == "organizations" {
			// Multi-tenant aliases are not emulated: the gateway trusts
			// tenant-specific issuers only.
			http.NotFound(w, r)
			return
		}
		handlers := map[string]func(http.ResponseWriter, *http.Request, string){
			"v2.0/.well-known/openid-configuration": s.serveMetadataV2,
			".well-known/openid-configuration":      s.serveMetadataV1,
			"oauth2/v2.0/authorize":                 s.serveAuthorize,
			"oauth2/v2.0/token":                     s.serveToken,
		}
		h, ok := handlers[rest]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !s.knownTenant(tenant) {
			s.tenantNotFound(w, tenant)
			return
		}
		h(w, r, tenant)
	})
}

func (s *Server) tenantNotFound(w http.ResponseWriter, tenant string) {
	writeError(w, s.now(), http.StatusBadRequest, aadError{code: 90002, err: "invalid_tenant",
		msg: "Tenant '" + tenant + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."})
}

// serveMetadataV2 writes the v2.0 OpenID configuration of tenant.
func (s *Server) serveMetadataV2(w http.ResponseWriter, r *http.Request, tenant string) {
	base := s.base + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                s.Issuer(tenant),
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"kerberos_endpoint":                     base + "/kerberos",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	})
}

// serveMetadataV1 writes the v1.0 OpenID configuration of tenant, whose
// issuer is on sts.windows.net.
func (s *Server) serveMetadataV1(w http.ResponseWriter, r *http.Request, tenant string) {
	base := s.base + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              s.base + "/common/discovery/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
		"scopes_supported":                      []string{"openid"},
		"issuer":                                s.IssuerV1(tenant),
		"microsoft_multi_refresh_token":         true,
		"authorization_endpoint":                base + "/oauth2/authorize",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"},
		"check_session_iframe":                  base + "/oauth2/checksession",
		"userinfo_endpoint":                     base + "/openid/userinfo",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	})
}

// serveKeys writes the key set shared by every tenant: RSA keys with kid,
// x5t and x5c, and no alg. The v2.0 set also names the issuer template.
func (s *Server) serveKeys(w http.ResponseWriter, _ *http.Request, v2 bool) {
	s.mu.Lock()
	keys := make([]map[string]any, 0, len(s.keys))
	for _, k := range s.keys {
		jwk := map[string]any{
			"kty": "RSA",
			"use": "sig",
			"kid": k.kid,
			"x5t": k.kid,
			"n":   base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
			"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
			"x5c": []string{base64.StdEncoding.EncodeToString(k.cert)},
		}
		if v2 {
			jwk["cloud_instance_name"] = "microsoftonline.com"
			jwk["issuer"] = s.base + "/{tenantid}/v2.0"
		}
		keys = append(keys, jwk)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
