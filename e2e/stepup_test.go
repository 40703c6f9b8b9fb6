package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStepUp checks the runtime insufficient-scope flow: a token with the
// baseline scope may list and read, a write tool answers 403 with a
// step-up challenge naming every scope the tool needs, and the SDK client
// re-authorizes with it and retries the same call successfully.
func TestStepUp(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := gatewayAt(freePort(t))
	as := startAS(t, asOptions{resources: []string{g.MCPURL}})
	g.start(t, gwConfig{APIs: []gwAPI{{Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: jwtAuth(as)}}})

	t.Run("SDK step-up", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "step-up")
		if res.InitialToken == nil || res.InitialToken.Scope != "pets:read" {
			t.Errorf("initial token = %+v, want scope pets:read", res.InitialToken)
		}
		challenge, ok := parseBearerChallenge(res.Challenge)
		if !ok {
			t.Fatalf("403 challenge %q is not a Bearer challenge", res.Challenge)
		}
		if challenge["error"] != "insufficient_scope" || challenge["resource_metadata"] != g.PRMURL {
			t.Errorf("403 challenge %q: want error=insufficient_scope and resource_metadata=%s", res.Challenge, g.PRMURL)
		}
		if !slices.Contains(strings.Fields(challenge["scope"]), "pets:write") {
			t.Errorf("403 challenge scope %q lacks pets:write", challenge["scope"])
		}
		if len(res.Authorizations) != 2 {
			t.Fatalf("authorization requests = %+v, want the initial one and the step-up", res.Authorizations)
		}
		if diff := cmp.Diff(sortedFields(challenge["scope"]), sortedFields(res.Authorizations[1].Scope)); diff != "" {
			t.Errorf("step-up authorization scope (-challenge +requested):\n%s", diff)
		}
		if res.SteppedUpToken == nil || !slices.Contains(strings.Fields(res.SteppedUpToken.Scope), "pets:write") {
			t.Errorf("stepped-up token = %+v, want pets:write", res.SteppedUpToken)
		}
		if res.CreatePet == nil || res.CreatePet.IsError || !strings.Contains(res.CreatePet.Text, "Fido") {
			t.Errorf("createPet after step-up = %+v, want the new pet Fido", res.CreatePet)
		}
	})

	t.Run("raw 403 challenge", func(t *testing.T) {
		token := as.clientCredentials(t, "reader", "reader-secret", g.MCPURL, "pets:read")
		for _, version := range []string{modernVersion, legacyVersion} {
			s := &mcpSession{url: g.MCPURL, version: version, token: token}
			if !s.modern() {
				s.initialize(t)
			}
			if res := s.callTool(t, "getPet", map[string]any{"petId": 1}); res.IsError {
				t.Errorf("%s getPet with pets:read = %+v, want success", version, res)
			}
			for _, name := range []string{"createPet", "deletePet"} {
				r := s.call(t, "tools/call", map[string]any{"name": name, "arguments": map[string]any{"petId": 1}})
				if r.Status != http.StatusForbidden {
					t.Errorf("%s %s with pets:read: %v, want HTTP 403", version, name, r)
					continue
				}
				got, _ := parseBearerChallenge(r.Header.Get("WWW-Authenticate"))
				if got["error"] != "insufficient_scope" || got["resource_metadata"] != g.PRMURL ||
					!slices.Contains(strings.Fields(got["scope"]), "pets:write") {
					t.Errorf("%s %s: WWW-Authenticate %q, want insufficient_scope with pets:write and the PRM URL",
						version, name, r.Header.Get("WWW-Authenticate"))
				}
			}
		}
	})
}

// TestGrantedVisibility checks policy visibility "granted": tools/list
// shows only the tools the caller's scopes permit.
func TestGrantedVisibility(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := gatewayAt(freePort(t))
	as := startAS(t, asOptions{resources: []string{g.MCPURL}})
	g.start(t, gwConfig{APIs: []gwAPI{{
		Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: jwtAuth(as),
		Policy: &gwPolicy{Visibility: "granted"},
	}}})
	readTools := []string{"getPet", "listPets"}

	t.Run("SDK client with the baseline scope", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "granted")
		if diff := cmp.Diff(readTools, res.Tools); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
		if res.GetPet == nil || res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Tom") {
			t.Errorf("getPet 2 = %+v, want Tom", res.GetPet)
		}
	})

	tests := []struct {
		client, secret, scope string
		want                  []string
	}{
		{"reader", "reader-secret", "pets:read", readTools},
		{"machine", "machine-secret", "pets:read pets:write", allTools},
	}
	for _, tc := range tests {
		t.Run("raw "+tc.scope, func(t *testing.T) {
			token := as.clientCredentials(t, tc.client, tc.secret, g.MCPURL, tc.scope)
			s := &mcpSession{url: g.MCPURL, version: modernVersion, token: token}
			if diff := cmp.Diff(tc.want, toolNames(s.toolsList(t))); diff != "" {
				t.Errorf("tools (-want +got):\n%s", diff)
			}
		})
	}
}
