package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/policies"
)

// TestSplicedToolsListMatchesMCPGo checks that the pre-encoded tools/list
// answer is exactly what mcp-go itself answers, in every era.
func TestSplicedToolsListMatchesMCPGo(t *testing.T) {
	g, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore"}}})
	a, _ := g.API("petstore")
	url := srv.URL + "/mcp/petstore"
	meta := map[string]any{"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": map[string]any{}}
	tests := []struct {
		name   string
		header http.Header
		body   map[string]any
	}{
		{"modern", http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/list"}},
			map[string]any{"jsonrpc": "2.0", "id": "a-1", "method": "tools/list", "params": map[string]any{"_meta": meta}}},
		{"2025-11-25", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}},
			map[string]any{"jsonrpc": "2.0", "id": 7, "method": "tools/list"}},
		{"2025-06-18", http.Header{"Mcp-Protocol-Version": {"2025-06-18"}},
			map[string]any{"jsonrpc": "2.0", "id": 8, "method": "tools/list", "params": map[string]any{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(tc.body)
			fast := postRaw(t, url, "", tc.header, b)
			if fast.status != http.StatusOK {
				t.Fatalf("status %d: %s", fast.status, fast.raw)
			}
			// mcp-go on its own, without the gateway's splice.
			req := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(b))
			for k, v := range tc.header {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			rec := httptest.NewRecorder()
			a.stream.ServeHTTP(rec, req)
			var want, got any
			if err := json.Unmarshal(rec.Body.Bytes(), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(fast.raw, &got); err != nil {
				t.Fatalf("spliced answer is not JSON: %v\n%s", err, fast.raw)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("spliced answer differs from mcp-go's (-mcp-go +spliced):\n%s", diff)
			}
			if n := len(toolNames(t, fast)); n != 4 {
				t.Errorf("%d tools", n)
			}
			if a.splicedLists.Load() == 0 {
				t.Error("the answer did not come from the pre-encoded tools")
			}
			a.splicedLists.Store(0)
		})
	}
	t.Run("errors still come from mcp-go", func(t *testing.T) {
		r := postRaw(t, url, "", http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/list"}},
			[]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)) // modern without _meta
		if r.status != http.StatusBadRequest {
			t.Fatalf("missing _meta: status %d: %s", r.status, r.raw)
		}
	})
	t.Run("paginated request takes the normal path", func(t *testing.T) {
		r := legacy(t, url, "", "tools/list", map[string]any{"cursor": "Z2V0UGV0"}) // base64("getPet")
		if diff := cmp.Diff([]string{"listPets"}, toolNames(t, r)); diff != "" {
			t.Errorf("after cursor getPet (-want +got):\n%s", diff)
		}
		if a.splicedLists.Load() != 0 {
			t.Error("a paginated list was spliced")
		}
	})
}

func TestSplicedToolsListGranted(t *testing.T) {
	as := oidctest.New(t, nil)
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name:   "petstore",
		Auth:   &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
		Policy: &policies.Config{Visibility: policies.VisibilityGranted},
	}}})
	url := srv.URL + "/mcp/petstore"
	for _, tc := range []struct {
		scopes []string
		want   []string
	}{
		{[]string{"pets:read"}, []string{"getPet", "listPets"}},
		{[]string{"pets:read", "pets:write"}, []string{"createPet", "deletePet", "getPet", "listPets"}},
		{nil, nil},
	} {
		tok := as.Mint(t, as.AccessClaims(url, tc.scopes...))
		got := toolNames(t, legacy(t, url, tok, "tools/list", nil))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("scopes %v (-want +got):\n%s", tc.scopes, diff)
		}
	}
}
