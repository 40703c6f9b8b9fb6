package authbridge

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// WellKnownPRMPath is the RFC 9728 well-known path prefix.
const WellKnownPRMPath = "/.well-known/oauth-protected-resource"

// ProtectedResourceMetadata is an RFC 9728 §2 document.
type ProtectedResourceMetadata struct {
	// Resource is the protected resource identifier: the exact MCP
	// endpoint URL.
	Resource string `json:"resource"`
	// AuthorizationServers lists the issuers clients may obtain tokens
	// from.
	AuthorizationServers []string `json:"authorization_servers"`
	// ScopesSupported is the minimal set of scopes for basic use.
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// BearerMethodsSupported is always ["header"].
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	// ResourceName is a human-readable name.
	ResourceName string `json:"resource_name,omitempty"`
	// ResourceDocumentation is a URL of human-readable documentation.
	ResourceDocumentation string `json:"resource_documentation,omitempty"`
}

// NewPRM builds the metadata of resource from its auth configuration.
// scopes replaces cfg.Scopes when non-nil (for scopes derived from
// policies); offline_access, invalid scope tokens and duplicates are left
// out.
func NewPRM(resource string, cfg Config, scopes []string) ProtectedResourceMetadata {
	if scopes == nil {
		scopes = cfg.Scopes
	}
	md := ProtectedResourceMetadata{
		Resource:               resource,
		AuthorizationServers:   make([]string, 0, len(cfg.Issuers)),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           cfg.ResourceName,
		ResourceDocumentation:  cfg.ResourceDocumentation,
	}
	for _, ic := range cfg.Issuers {
		md.AuthorizationServers = append(md.AuthorizationServers, ic.Issuer)
	}
	if s := challengeScopes(scopes); s != "" {
		md.ScopesSupported = strings.Split(s, " ")
	}
	return md
}

// PRMPath returns the path-suffixed well-known path of resource (RFC 9728
// §3.1): https://h/mcp/pets gives
// /.well-known/oauth-protected-resource/mcp/pets; a resource without a
// path (or with path "/") gives the bare well-known path.
func PRMPath(resource string) string {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" {
		return WellKnownPRMPath
	}
	p := u.EscapedPath()
	if p == "/" {
		p = ""
	}
	return WellKnownPRMPath + p
}

// PRMURL returns the absolute URL of the metadata of resource, for the
// resource_metadata challenge parameter.
func PRMURL(resource string) (string, error) {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "", fmt.Errorf("resource %q is not an absolute URL", resource)
	}
	return u.Scheme + "://" + u.Host + PRMPath(resource), nil
}

// NewPRMHandler serves md: GET and HEAD return the JSON document
// (Cache-Control: no-store, CORS open to any origin, since the document is
// public and browser-based clients fetch it), OPTIONS answers the CORS
// preflight with 204, other methods get 405. The body is encoded once; to
// change the document, build a new handler.
func NewPRMHandler(md ProtectedResourceMetadata) http.Handler {
	// Marshalling cannot fail: the document holds only strings.
	body, _ := json.Marshal(md)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-store")
			h.Set("Content-Length", fmt.Sprint(len(body)))
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				_, _ = w.Write(body)
			}
		case http.MethodOptions:
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "*")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
		default:
			h.Set("Allow", "GET, HEAD, OPTIONS")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}
