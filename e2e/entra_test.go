package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/internal/entratest"
)

// The Entra end-to-end tests run the rest2mcp binary against
// internal/entratest, an emulation of Microsoft Entra ID (tenant metadata
// only, no dynamic registration, v2 tokens with aud = the application ID
// and short scp names, on-behalf-of), with the two client set-ups Entra
// allows: a client sending the RFC 8707 resource (the MCP TypeScript SDK
// with a pre-registered client ID), which works only when the MCP endpoint
// URL is an App ID URI of the API; and VS Code's Microsoft provider, which
// sends api:// scopes and no resource.

const (
	entraAppIDURI = "api://rest2mcp-petstore"
	entraSecret   = "gateway-secret"
)

// entraAPI registers the Petstore API application (the gateway's own
// confidential client too, for on-behalf-of) with the given App ID URIs.
func entraAPI(e *entratest.Server, appIDURIs ...string) entratest.App {
	return e.Register(entratest.App{Name: "rest2mcp-petstore", AppIDURIs: appIDURIs,
		Scopes: []string{"Pets.Read", "Pets.Write"}, AccessTokenVersion: 2, ClientSecret: entraSecret})
}

// entraAuth is the gateway auth section for the emulator's tenant.
func entraAuth(e *entratest.Server, audiences ...string) *gwAuth {
	return &gwAuth{Issuers: []gwIssuer{{Issuer: e.Issuer(e.Tenant()), Profile: "entra", Audiences: audiences, RolesAsScopes: true}}}
}

// entraScopeMap maps the spec's scopes to Entra permissions under prefix.
func entraScopeMap(prefix string) *gwPolicy {
	return &gwPolicy{ScopeMap: map[string]string{"pets:read": prefix + "/Pets.Read", "pets:write": prefix + "/Pets.Write"}}
}

// jwtClaims decodes a JWT payload without verifying it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", truncate(tok, 40))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEntraRFC8707Client runs the MCP TypeScript SDK client with a
// pre-registered client ID: it sends resource = the MCP endpoint URL, so
// the endpoint URL is registered as an App ID URI of the API and the
// gateway's scope map uses it as prefix. Only the application ID is listed
// under audiences (v2 tokens carry nothing else); the short scp names are
// qualified with the endpoint URL.
func TestEntraRFC8707Client(t *testing.T) {
	skipShort(t)
	t.Parallel()
	e := entratest.New(t, nil)
	g := gatewayAt(freePort(t))
	api := entraAPI(e, entraAppIDURI, g.MCPURL)
	client := e.Register(entratest.App{Name: "MCP SDK client", RedirectURIs: []string{"http://127.0.0.1/callback"}})
	g.start(t, gwConfig{APIs: []gwAPI{{Name: apiName, Spec: petstoreSpec(t), Upstream: startUpstream(t, nil),
		Auth: entraAuth(e, api.ClientID), Policy: entraScopeMap(g.MCPURL)}}})

	res := runSDKClient(t, g.MCPURL, "step-up", "--client-id", client.ClientID)
	want := []sdkAuthorization{
		{Scope: g.MCPURL + "/Pets.Read", Resource: g.MCPURL, CodeChallengeMethod: "S256"},
		{Scope: g.MCPURL + "/Pets.Write", Resource: g.MCPURL, CodeChallengeMethod: "S256"},
	}
	if diff := cmp.Diff(want, res.Authorizations); diff != "" {
		t.Errorf("authorization requests (-want +got):\n%s", diff)
	}
	if res.InitialToken == nil || res.InitialToken.Aud != api.ClientID || res.InitialToken.Scp != "Pets.Read" {
		t.Errorf("initial token %+v, want aud %s and scp Pets.Read (Entra v2 shape)", res.InitialToken, api.ClientID)
	}
	wantChallenge(t, res.Challenge, map[string]string{"error": "insufficient_scope", "scope": g.MCPURL + "/Pets.Write"})
	if res.CreatePet == nil || res.CreatePet.IsError || !strings.Contains(res.CreatePet.Text, "Fido") {
		t.Errorf("createPet after step-up = %+v, want Fido", res.CreatePet)
	}
	// No dynamic registration: the only POSTs are token requests.
	for _, r := range e.Requests() {
		if strings.HasPrefix(r, "POST ") && !strings.HasSuffix(r, "/oauth2/v2.0/token") {
			t.Errorf("unexpected request to the emulator: %s", r)
		}
	}

	res = runSDKClient(t, g.MCPURL, "list-and-call", "--client-id", client.ClientID)
	if res.GetPet == nil || res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Rex") {
		t.Errorf("getPet = %+v, want Rex", res.GetPet)
	}
}

// TestEntraVSCodeProvider plays VS Code's built-in Microsoft provider: it
// takes the tenant from the first path segment of the authorization server
// in the protected resource metadata, signs in with its own pre-registered
// client ID (pre-authorized by the API), requests the scopes of the
// metadata or of the 403 challenge as they are (api://…), sends no
// resource and registers nothing. The same set-up turns away a client that
// sends the RFC 8707 resource, as Entra does (AADSTS9010010).
func TestEntraVSCodeProvider(t *testing.T) {
	skipShort(t)
	t.Parallel()
	e := entratest.New(t, nil)
	api := entraAPI(e, entraAppIDURI)
	g := startGateway(t, startUpstream(t, nil), func(g *gateway, a *gwAPI, _ *gwConfig) {
		a.Auth = entraAuth(e, entraAppIDURI, api.ClientID)
		a.Policy = entraScopeMap(entraAppIDURI)
	})

	s := &mcpSession{url: g.MCPURL, version: modernVersion}
	r := s.call(t, "tools/list", nil)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("without a token: %v, want 401", r)
	}
	ch, _ := parseBearerChallenge(r.Header.Get("WWW-Authenticate"))
	wantChallenge(t, r.Header.Get("WWW-Authenticate"), map[string]string{"resource_metadata": g.PRMURL, "scope": entraAppIDURI + "/Pets.Read"})
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	getJSONInto(t, ch["resource_metadata"], &prm)
	if len(prm.AuthorizationServers) != 1 {
		t.Fatalf("authorization_servers %v", prm.AuthorizationServers)
	}
	as, err := url.Parse(prm.AuthorizationServers[0])
	if err != nil {
		t.Fatal(err)
	}
	tenant, _, _ := strings.Cut(strings.TrimPrefix(as.Path, "/"), "/")
	if tenant != e.Tenant() {
		t.Fatalf("tenant from %s = %q, want %q", as, tenant, e.Tenant())
	}
	login := func(scopes []string) string {
		t.Helper()
		tr, err := e.Login(t.Context(), entratest.LoginRequest{Tenant: tenant, ClientID: entratest.VSCodeClientID,
			RedirectURI: "http://127.0.0.1:33418/", Scopes: scopes})
		if err != nil {
			t.Fatalf("sign-in for %v: %v", scopes, err)
		}
		return tr.AccessToken
	}
	s.token = login(prm.ScopesSupported)
	if c := jwtClaims(t, s.token); c["aud"] != api.ClientID || c["scp"] != "Pets.Read" || c["azp"] != entratest.VSCodeClientID {
		t.Errorf("token claims %v", c)
	}
	if res := s.callTool(t, "getPet", map[string]any{"petId": 1}); res.IsError || !strings.Contains(res.text(), "Rex") {
		t.Errorf("getPet = %+v, want Rex", res)
	}
	tools := s.toolsList(t)
	args := argumentsFor(t, findTool(t, tools, "createPet"), map[string]any{"name": "Fido", "tag": "dog"})
	r = s.call(t, "tools/call", map[string]any{"name": "createPet", "arguments": args})
	if r.Status != http.StatusForbidden {
		t.Fatalf("createPet with Pets.Read: %v, want 403", r)
	}
	wantChallenge(t, r.Header.Get("WWW-Authenticate"), map[string]string{"error": "insufficient_scope", "scope": entraAppIDURI + "/Pets.Write"})
	ch, _ = parseBearerChallenge(r.Header.Get("WWW-Authenticate"))
	s.token = login(strings.Fields(ch["scope"]))
	if res := s.callTool(t, "createPet", args); res.IsError || !strings.Contains(res.text(), "Fido") {
		t.Errorf("createPet after step-up = %+v, want Fido", res)
	}

	// A client that sends the RFC 8707 resource cannot use this set-up:
	// the endpoint URL is not an App ID URI and the scopes use api://.
	client := e.Register(entratest.App{Name: "MCP SDK client", RedirectURIs: []string{"http://127.0.0.1/callback"}})
	r2 := runCommand(t, nodeTimeout, testdataDir(t), nodeBinary(t), "client.mjs", "--url", g.MCPURL, "--mode", "list-and-call", "--client-id", client.ClientID)
	if r2.err == nil || !strings.Contains(r2.stderr, "AADSTS9010010") {
		t.Errorf("SDK client with resource against api:// scopes: err %v, want AADSTS9010010\nstderr:\n%s", r2.err, truncate(r2.stderr, 2000))
	}
}

// getJSONInto GETs u and decodes the JSON body into v.
func getJSONInto(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := httpClient.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// entraUpstream is middleware for the demo upstream that accepts only
// Entra access tokens for the downstream API: signed by the emulator, v2
// issuer of the tenant, aud = the downstream application ID, issued to the
// gateway's application (azp). Anything else fails the test and gets 401;
// in particular the caller's token, whose aud is the gateway's API.
type entraUpstream struct {
	upstreamRecorder
	e                      *entratest.Server
	downstream, middleTier string
}

func (u *entraUpstream) wrap(next http.Handler) http.Handler { return u.record(u.verify, next) }

func (u *entraUpstream) verify(r *http.Request) (upstreamCall, error) {
	call := upstreamCall{Method: r.Method, Path: r.URL.Path}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return call, fmt.Errorf("no bearer token")
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return call, fmt.Errorf("not an RS256 JWS: %w", err)
	}
	var set jose.JSONWebKeySet
	getJSONInto(u.t, u.e.URL()+"/"+u.e.Tenant()+"/discovery/v2.0/keys", &set)
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) == 0 {
		return call, fmt.Errorf("unknown kid %q", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(&keys[0])
	if err != nil {
		return call, fmt.Errorf("signature: %w", err)
	}
	var c struct {
		Iss, Aud, Azp, Scp, Oid string
		Exp                     int64
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return call, fmt.Errorf("claims: %w", err)
	}
	switch {
	case c.Aud == u.middleTier:
		return call, fmt.Errorf("received the caller's token for the gateway's API (token passthrough)")
	case c.Aud != u.downstream:
		return call, fmt.Errorf("aud %q, want the downstream API %s", c.Aud, u.downstream)
	case c.Iss != u.e.Issuer(u.e.Tenant()):
		return call, fmt.Errorf("iss %q", c.Iss)
	case c.Azp != u.middleTier:
		return call, fmt.Errorf("azp %q, want the gateway %s", c.Azp, u.middleTier)
	case c.Exp <= time.Now().Unix():
		return call, fmt.Errorf("expired")
	}
	call.Sub, call.Scope = c.Oid, c.Scp
	return call, nil
}

// TestEntraOnBehalfOf runs MCP client → gateway → on-behalf-of at the
// emulated Entra token endpoint → an upstream that accepts only tokens for
// the downstream API. A second API of the same gateway needs a downstream
// permission the gateway was never granted: Entra answers AADSTS65001 and
// the call fails without reaching the upstream.
func TestEntraOnBehalfOf(t *testing.T) {
	skipShort(t)
	t.Parallel()
	e := entratest.New(t, nil)
	g := gatewayAt(freePort(t))
	const unconsented = "unconsented"
	api := entraAPI(e, entraAppIDURI, g.MCPURL, g.BaseURL+"/mcp/"+unconsented)
	down := e.Register(entratest.App{Name: "petstore-backend", AppIDURIs: []string{"api://downstream"},
		Scopes: []string{"Pets.Read", "Pets.Write"}, AccessTokenVersion: 2})
	e.Register(entratest.App{Name: "other-backend", AppIDURIs: []string{"api://other-backend"}, Scopes: []string{"Data.Read"}, AccessTokenVersion: 2})
	e.Consent(api.ClientID, down.ClientID, "Pets.Read", "Pets.Write") // admin consent for the gateway
	client := e.Register(entratest.App{Name: "MCP SDK client", RedirectURIs: []string{"http://127.0.0.1/callback"}})
	up := &entraUpstream{upstreamRecorder: upstreamRecorder{t: t}, e: e, downstream: down.ClientID, middleTier: api.ClientID}
	upstream := startUpstream(t, up.wrap)
	obo := func(scope string) *gwUpstreamAuth {
		return &gwUpstreamAuth{Type: "entraOBO", TokenURL: e.TokenURL(e.Tenant()), ClientID: api.ClientID,
			ClientSecret: gwSecret{Value: entraSecret}, Scopes: []string{scope}, PerOperationScopes: new(false)}
	}
	g.start(t, gwConfig{APIs: []gwAPI{
		{Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: entraAuth(e, api.ClientID),
			Policy: entraScopeMap(g.MCPURL), UpstreamAuth: obo("api://downstream/.default")},
		{Name: unconsented, Spec: petstoreSpec(t), Upstream: upstream, Auth: entraAuth(e, api.ClientID),
			Policy: entraScopeMap(g.BaseURL + "/mcp/" + unconsented), UpstreamAuth: obo("api://other-backend/.default")},
	}})

	t.Run("SDK client", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "token-exchange", "--client-id", client.ClientID)
		if res.GetPet == nil || res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Rex") {
			t.Errorf("getPet 1 = %+v, want Rex", res.GetPet)
		}
		if res.CreatePet == nil || res.CreatePet.IsError || !strings.Contains(res.CreatePet.Text, "Fido") {
			t.Errorf("createPet = %+v, want Fido", res.CreatePet)
		}
		user := "a11ce000-0000-4000-8000-000000000001"
		want := []upstreamCall{
			{Method: http.MethodGet, Path: "/v1/pets/1", Sub: user, Scope: "Pets.Read Pets.Write"},
			{Method: http.MethodPost, Path: "/v1/pets", Sub: user, Scope: "Pets.Read Pets.Write"},
		}
		if diff := cmp.Diff(want, up.takeCalls()); diff != "" {
			t.Errorf("upstream calls (-want +got):\n%s", diff)
		}
		var obos int
		for _, is := range e.Issued() {
			if is.Grant != entratest.GrantJWTBearer {
				continue
			}
			obos++
			if c := jwtClaims(t, is.Assertion); c["aud"] != api.ClientID || c["azp"] != client.ClientID {
				t.Errorf("OBO assertion claims %v: want the caller's token for the gateway's API", c)
			}
			if is.Client != api.ClientID || is.Audience != down.ClientID {
				t.Errorf("OBO issued %+v", is)
			}
		}
		if obos == 0 {
			t.Error("the gateway made no on-behalf-of request")
		}
	})

	t.Run("consent required", func(t *testing.T) {
		token := e.Token(t, entratest.TokenRequest{Client: client.ClientID, API: api.ClientID, AppIDURI: g.BaseURL + "/mcp/" + unconsented, Scopes: []string{"Pets.Read"}})
		s := &mcpSession{url: g.BaseURL + "/mcp/" + unconsented, version: modernVersion, token: token}
		res := s.callTool(t, "getPet", map[string]any{"petId": 1})
		if !res.IsError || !strings.Contains(res.text(), "AADSTS65001") && !strings.Contains(strings.ToLower(res.text()), "consent") {
			t.Errorf("getPet without downstream consent = %+v, want an error result about consent", res)
		}
		if calls := up.takeCalls(); len(calls) != 0 {
			t.Errorf("upstream was called: %+v", calls)
		}
		if n := slices.IndexFunc(e.Issued(), func(is entratest.Issued) bool {
			return is.Audience != down.ClientID && is.Grant == entratest.GrantJWTBearer
		}); n >= 0 {
			t.Errorf("a token was issued for another downstream: %+v", e.Issued()[n])
		}
	})
}
