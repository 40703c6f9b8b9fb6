package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// upstreamCall is what the verifying upstream saw on one request.
type upstreamCall struct {
	Method, Path string
	Sub          string
	Scope        string
}

// upstreamVerifier is middleware for the demo upstream that accepts only
// access tokens minted for the upstream by token exchange. It records each
// request, answers 401 to anything else, and fails the test if it ever
// receives an inbound MCP token.
type upstreamVerifier struct {
	upstreamRecorder

	mu       sync.Mutex
	issuer   string
	jwksURI  string
	audience string   // the upstream's resource indicator
	inbound  []string // MCP resources: an aud naming one is a forwarded token
	keys     *jose.JSONWebKeySet
	known    map[string]bool // inbound tokens the test itself sent
}

func (v *upstreamVerifier) configure(issuer, jwksURI, audience string, inboundResources ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.issuer, v.jwksURI, v.audience, v.inbound = issuer, jwksURI, audience, inboundResources
	v.known = map[string]bool{}
}

// rememberInbound registers a token the test sends to the gateway.
func (v *upstreamVerifier) rememberInbound(token string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.known[token] = true
}

// upstreamRecorder is the part of an upstream token verifier that records
// the requests it accepts.
type upstreamRecorder struct {
	t *testing.T

	callsMu sync.Mutex
	calls   []upstreamCall
}

// record is middleware that records each request verify accepts and
// answers 401, failing the test, to the others.
func (u *upstreamRecorder) record(verify func(*http.Request) (upstreamCall, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call, err := verify(r)
		if err != nil {
			u.t.Errorf("upstream %s %s: %v", r.Method, r.URL.Path, err)
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, `{"code":401,"message":"invalid token"}`, http.StatusUnauthorized)
			return
		}
		u.callsMu.Lock()
		u.calls = append(u.calls, call)
		u.callsMu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// takeCalls returns and clears the recorded calls.
func (u *upstreamRecorder) takeCalls() []upstreamCall {
	u.callsMu.Lock()
	defer u.callsMu.Unlock()
	c := u.calls
	u.calls = nil
	return c
}

func (v *upstreamVerifier) wrap(next http.Handler) http.Handler { return v.record(v.verify, next) }

// verify checks the request's bearer token: RS256 signature by the AS, typ
// at+jwt, issuer, audience = the upstream resource, not expired, and not
// an inbound MCP token.
func (v *upstreamVerifier) verify(r *http.Request) (upstreamCall, error) {
	call := upstreamCall{Method: r.Method, Path: r.URL.Path}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return call, fmt.Errorf("no bearer token (Authorization %q)", r.Header.Get("Authorization"))
	}
	v.mu.Lock()
	forwarded := v.known[token]
	v.mu.Unlock()
	if forwarded {
		return call, fmt.Errorf("received the inbound MCP token itself (token passthrough)")
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return call, fmt.Errorf("token is not an RS256 JWS: %w", err)
	}
	if typ := jws.Signatures[0].Protected.ExtraHeaders["typ"]; typ != "at+jwt" {
		return call, fmt.Errorf("token typ %v, want at+jwt", typ)
	}
	key, err := v.key(r, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return call, err
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return call, fmt.Errorf("signature: %w", err)
	}
	var claims struct {
		Iss      string          `json:"iss"`
		Sub      string          `json:"sub"`
		Aud      json.RawMessage `json:"aud"`
		Exp      int64           `json:"exp"`
		Scope    string          `json:"scope"`
		ClientID string          `json:"client_id"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return call, fmt.Errorf("claims: %w", err)
	}
	auds := audiences(claims.Aud)
	for _, in := range v.inbound {
		if slices.Contains(auds, in) {
			return call, fmt.Errorf("received a token for the MCP resource %s (token passthrough)", in)
		}
	}
	switch {
	case claims.Iss != v.issuer:
		return call, fmt.Errorf("iss %q, want %q", claims.Iss, v.issuer)
	case !slices.Equal(auds, []string{v.audience}):
		return call, fmt.Errorf("aud %v, want [%s]", auds, v.audience)
	case claims.Exp <= time.Now().Unix():
		return call, fmt.Errorf("token expired at %d", claims.Exp)
	case claims.ClientID != "gateway":
		return call, fmt.Errorf("client_id %q, want gateway (the exchanging client)", claims.ClientID)
	}
	call.Sub, call.Scope = claims.Sub, claims.Scope
	return call, nil
}

// key returns the AS's verification key with the given kid, fetching the
// JWKS on first use and when the kid is unknown.
func (v *upstreamVerifier) key(r *http.Request, kid string) (*jose.JSONWebKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		if v.keys != nil {
			if ks := v.keys.Key(kid); len(ks) > 0 {
				return &ks[0], nil
			}
		}
		if attempt == 1 {
			break
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, v.jwksURI, nil)
		if err != nil {
			return nil, err
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetch JWKS: %w", err)
		}
		var set jose.JSONWebKeySet
		err = json.NewDecoder(resp.Body).Decode(&set)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("decode JWKS: %w", err)
		}
		v.keys = &set
	}
	return nil, fmt.Errorf("no AS key with kid %q", kid)
}

// audiences decodes a JWT aud claim (string or array).
func audiences(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

// TestTokenExchange checks RFC 8693 upstream credentials: the gateway
// exchanges the caller's token at oidc-provider for a token whose audience
// is the upstream and whose scope is narrowed to the operation's scope; the
// upstream verifies every token and fails the test if the inbound token
// ever reaches it.
func TestTokenExchange(t *testing.T) {
	skipShort(t)
	t.Parallel()
	v := &upstreamVerifier{upstreamRecorder: upstreamRecorder{t: t}}
	upstream := startUpstream(t, v.wrap)
	g := gatewayAt(freePort(t))
	as := startAS(t, asOptions{resources: []string{g.MCPURL}, upstream: upstream})
	v.configure(as.Issuer, as.JWKSURI, upstream, g.MCPURL)
	g.start(t, gwConfig{APIs: []gwAPI{{
		Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: jwtAuth(as),
		UpstreamAuth: &gwUpstreamAuth{
			Type:         "tokenExchange",
			TokenURL:     as.Issuer + "/token",
			ClientID:     "gateway",
			ClientSecret: gwSecret{Value: "gateway-secret"},
			Audience:     upstream,
		},
	}}})

	t.Run("SDK client", func(t *testing.T) {
		v.takeCalls()
		res := runSDKClient(t, g.MCPURL, "token-exchange")
		if res.GetPet == nil || res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Rex") {
			t.Errorf("getPet 1 = %+v, want Rex", res.GetPet)
		}
		if res.CreatePet == nil || res.CreatePet.IsError || !strings.Contains(res.CreatePet.Text, "Fido") {
			t.Errorf("createPet = %+v, want Fido", res.CreatePet)
		}
		want := []upstreamCall{
			{Method: http.MethodGet, Path: "/v1/pets/1", Sub: "alice", Scope: "pets:read"},
			{Method: http.MethodPost, Path: "/v1/pets", Sub: "alice", Scope: "pets:write"},
		}
		if diff := cmp.Diff(want, v.takeCalls()); diff != "" {
			t.Errorf("upstream calls (-want +got):\n%s", diff)
		}
	})

	t.Run("scope narrowed to the operation", func(t *testing.T) {
		v.takeCalls()
		token := as.clientCredentials(t, "machine", "machine-secret", g.MCPURL, "pets:read pets:write")
		v.rememberInbound(token)
		s := &mcpSession{url: g.MCPURL, version: modernVersion, token: token}
		if res := s.callTool(t, "getPet", map[string]any{"petId": 2}); res.IsError || !strings.Contains(res.text(), "Tom") {
			t.Errorf("getPet 2 = %+v, want Tom", res)
		}
		tools := s.toolsList(t)
		if res := s.callTool(t, "deletePet", argumentsFor(t, findTool(t, tools, "deletePet"), map[string]any{"petId": 3})); res.IsError {
			t.Errorf("deletePet 3 = %+v, want success", res)
		}
		want := []upstreamCall{
			{Method: http.MethodGet, Path: "/v1/pets/2", Sub: "machine", Scope: "pets:read"},
			{Method: http.MethodDelete, Path: "/v1/pets/3", Sub: "machine", Scope: "pets:write"},
		}
		if diff := cmp.Diff(want, v.takeCalls()); diff != "" {
			t.Errorf("upstream calls (-want +got):\n%s", diff)
		}
	})
}
