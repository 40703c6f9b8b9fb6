package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// TestOAuth protects the gateway with oidc-provider issuing JWT access
// tokens (RFC 9068, aud = the MCP endpoint via RFC 8707 resource
// indicators) and checks discovery, the SDK's full authorization-code
// dance, machine tokens and the rejection of bad tokens.
func TestOAuth(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := gatewayAt(freePort(t))
	otherResource := g.BaseURL + "/mcp/other"
	as := startAS(t, asOptions{resources: []string{g.MCPURL, otherResource}, upstream: upstream})
	g.start(t, gwConfig{APIs: []gwAPI{{Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: jwtAuth(as)}}})

	t.Run("protected resource metadata", func(t *testing.T) {
		checkPRM(t, g, as)
	})

	t.Run("401 without a token", func(t *testing.T) {
		for _, version := range []string{legacyVersion, modernVersion} {
			s := &mcpSession{url: g.MCPURL, version: version}
			r := s.call(t, "tools/list", nil)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("%s tools/list without a token: %v, want HTTP 401", version, r)
			}
			wantChallenge(t, r.Header.Get("WWW-Authenticate"),
				map[string]string{"resource_metadata": g.PRMURL, "scope": "pets:read"}, "error")
		}
	})

	t.Run("SDK authorization code with PKCE", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "list-and-call")
		if diff := cmp.Diff(allTools, res.Tools); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
		if res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Rex") {
			t.Errorf("getPet 1 = %+v, want Rex", res.GetPet)
		}
		if res.Registrations != 1 {
			t.Errorf("dynamic client registrations = %d, want 1", res.Registrations)
		}
		wantAuthz := []sdkAuthorization{{Scope: "pets:read", Resource: g.MCPURL, CodeChallengeMethod: "S256"}}
		if diff := cmp.Diff(wantAuthz, res.Authorizations); diff != "" {
			t.Errorf("authorization requests (-want +got):\n%s", diff)
		}
		if res.Token == nil || res.Token.Aud != g.MCPURL || res.Token.Sub != "alice" {
			t.Errorf("access token = %+v, want aud %s and sub alice", res.Token, g.MCPURL)
		}
		if len(res.Trace) < 2 || res.Trace[0].Status != http.StatusUnauthorized || res.Trace[1].URL != g.PRMURL {
			t.Errorf("the SDK did not start with 401 and then the PRM from the challenge: %+v", res.Trace[:min(3, len(res.Trace))])
		}
	})

	t.Run("client credentials token", func(t *testing.T) {
		token := as.clientCredentials(t, "machine", "machine-secret", g.MCPURL, "pets:read pets:write")
		for _, version := range []string{modernVersion, legacyVersion} {
			s := &mcpSession{url: g.MCPURL, version: version, token: token}
			if !s.modern() {
				s.initialize(t)
			}
			if diff := cmp.Diff(allTools, toolNames(s.toolsList(t))); diff != "" {
				t.Errorf("%s tools (-want +got):\n%s", version, diff)
			}
			if res := s.callTool(t, "getPet", map[string]any{"petId": 3}); res.IsError || !strings.Contains(res.text(), "Nemo") {
				t.Errorf("%s getPet 3 = %+v, want Nemo", version, res)
			}
		}
	})

	t.Run("rejected tokens", func(t *testing.T) {
		valid := as.clientCredentials(t, "reader", "reader-secret", g.MCPURL, "pets:read")
		now := time.Now().Unix()
		claims := func(mod func(map[string]any)) map[string]any {
			c := map[string]any{
				"iss": as.Issuer, "sub": "alice", "aud": g.MCPURL, "scope": "pets:read",
				"client_id": "reader", "jti": randomID(t), "iat": now - 60, "exp": now + 600,
			}
			if mod != nil {
				mod(c)
			}
			return c
		}
		// A token the AS signs with claims that are all right must pass;
		// otherwise the failures below would prove nothing.
		control := as.sign(t, "at+jwt", claims(nil))
		s := &mcpSession{url: g.MCPURL, version: modernVersion, token: control}
		if r := s.call(t, "tools/list", nil); r.Status != http.StatusOK {
			t.Fatalf("control token signed by the AS: %v, want HTTP 200", r)
		}

		tests := []struct {
			name  string
			token string
		}{
			{"tampered payload", tamper(t, valid)},
			{"expired", as.sign(t, "at+jwt", claims(func(c map[string]any) { c["iat"], c["exp"] = now-7200, now-3600 }))},
			{"audience of another MCP endpoint", as.clientCredentials(t, "machine", "machine-secret", otherResource, "pets:read")},
			{"audience of the upstream", as.clientCredentials(t, "machine", "machine-secret", upstream, "pets:read")},
			{"foreign issuer", as.sign(t, "at+jwt", claims(func(c map[string]any) { c["iss"] = "http://127.0.0.1:1" }))},
			{"typ JWT instead of at+jwt", as.sign(t, "JWT", claims(nil))},
			{"signed by a foreign key", forge(t, valid)},
			{"not a JWT", "not-a-token"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s := &mcpSession{url: g.MCPURL, version: modernVersion, token: tc.token}
				r := s.call(t, "tools/list", nil)
				if r.Status != http.StatusUnauthorized {
					t.Fatalf("tools/list: %v, want HTTP 401", r)
				}
				wantChallenge(t, r.Header.Get("WWW-Authenticate"),
					map[string]string{"resource_metadata": g.PRMURL, "error": "invalid_token"})
			})
		}
	})
}

// TestOAuthIntrospection protects the gateway with opaque access tokens,
// which it must validate at oidc-provider's introspection endpoint.
func TestOAuthIntrospection(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := gatewayAt(freePort(t))
	as := startAS(t, asOptions{opaqueResources: []string{g.MCPURL}})
	auth := jwtAuth(as)
	auth.Issuers[0].Introspection = &gwIntrospection{
		URL: as.Issuer + "/token/introspection", ClientID: "gateway", ClientSecret: gwSecret{Value: "gateway-secret"},
	}
	g.start(t, gwConfig{APIs: []gwAPI{{Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: auth}}})

	t.Run("client credentials opaque token", func(t *testing.T) {
		token := as.clientCredentials(t, "machine", "machine-secret", g.MCPURL, "pets:read pets:write")
		if strings.Count(token, ".") == 2 {
			t.Fatalf("token %q looks like a JWT; the AS should issue opaque tokens here", truncate(token, 40))
		}
		s := &mcpSession{url: g.MCPURL, version: modernVersion, token: token}
		if diff := cmp.Diff(allTools, toolNames(s.toolsList(t))); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
		if res := s.callTool(t, "getPet", map[string]any{"petId": 1}); res.IsError || !strings.Contains(res.text(), "Rex") {
			t.Errorf("getPet 1 = %+v, want Rex", res)
		}
	})

	t.Run("SDK authorization code with opaque token", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "list-and-call")
		if res.Token == nil || !res.Token.Opaque {
			t.Errorf("token = %+v, want opaque", res.Token)
		}
		if res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Rex") {
			t.Errorf("getPet 1 = %+v, want Rex", res.GetPet)
		}
	})

	t.Run("unknown opaque token", func(t *testing.T) {
		s := &mcpSession{url: g.MCPURL, version: modernVersion, token: "unknown-" + randomID(t)}
		r := s.call(t, "tools/list", nil)
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("tools/list: %v, want HTTP 401", r)
		}
		wantChallenge(t, r.Header.Get("WWW-Authenticate"),
			map[string]string{"resource_metadata": g.PRMURL, "error": "invalid_token"})
	})
}

// checkPRM fetches and checks the endpoint's RFC 9728 metadata.
func checkPRM(t *testing.T, g *gateway, as *authServer) {
	t.Helper()
	resp, err := httpClient.Get(g.PRMURL)
	if err != nil {
		t.Fatalf("GET %s: %v", g.PRMURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", g.PRMURL, resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("PRM content type %q, want application/json", resp.Header.Get("Content-Type"))
	}
	var prm struct {
		Resource               string   `json:"resource"`
		AuthorizationServers   []string `json:"authorization_servers"`
		ScopesSupported        []string `json:"scopes_supported"`
		BearerMethodsSupported []string `json:"bearer_methods_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&prm); err != nil {
		t.Fatalf("PRM: %v", err)
	}
	if prm.Resource != g.MCPURL {
		t.Errorf("resource = %q, want %q", prm.Resource, g.MCPURL)
	}
	if diff := cmp.Diff([]string{as.Issuer}, prm.AuthorizationServers); diff != "" {
		t.Errorf("authorization_servers (-want +got):\n%s", diff)
	}
	if !slices.Contains(prm.ScopesSupported, "pets:read") || slices.Contains(prm.ScopesSupported, "offline_access") {
		t.Errorf("scopes_supported = %v, want the baseline pets:read and no offline_access", prm.ScopesSupported)
	}
	if prm.BearerMethodsSupported != nil && !slices.Equal(prm.BearerMethodsSupported, []string{"header"}) {
		t.Errorf("bearer_methods_supported = %v, want [header]", prm.BearerMethodsSupported)
	}
}

// tamper changes a JWT's payload (widening its scope) and keeps the
// original signature.
func tamper(t *testing.T, jwt string) string {
	t.Helper()
	claims := jwtClaims(t, jwt)
	claims["scope"] = "pets:read pets:write"
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(jwt, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// forge re-signs a JWT's payload with a fresh RSA key under the original
// key ID.
func forge(t *testing.T, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(header, &h); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: h.Kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// randomID returns a random URL-safe identifier.
func randomID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestOAuthKeyRotation restarts the authorization server on the same
// issuer URL: oidc-provider keeps keys in memory, so the new instance signs
// with a new key ID, which the gateway must fetch once it sees it (within
// its refetch throttle).
func TestOAuthKeyRotation(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := gatewayAt(freePort(t))
	opts := asOptions{port: freePort(t), resources: []string{g.MCPURL}}
	as := startAS(t, opts)
	auth := jwtAuth(as)
	auth.Issuers[0].JWKSMinRefresh = jwksMinRefresh
	g.start(t, gwConfig{APIs: []gwAPI{{Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: auth}}})

	list := func(t *testing.T, token string) rpcReply {
		t.Helper()
		s := &mcpSession{url: g.MCPURL, version: modernVersion, token: token}
		return s.call(t, "tools/list", nil)
	}
	old := as.clientCredentials(t, "reader", "reader-secret", g.MCPURL, "pets:read")
	if r := list(t, old); r.Status != http.StatusOK {
		t.Fatalf("token from the first AS instance: %v, want HTTP 200", r)
	}

	as.proc.stop(t)
	rotated := startAS(t, opts)
	if rotated.Issuer != as.Issuer {
		t.Fatalf("restarted AS issuer %q, want %q", rotated.Issuer, as.Issuer)
	}
	fresh := rotated.clientCredentials(t, "reader", "reader-secret", g.MCPURL, "pets:read")
	if kid(t, fresh) == kid(t, old) {
		t.Fatalf("restarted AS reuses key ID %q", kid(t, old))
	}
	// The gateway throttles JWKS refetches on unknown key ids (here to one
	// per jwksMinRefresh), so poll until the new key is accepted.
	start := time.Now()
	for {
		r := list(t, fresh)
		if r.Status == http.StatusOK {
			t.Logf("new key accepted %v after the restart", time.Since(start).Round(100*time.Millisecond))
			break
		}
		if r.Status != http.StatusUnauthorized || time.Since(start) > keyRotationTimeout {
			t.Fatalf("token signed with the new key, %v after the restart: %v, want HTTP 200 (JWKS refetch on unknown kid)",
				time.Since(start).Round(time.Second), r)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// A token signed with the retired key may still be accepted from a
	// verification cache until it expires; that is a gateway choice, so it
	// is only reported.
	t.Logf("token signed with the retired key: HTTP %d", list(t, old).Status)
}

// jwksMinRefresh is the gateway's JWKS refetch throttle in the key
// rotation test (the default is 30s).
const jwksMinRefresh = "2s"

// keyRotationTimeout bounds how long the gateway may take to accept a new
// signing key (its JWKS refetch throttle plus slack).
const keyRotationTimeout = 15 * time.Second

// kid returns the key ID in a JWT's header.
func kid(t *testing.T, jwt string) string {
	t.Helper()
	header, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(header, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}
