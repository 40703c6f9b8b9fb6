package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// allTools are the tools generated from examples/petstore/openapi.yaml.
var allTools = []string{"createPet", "deletePet", "getPet", "listPets"}

// TestNoAuth drives an unauthenticated gateway (insecureNoAuth on loopback)
// with the TypeScript SDK client (the legacy era it speaks) and with raw
// JSON-RPC for the other eras, and checks the transport-level refusals.
func TestNoAuth(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)
	g := startGateway(t, upstream, func(_ *gateway, _ *gwAPI, cfg *gwConfig) { cfg.InsecureNoAuth = true })

	t.Run("health endpoints", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := httpClient.Get(g.BaseURL + path)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: HTTP %d, want 200", path, resp.StatusCode)
			}
		}
	})

	t.Run("SDK client", func(t *testing.T) {
		res := runSDKClient(t, g.MCPURL, "noauth")
		if res.ProtocolVersion != legacyVersion {
			t.Errorf("negotiated protocol version %q, want %q", res.ProtocolVersion, legacyVersion)
		}
		if diff := cmp.Diff(allTools, res.Tools); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
		if res.GetPet.IsError || !strings.Contains(res.GetPet.Text, "Rex") {
			t.Errorf("getPet 1 = %+v, want Rex", res.GetPet)
		}
		if res.ListPets.IsError || !strings.Contains(res.ListPets.Text, "Tom") || strings.Contains(res.ListPets.Text, "Nemo") {
			t.Errorf("listPets limit 2 = %+v, want Rex and Tom only", res.ListPets)
		}
		if !res.MissingPet.IsError {
			t.Errorf("getPet 999 = %+v, want isError (upstream 404)", res.MissingPet)
		}
	})

	t.Run("modern 2026-07-28", func(t *testing.T) {
		s := &mcpSession{url: g.MCPURL, version: modernVersion}
		r := s.call(t, "server/discover", nil)
		if r.Status != http.StatusOK || r.Result == nil {
			t.Fatalf("server/discover: %v", r)
		}
		if id := r.Header.Get("Mcp-Session-Id"); id != "" {
			t.Errorf("modern response carries Mcp-Session-Id %q", id)
		}
		var discover struct {
			SupportedVersions []string `json:"supportedVersions"`
			Capabilities      struct {
				Tools json.RawMessage `json:"tools"`
			} `json:"capabilities"`
		}
		if err := json.Unmarshal(r.Result, &discover); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{modernVersion, legacyVersion, legacyVersion2} {
			if !slices.Contains(discover.SupportedVersions, v) {
				t.Errorf("server/discover supportedVersions %v lacks %s", discover.SupportedVersions, v)
			}
		}
		if discover.Capabilities.Tools == nil {
			t.Errorf("server/discover capabilities lack tools: %s", r.Result)
		}
		checkToolsAndCalls(t, s)

		t.Run("Mcp-Name mismatch", func(t *testing.T) {
			h := s.headers("tools/call", "deletePet")
			params := map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}, "_meta": modernMeta()}
			r := postRaw(t, g.MCPURL, h, rpcRequest(t, 99, "tools/call", params))
			wantRPCError(t, r, http.StatusBadRequest, codeHeaderMismatch)
		})
		t.Run("missing _meta", func(t *testing.T) {
			r := postRaw(t, g.MCPURL, s.headers("tools/list", ""), rpcRequest(t, 98, "tools/list", map[string]any{}))
			wantRPCError(t, r, http.StatusBadRequest, codeInvalidParams)
		})
		t.Run("removed method initialize", func(t *testing.T) {
			r := s.call(t, "initialize", map[string]any{})
			if r.Status == http.StatusOK && r.Error == nil {
				t.Errorf("modern initialize accepted: %v", r)
			}
		})
	})

	for _, version := range []string{legacyVersion, legacyVersion2} {
		t.Run("legacy "+version, func(t *testing.T) {
			s := &mcpSession{url: g.MCPURL, version: version}
			init := s.initialize(t)
			if init.ProtocolVersion != version {
				t.Errorf("initialize negotiated %q, want %q", init.ProtocolVersion, version)
			}
			if init.Capabilities.Tools == nil {
				t.Errorf("initialize result lacks the tools capability")
			}
			checkToolsAndCalls(t, s)
		})
	}

	t.Run("malformed JSON", func(t *testing.T) {
		s := &mcpSession{url: g.MCPURL, version: legacyVersion}
		r := postRaw(t, g.MCPURL, s.headers("tools/list", ""), []byte(`{"jsonrpc":"2.0","id":1,"method":`))
		wantRPCError(t, r, http.StatusBadRequest, codeParseError)
		if r.Error != nil && string(r.ID) != "null" && len(r.ID) != 0 {
			t.Errorf("parse error id = %s, want null", r.ID)
		}
	})

	t.Run("oversized body", func(t *testing.T) {
		s := &mcpSession{url: g.MCPURL, version: legacyVersion}
		pad := bytes.Repeat([]byte("x"), 5<<20)
		body := rpcRequest(t, 1, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1, "pad": string(pad)}})
		r := postRaw(t, g.MCPURL, s.headers("tools/call", "getPet"), body)
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("5 MiB body: %v, want HTTP 413", r)
		}
	})

	t.Run("foreign Origin", func(t *testing.T) {
		s := &mcpSession{url: g.MCPURL, version: legacyVersion}
		h := s.headers("tools/list", "")
		h.Set("Origin", "https://evil.example")
		r := postRaw(t, g.MCPURL, h, rpcRequest(t, 1, "tools/list", nil))
		if r.Status != http.StatusForbidden {
			t.Errorf("Origin https://evil.example: %v, want HTTP 403", r)
		}
		h.Set("Origin", g.BaseURL)
		if r := postRaw(t, g.MCPURL, h, rpcRequest(t, 2, "tools/list", nil)); r.Status != http.StatusOK {
			t.Errorf("own Origin %s: %v, want HTTP 200", g.BaseURL, r)
		}
	})
}

// checkToolsAndCalls lists the tools and calls getPet, listPets and
// createPet in the session's era.
func checkToolsAndCalls(t *testing.T, s *mcpSession) {
	t.Helper()
	tools := s.toolsList(t)
	if diff := cmp.Diff(allTools, toolNames(tools)); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	for _, tl := range tools {
		if tl.Description == "" {
			t.Errorf("tool %s has no description", tl.Name)
		}
		if tl.InputSchema["type"] != "object" {
			t.Errorf("tool %s inputSchema type = %v, want object", tl.Name, tl.InputSchema["type"])
		}
	}
	get := s.callTool(t, "getPet", argumentsFor(t, findTool(t, tools, "getPet"), map[string]any{"petId": 2}))
	if get.IsError || !strings.Contains(get.text(), "Tom") {
		t.Errorf("getPet 2 = %+v, want Tom", get)
	}
	list := s.callTool(t, "listPets", argumentsFor(t, findTool(t, tools, "listPets"), map[string]any{"limit": 1}))
	if list.IsError || !strings.Contains(list.text(), "Rex") || strings.Contains(list.text(), "Tom") {
		t.Errorf("listPets limit 1 = %+v, want Rex only", list)
	}
	created := s.callTool(t, "createPet", argumentsFor(t, findTool(t, tools, "createPet"), map[string]any{"name": "Fido-" + s.version}))
	if created.IsError || !strings.Contains(created.text(), "Fido-"+s.version) {
		t.Errorf("createPet = %+v, want the new pet", created)
	}
	missing := s.callTool(t, "getPet", argumentsFor(t, findTool(t, tools, "getPet"), map[string]any{"petId": 424242}))
	if !missing.IsError {
		t.Errorf("getPet 424242 = %+v, want isError (upstream 404)", missing)
	}
}

// wantRPCError asserts an HTTP status and a JSON-RPC error code.
func wantRPCError(t *testing.T, r rpcReply, status, code int) {
	t.Helper()
	if r.Status != status {
		t.Errorf("HTTP status %d, want %d (%v)", r.Status, status, r)
	}
	if r.Error == nil {
		t.Errorf("no JSON-RPC error, want code %d (%v)", code, r)
		return
	}
	if r.Error.Code != code {
		t.Errorf("JSON-RPC error code %d (%s), want %d", r.Error.Code, r.Error.Message, code)
	}
}
