package gateway

import (
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
