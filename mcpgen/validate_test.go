package mcpgen

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestArgumentValidationMessages(t *testing.T) {
	doc, err := openapi.Load(context.Background(), openapi.Source{Path: "../examples/petstore/openapi.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := Generate(doc, nil)
	byName := map[string]*Tool{}
	for _, tl := range tools {
		byName[tl.Name] = tl
	}
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":1,"name":"Rex"}`))
	}))
	t.Cleanup(up.Close)
	inv := newInvokerForTest(t, up.URL, nil)
	tests := []struct {
		tool string
		args string
		want []string // phrases of the message; empty means the call succeeds
	}{
		{"getPet", `{"petId": 1}`, nil},
		{"getPet", `{}`, []string{"invalid arguments:", "missing property 'petId'", "Fix the arguments"}},
		{"getPet", `{"petId": "one"}`, []string{"petId: got string, want integer"}},
		{"listPets", `{"limit": 1000, "tag": "dog"}`, []string{"limit: maximum", "tag: got string, want array"}},
		{"createPet", `{"name": ""}`, []string{"name: minLength"}},
		// Integers must be written as integers: never GET /pets/1e30.
		{"getPet", `{"petId": 1e30}`, []string{"petId: 1e30 is not written as an integer", "send digits only"}},
		{"getPet", `{"petId": 1.0}`, []string{"petId: 1.0 is not written as an integer"}},
		{"getPet", `{"petId": -0}`, []string{"petId: -0 is not written as an integer"}},
		{"getPet", `{"petId": 2E1}`, []string{"petId: 2E1 is not written as an integer"}},
		{"getPet", `{"petId": 1.5}`, []string{"petId: got number, want integer"}},
		{"getPet", `{"petId": -12}`, nil},
		{"listPets", `{"limit": 1e1}`, []string{"limit: 1e1 is not written as an integer"}},
	}
	for _, tc := range tests {
		t.Run(tc.tool+tc.args, func(t *testing.T) {
			var args map[string]any
			dec := json.NewDecoder(strings.NewReader(tc.args))
			dec.UseNumber()
			if err := dec.Decode(&args); err != nil {
				t.Fatal(err)
			}
			before := hits.Load()
			res := inv.Call(t.Context(), byName[tc.tool], args)
			text := invText(res.MCP)
			if len(tc.want) == 0 {
				if res.MCP.IsError {
					t.Fatalf("unexpected error: %s", text)
				}
				return
			}
			if !res.MCP.IsError {
				t.Fatalf("accepted: %s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("message %q lacks %q", text, w)
				}
			}
			if strings.Contains(text, "&{") {
				t.Errorf("message contains a Go value dump: %q", text)
			}
			if hits.Load() != before {
				t.Error("an invalid call reached the upstream")
			}
		})
	}
}
