package oidctest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	if s.mode&ServeRFC8414 != 0 {
		mux.HandleFunc("GET /.well-known/oauth-authorization-server"+s.path, s.serveMetadata)
	}
	if s.mode&ServeOIDCInserted != 0 || (s.path == "" && s.mode&ServeOIDCAppended != 0) {
		mux.HandleFunc("GET /.well-known/openid-configuration"+s.path, s.serveMetadata)
	}
	// Without a path, the inserted and appended OIDC locations coincide.
	if s.path != "" && s.mode&ServeOIDCAppended != 0 {
		mux.HandleFunc("GET "+s.path+"/.well-known/openid-configuration", s.serveMetadata)
	}
	mux.HandleFunc("GET "+s.path+"/jwks", s.serveJWKS)
	mux.HandleFunc("POST "+s.path+"/introspect", s.serveIntrospect)
	if s.tokenHandler != nil {
		mux.HandleFunc("POST "+s.path+"/token", func(w http.ResponseWriter, r *http.Request) {
			if st := s.failure(EndpointToken); st != 0 {
				writeJSON(w, st, map[string]string{"error": "temporarily_unavailable"})
				return
			}
			s.tokenHandler(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	if st := s.failure(EndpointDiscovery); st != 0 {
		writeJSON(w, st, map[string]string{"error": "temporarily_unavailable"})
		return
	}
	iss := s.issuer
	if s.metaIssuer != "" {
		iss = s.metaIssuer
	}
	doc := map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              s.JWKSURL(),
		"authorization_endpoint":                s.issuer + "/authorize",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "EdDSA"},
		"subject_types_supported":               []string{"public"},
	}
	if s.introspect {
		doc["introspection_endpoint"] = s.IntrospectionURL()
	}
	if s.tokenHandler != nil {
		doc["token_endpoint"] = s.TokenURL()
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if st := s.failure(EndpointJWKS); st != 0 {
		writeJSON(w, st, map[string]string{"error": "temporarily_unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, s.jwks())
}

func (s *Server) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	if st := s.failure(EndpointIntrospection); st != 0 {
		writeJSON(w, st, map[string]string{"error": "temporarily_unavailable"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	method, ok := s.clientAuth(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="introspection"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	s.lastAuth = method
	resp, found := s.opaque[tok]
	s.mu.Unlock()
	if tok == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if !found {
		resp = map[string]any{"active": false}
	}
	writeJSON(w, http.StatusOK, resp)
}

// clientAuth checks client_secret_basic (RFC 6749 §2.3.1: both parts are
// form-urlencoded before base64) or client_secret_post credentials.
func (s *Server) clientAuth(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, b64, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Basic") {
			return "", false
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return "", false
		}
		encID, encSecret, ok := strings.Cut(string(raw), ":")
		if !ok {
			return "", false
		}
		id, err1 := url.QueryUnescape(encID)
		secret, err2 := url.QueryUnescape(encSecret)
		if err1 != nil || err2 != nil || r.PostForm.Has("client_secret") {
			return "", false
		}
		return "client_secret_basic", id == s.clientID && secret == s.clientSecret
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	return "client_secret_post", id == s.clientID && secret == s.clientSecret
}
