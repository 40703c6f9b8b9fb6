package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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

// toolsetSpec is an OpenAPI document with, per tag, the given number of
// GET operations "<tag>Op<i>" at /<tag>/<i>, and a POST /<tag> per tag.
func toolsetSpec(tags map[string]int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n")
	for _, tag := range slices.Sorted(maps.Keys(tags)) {
		fmt.Fprintf(&b, "  /%s:\n    post:\n      operationId: %sCreate\n      tags: [%s]\n      responses: {'201': {description: ok}}\n", tag, tag, tag)
		for i := range tags[tag] {
			fmt.Fprintf(&b, "  /%s/%d:\n    get:\n      operationId: %sOp%d\n      tags: [%s]\n      responses: {'200': {description: ok}}\n", tag, i, tag, i, tag)
		}
	}
	return b.String()
}

// TestToolsetsFollowReloads: a reload recomputes the toolsets from the new
// spec: new operations join, removed ones leave, new toolsets appear and
// emptied ones disappear; a reload whose toolsets cannot be built changes
// nothing.
func TestToolsetsFollowReloads(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "spec.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(spec, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(toolsetSpec(map[string]int{"pets": 6, "toys": 2}))
	g, srv := testGateway(t, &config.Config{APIs: []config.API{
		{Name: "auto", Spec: spec, Toolsets: &config.Toolsets{Auto: true}},
		{Name: "hand", Spec: spec, Toolsets: &config.Toolsets{Sets: []config.Toolset{{Name: "toys", Include: &mcpgen.Selector{Tags: []string{"toys"}}}}}},
	}})
	list := func(path string) []string {
		t.Helper()
		r := modern(t, srv.URL+"/mcp/"+path, "", "tools/list", nil)
		if r.status != http.StatusOK {
			return nil
		}
		return toolNames(t, r)
	}
	apiNames := func() []string {
		var out []string
		for _, a := range g.APIs() {
			out = append(out, a.Name())
		}
		return out
	}
	before := []string{"auto", "auto/more", "auto/pets", "auto/more-readonly", "auto/pets-readonly", "hand", "hand/toys", "hand/toys-readonly"}
	if diff := cmp.Diff(before, apiNames()); diff != "" {
		t.Fatalf("toolsets at start-up (-want +got):\n%s", diff)
	}
	if got := list("auto/more"); !slices.Contains(got, "toysOp1") {
		t.Fatalf("auto/more lists %v", got)
	}
	autoAPI, _ := g.API("auto")
	handAPI, _ := g.API("hand")
	petsBefore, _ := g.API("auto/pets")

	// pets loses an operation, toys grows into a toolset of its own, and
	// the small groups that made "more" are gone.
	write(toolsetSpec(map[string]int{"pets": 5, "toys": 5}))
	for _, a := range []*API{autoAPI, handAPI} {
		if err := a.Reload(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	after := []string{"auto", "auto/pets", "auto/toys", "auto/pets-readonly", "auto/toys-readonly", "hand", "hand/toys", "hand/toys-readonly"}
	if diff := cmp.Diff(after, apiNames()); diff != "" {
		t.Errorf("toolsets after the reload (-want +got):\n%s", diff)
	}
	if petsAfter, _ := g.API("auto/pets"); petsAfter != petsBefore {
		t.Error("an existing toolset was replaced instead of reloaded (its sessions, limiter and metrics would be lost)")
	}
	if got := list("auto/pets"); slices.Contains(got, "petsOp5") || len(got) != 6 {
		t.Errorf("auto/pets after the reload lists %v, want petsCreate and petsOp0-4", got)
	}
	if got := list("auto/toys-readonly"); !slices.Equal(got, []string{"toysOp0", "toysOp1", "toysOp2", "toysOp3", "toysOp4"}) {
		t.Errorf("new toolset auto/toys-readonly lists %v", got)
	}
	if got := list("hand/toys"); len(got) != 6 || !slices.Contains(got, "toysOp4") {
		t.Errorf("hand/toys after the reload lists %v", got)
	}
	if r := modern(t, srv.URL+"/mcp/auto/more", "", "tools/list", nil); r.status != http.StatusNotFound {
		t.Errorf("the emptied toolset auto/more still answers HTTP %d", r.status)
	}

	// A spec without toys leaves hand's toolset empty: the reload fails
	// and the API and its toolsets keep their snapshots.
	write(toolsetSpec(map[string]int{"pets": 5}))
	err := handAPI.Reload(t.Context())
	if err == nil || !strings.Contains(err.Error(), "toolset toys selects no operation") {
		t.Fatalf("reload leaving a toolset empty: %v", err)
	}
	if got := list("hand"); len(got) != 12 {
		t.Errorf("hand after the failed reload lists %d tools, want the previous 12", len(got))
	}
	if got := list("hand/toys"); len(got) != 6 {
		t.Errorf("hand/toys after the failed reload lists %v", got)
	}
	// The gateway-wide reload reloads toolsets through their API only,
	// and reloading a toolset reloads its API.
	write(toolsetSpec(map[string]int{"pets": 5, "toys": 7}))
	if err := g.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := list("hand/toys"); len(got) != 8 {
		t.Errorf("hand/toys after the gateway reload lists %v", got)
	}
	write(toolsetSpec(map[string]int{"pets": 5, "toys": 8}))
	sub, _ := g.API("auto/toys")
	if err := sub.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := list("auto/toys"); len(got) != 9 || len(list("auto")) != 15 {
		t.Errorf("after reloading a toolset: auto/toys lists %v, auto %d tools", got, len(list("auto")))
	}
}
