package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// TestToolsetEndpoints serves the petstore with toolsets: auto and checks
// that each toolset is its own protected resource: its own tools, PRM
// with its own scope baseline, and tokens for another endpoint refused.
func TestToolsetEndpoints(t *testing.T) {
	as := oidctest.New(t, nil)
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name:     "petstore",
		Toolsets: &config.Toolsets{Auto: true},
		Auth:     &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}},
	}}})
	base := srv.URL + "/mcp/petstore"
	// The petstore's four operations share a tag too small for a toolset
	// of its own, so they land in "more".
	full, ro := base+"/more", base+"/more-readonly"
	tok := func(url string, scopes ...string) string { return as.Mint(t, as.AccessClaims(url, scopes...)) }

	if got := toolNames(t, modern(t, full, tok(full, "pets:read"), "tools/list", nil)); len(got) != 4 {
		t.Errorf("toolset lists %v", got)
	}
	if diff := cmp.Diff([]string{"getPet", "listPets"}, toolNames(t, modern(t, ro, tok(ro, "pets:read"), "tools/list", nil))); diff != "" {
		t.Errorf("read-only toolset (-want +got):\n%s", diff)
	}
	// The API's own endpoint stays.
	if got := toolNames(t, modern(t, base, tok(base, "pets:read"), "tools/list", nil)); len(got) != 4 {
		t.Errorf("API endpoint lists %v", got)
	}
	// A token for the API's endpoint is not one for its toolsets.
	if r := modern(t, ro, tok(base, "pets:read"), "tools/list", nil); r.status != http.StatusUnauthorized {
		t.Errorf("token of another resource: HTTP %d", r.status)
	}
	// Calls go through the toolset's own policy: step-up in the full
	// toolset, the read-only one has no write tool at all.
	r := modern(t, full, tok(full, "pets:read"), "tools/call", map[string]any{"name": "createPet", "arguments": map[string]any{"name": "Kit"}})
	if r.status != http.StatusForbidden || !strings.Contains(r.header.Get("WWW-Authenticate"), `scope="pets:write"`) {
		t.Errorf("createPet in the toolset with a read token: HTTP %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	r = modern(t, ro, tok(ro, "pets:read"), "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
	if r.result(t)["isError"] == true {
		t.Errorf("getPet in the read-only toolset: %s", r.raw)
	}

	resp, err := http.Get(srv.URL + "/.well-known/oauth-protected-resource/mcp/petstore/more-readonly")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var prm map[string]any
	if err := json.Unmarshal(b, &prm); err != nil {
		t.Fatalf("PRM: HTTP %d %s", resp.StatusCode, b)
	}
	if prm["resource"] != ro || !cmp.Equal(prm["scopes_supported"], []any{"pets:read"}) {
		t.Errorf("toolset PRM %v", prm)
	}
	if r := modern(t, base+"/nope", "", "tools/list", nil); r.status != http.StatusNotFound || !strings.Contains(string(r.raw), "toolsets auto") {
		t.Errorf("unknown toolset: HTTP %d %s", r.status, r.raw)
	}
}

func TestToolsetsConfig(t *testing.T) {
	parse := func(toolsets string) error {
		c, err := config.Parse([]byte("listen: 127.0.0.1:8080\napis:\n  - name: p\n    spec: p.yaml\n    toolsets: " + toolsets + "\n"))
		if err != nil {
			return err
		}
		c.ApplyDefaults()
		return c.Validate()
	}
	for _, tc := range []struct{ toolsets, wantErr string }{
		{"auto", ""},
		{"[{name: read, include: {methods: [GET]}}, {name: admin, include: {paths: [/admin/**]}, exclude: {methods: [DELETE]}}]", ""},
		{"manual", `must be "auto" or a list`},
		{"[]", `empty: give "auto"`},
		{"[{name: Bad Name}]", "[0].name: must match"},
		{"[{name: pets-readonly}]", "not end in -readonly"},
		{"[{name: a}, {name: a}]", `duplicate toolset "a"`},
		{"[{name: a, include: {methods: [FETCH]}}]", "[0].include"},
		{"[{name: a, frob: 1}]", "frob"},
	} {
		err := parse(tc.toolsets)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("toolsets %s: %v, want %q", tc.toolsets, err, tc.wantErr)
		}
	}
}

// TestToolsetsByHand serves toolsets selected in the configuration.
func TestToolsetsByHand(t *testing.T) {
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name: "petstore",
		Toolsets: &config.Toolsets{Sets: []config.Toolset{
			{Name: "pets", Include: &mcpgen.Selector{Paths: []string{"/pets/*"}}},
			{Name: "writes", Exclude: &mcpgen.Selector{Methods: []string{"GET"}}},
		}},
	}}})
	base := srv.URL + "/mcp/petstore/"
	for name, want := range map[string][]string{
		"pets":          {"deletePet", "getPet"},
		"pets-readonly": {"getPet"},
		"writes":        {"createPet", "deletePet"},
	} {
		if diff := cmp.Diff(want, toolNames(t, modern(t, base+name, "", "tools/list", nil))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	if r := modern(t, base+"writes-readonly", "", "tools/list", nil); r.status != http.StatusNotFound {
		t.Errorf("a toolset without read-only tools has no read-only variant: HTTP %d", r.status)
	}
}
