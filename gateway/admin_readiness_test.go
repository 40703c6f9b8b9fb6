package gateway

import (
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/web"
)

func TestReadiness(t *testing.T) {
	long := strings.Repeat("x", 70)
	tools := []*mcpgen.Tool{
		{Name: "getPet", Description: "d", InputSchema: []byte(`{"type":"object"}`),
			Operation: &openapi.Operation{ID: "getPet", Method: "GET", Path: "/pets/{id}", Summary: "Get a pet", Tags: []string{"pets"},
				Parameters: []*openapi.Parameter{{Name: "id", Description: "The pet"}, {Name: "verbose"}}}},
		{Name: "get_pets", Description: "d", InputSchema: []byte(`{"type":"object","properties":{"a":{"type":"string","description":"` + strings.Repeat("long ", 50) + `"}}}`),
			Operation: &openapi.Operation{ID: "get_pets", Method: "GET", Path: "/pets", Tags: []string{"pets"}}},
		{Name: "x_hash", Description: "d", InputSchema: []byte(`{"type":"object"}`),
			Operation: &openapi.Operation{ID: long, Method: "POST", Path: "/x", Description: "Does x", Tags: []string{"other"}}},
	}
	rd := readiness("pets", "", tools)
	if rd.Tools != 3 || rd.OverCap() || rd.Tokens <= 0 {
		t.Errorf("tools %d, over cap %v, tokens %d", rd.Tools, rd.OverCap(), rd.Tokens)
	}
	if rd.Largest[0].Name != "get_pets" {
		t.Errorf("largest = %v", rd.Largest)
	}
	for name, got := range map[string]any{
		"shortened":       rd.Shortened,
		"near duplicates": rd.NearDuplicates,
		"no description":  rd.NoDescription,
		"undocumented":    rd.UndocumentedParams,
		"tags":            rd.Tags,
	} {
		want := map[string]any{
			"shortened":       []string{"x_hash (" + long + ")"},
			"near duplicates": [][]string{{"getPet", "get_pets"}},
			"no description":  []string{"GET /pets"},
			"undocumented":    []string{"getPet: verbose"},
			"tags":            []web.TagCount{{Tag: "pets", Tools: 2}, {Tag: "other", Tools: 1}},
		}[name]
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestReadinessPage(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	for _, path := range []string{"/apis/pets/readiness", "/apis/configured/readiness"} {
		a := e.do(t, "GET", path, "", nil, nil)
		if a.status != 200 || !strings.Contains(a.raw, "4 tools") || !strings.Contains(a.raw, "tokens") {
			t.Errorf("%s: %d\n%s", path, a.status, a.raw)
		}
	}
	wantStatus(t, "unknown", e.do(t, "GET", "/apis/nope/readiness", "", nil, nil), 404)
}

// The readiness report's one-click selections are applied as new
// versions: include only a tag, exclude write operations, discovery mode.
func TestReadinessFixes(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	page := e.do(t, "GET", "/apis/pets/readiness", "", nil, nil)
	for _, want := range []string{"Switch to discovery mode", "Exclude write operations (POST, PUT, PATCH, DELETE)", `name="fix" value="exclude-writes"`} {
		if !strings.Contains(page.raw, want) {
			t.Errorf("readiness page lacks %q", want)
		}
	}
	fix := func(id string, version int) answer {
		v := neturl.Values{"fix": {id}, "version": {strconv.Itoa(version)}}
		return e.do(t, "POST", "/apis/pets/readiness", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	if a := fix("exclude-writes", 1); a.status != 200 || !strings.Contains(a.raw, "Version 2: 2 tools.") {
		t.Errorf("exclude writes: %d\n%s", a.status, a.raw)
	}
	if got := e.tools(t, "pets"); !slices.Equal(got, []string{"getPet", "listPets"}) {
		t.Errorf("after excluding writes: %v", got)
	}
	if a := fix("discovery", 1); a.status != 412 {
		t.Errorf("stale fix: %d", a.status)
	}
	if a := fix("make-it-small", 2); a.status != 400 {
		t.Errorf("unknown fix: %d", a.status)
	}
	if a := fix("discovery", 2); a.status != 200 || !strings.Contains(a.raw, "Version 3: 4 tools.") {
		t.Errorf("discovery: %d", a.status)
	}
	if got := e.tools(t, "pets"); len(got) != 4 || got[0] != "call_operation" {
		t.Errorf("after discovery: %v", got)
	}
	if a := fix("include-tag:nosuchtag", 3); a.status != 422 {
		t.Errorf("a tag that selects nothing: %d", a.status)
	}
}
