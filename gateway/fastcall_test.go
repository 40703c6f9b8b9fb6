package gateway

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// fastUpstream answers the petstore paths with the kinds of bodies whose
// encoding matters: JSON with characters encoding/json escapes, text,
// JSON that is not JSON, errors, binary, arrays, empty bodies.
func fastUpstream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/pets":
			if r.Method == http.MethodPost {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				fmt.Fprint(w, `{"id": 9, "name": "new <b>&amp;</b>"}`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `[{"id":1,"name":"Rex"},{"id":2,"name":"Tom","tag":"cat"}]`)
		case "/v1/pets/1":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "{\"id\": 1, \"name\": \"Rex <script>&\u2028\u2029 é \\u0001 \\\"q\\\" \\\\ \\b\\f\\n\\r\\t\", \"tag\": \"\U0001F436\"}")
		case "/v1/pets/2":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "plain <text> & \x01 \xff bytes\n")
		case "/v1/pets/3":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id": 3, "name": `)
		case "/v1/pets/4":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"code": 404, "message": "no pet <4>"}`)
		case "/v1/pets/5":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("\x89PNG\r\n\x1a\nfake"))
		case "/v1/pets/6":
			w.WriteHeader(http.StatusNoContent)
		case "/v1/pets/7":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `[1,2,3]`)
		case "/v1/pets/8":
			// Over the default shaping limit: truncated, with _meta.
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id": 8, "name": "big <&>", "extra": [%s"last"]}`, strings.Repeat(`"item < > é",`, 8000))
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id": 100, "name": %q}`, r.URL.Path)
		}
	})
}

// fastPair starts two gateways on the same upstream, one with the fast
// path and one without.
func fastPair(t *testing.T, as *oidctest.Server) (fast, slow *API, fastURL, slowURL string) {
	t.Helper()
	up := httptest.NewServer(fastUpstream())
	t.Cleanup(up.Close)
	mk := func() (*API, string) {
		cfg := &config.Config{APIs: []config.API{{Name: "pets", Upstream: up.URL + "/v1"}}}
		if as != nil {
			cfg.APIs[0].Auth = &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}}
		}
		g, srv := testGateway(t, cfg)
		a, _ := g.API("pets")
		return a, srv.URL + "/mcp/pets"
	}
	fast, fastURL = mk()
	slow, slowURL = mk()
	slow.fastPath = false
	if !fast.fastPath {
		t.Skip("fast path turned off by " + fastPathEnv)
	}
	return fast, slow, fastURL, slowURL
}

type fastCase struct {
	name   string
	header http.Header
	body   string
	// fast says whether the fast path must serve it.
	fast bool
}

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`

func modernHeader(name string) http.Header {
	return http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {name}}
}

// fastCorpus is the request variants compared in both eras.
func fastCorpus() []fastCase {
	var cases []fastCase
	ids := []string{`1`, `0`, `-7`, `9007199254740991`, `9007199254740993`, `-9007199254740993`, `"abc"`, `""`, `"a\u00e9"`, `"<x>&"`, `"é"`}
	args := []struct {
		name, tool, args string
		fast             bool
	}{
		{"json object", "getPet", `{"petId":1}`, true},
		{"text", "getPet", `{"petId":2}`, true},
		{"labelled json, not json", "getPet", `{"petId":3}`, true},
		{"upstream 404", "getPet", `{"petId":4}`, true},
		{"image", "getPet", `{"petId":5}`, true},
		{"no content", "getPet", `{"petId":6}`, true},
		{"json array for an object tool", "getPet", `{"petId":7}`, true},
		{"shaped large object", "getPet", `{"petId":8}`, true},
		{"big integer argument", "getPet", `{"petId":12345678901234567890}`, true},
		{"list", "listPets", `{"limit":2}`, true},
		{"create", "createPet", `{"name":"x"}`, true},
		{"invalid argument type", "getPet", `{"petId":"one"}`, true},
		{"missing argument", "getPet", `{}`, true},
		{"unknown argument", "getPet", `{"petId":1,"extra":true}`, true},
		{"null arguments", "getPet", `null`, true},
		{"arguments not an object", "getPet", `"petId=1"`, false},
		{"unknown tool", "nope", `{}`, false},
	}
	for _, a := range args {
		for _, id := range ids[:3] {
			cases = append(cases,
				fastCase{"legacy " + a.name + " id " + id, http.Header{"Mcp-Protocol-Version": {"2025-11-25"}},
					`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + a.tool + `","arguments":` + a.args + `}}`, a.fast},
				fastCase{"modern " + a.name + " id " + id, modernHeader(a.tool),
					`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + a.tool + `","arguments":` + a.args + `,` + modernMeta + `}}`, a.fast},
			)
		}
	}
	for _, id := range ids {
		cases = append(cases,
			fastCase{"legacy id " + id, http.Header{"Mcp-Protocol-Version": {"2025-06-18"}},
				`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`, true},
			fastCase{"modern id " + id, modernHeader("getPet"),
				`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},` + modernMeta + `}}`, true},
		)
	}
	more := []fastCase{
		{"legacy without version header", http.Header{}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`, true},
		{"legacy absent arguments", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"listPets"}}`, true},
		{"legacy progress token", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"progressToken":"p-1"}}}`, true},
		{"legacy meta with legacy version", http.Header{"Mcp-Protocol-Version": {"2025-06-18"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-06-18"}}}`, true},
		{"legacy unsupported header version", http.Header{"Mcp-Protocol-Version": {"1999-01-01"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`, false},
		{"legacy session id", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}, "Mcp-Session-Id": {"abc"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`, false},
		{"legacy wrong jsonrpc", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, `{"jsonrpc":"1.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`, false},
		{"legacy task", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"task":{}}}`, false},
		{"modern progress token and client info", modernHeader("getPet"), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"progressToken":7,"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"roots":{}},"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"}}}}`, true},
		{"modern meta key in another case", modernHeader("getPet"), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","IO.modelcontextprotocol/protocolVersion":"2025-06-18","io.modelcontextprotocol/clientCapabilities":{}}}}`, false},
		{"modern duplicate meta key", modernHeader("getPet"), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-06-18","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`, true},
		{"modern name mismatch", modernHeader("listPets"), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},` + modernMeta + `}}`, false},
		{"modern method header missing", http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Name": {"getPet"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},` + modernMeta + `}}`, false},
		{"modern header missing", http.Header{"Mcp-Method": {"tools/call"}, "Mcp-Name": {"getPet"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},` + modernMeta + `}}`, false},
		{"modern meta missing", modernHeader("getPet"), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`, false},
		{"modern capabilities missing", modernHeader("getPet"), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, false},
		{"modern capabilities not an object", modernHeader("getPet"), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":3}}}`, false},
		{"modern versions differ", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"getPet"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},` + modernMeta + `}}`, false},
		{"modern future version", http.Header{"Mcp-Protocol-Version": {"2099-01-01"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"getPet"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}`, false},
		{"modern last event id", func() http.Header { h := modernHeader("getPet"); h.Set("Last-Event-ID", "1"); return h }(), `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},` + modernMeta + `}}`, false},
		{"modern base64 name header", http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"=?base64?Z2V0UGV0?="}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},` + modernMeta + `}}`, false},
		{"modern unknown tool", modernHeader("nope"), `{"jsonrpc":"2.0","id":"u","method":"tools/call","params":{"name":"nope","arguments":{},` + modernMeta + `}}`, false},
		{"params not an object", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":[1]}`, false},
		{"whitespace around", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}, " \n{ \"jsonrpc\" : \"2.0\" , \"id\" : 5 , \"method\" : \"tools/call\" , \"params\" : { \"name\" : \"getPet\" , \"arguments\" : { \"petId\" : 1 } } }\n", true},
	}
	return append(cases, more...)
}

// TestFastCallMatchesMCPGo sends every request variant to a gateway with
// the fast path and to one without, and requires identical answers
// (status, Content-Type, body bytes). Variants marked fast must be served
// by the fast path, so that the comparison cannot pass vacuously.
func TestFastCallMatchesMCPGo(t *testing.T) {
	t.Run("open", func(t *testing.T) { compareFast(t, nil) })
	t.Run("protected", func(t *testing.T) { compareFast(t, oidctest.New(t, nil)) })
}

func compareFast(t *testing.T, as *oidctest.Server) {
	fast, slow, fastURL, slowURL := fastPair(t, as)
	fastTok, slowTok := "", ""
	if as != nil {
		fastTok = as.Mint(t, as.AccessClaims(fastURL, "pets:read", "pets:write"))
		slowTok = as.Mint(t, as.AccessClaims(slowURL, "pets:read", "pets:write"))
	}
	for _, c := range fastCorpus() {
		t.Run(c.name, func(t *testing.T) {
			before := fast.fastCalls.Load()
			f := postRaw(t, fastURL, fastTok, c.header, []byte(c.body))
			served := fast.fastCalls.Load() > before
			s := postRaw(t, slowURL, slowTok, c.header, []byte(c.body))
			if slow.fastCalls.Load() != 0 {
				t.Fatal("the reference gateway used the fast path")
			}
			if served != c.fast {
				t.Errorf("fast path served it: %v, want %v", served, c.fast)
			}
			if f.status != s.status || f.header.Get("Content-Type") != s.header.Get("Content-Type") || !bytes.Equal(f.raw, s.raw) {
				t.Errorf("answers differ\nmcp-go: %d %s %q\nfast:   %d %s %q", s.status, s.header.Get("Content-Type"), s.raw, f.status, f.header.Get("Content-Type"), f.raw)
			}
			if strings.Contains(c.name, "shaped") && !bytes.Contains(f.raw, []byte(`"com.rest2mcp/shaping"`)) {
				t.Errorf("large result not shaped: %.300s", f.raw)
			}
			if strings.Contains(c.body, `"id":9007199254740993`) && !bytes.Contains(f.raw, []byte(`"id":9007199254740993`)) {
				t.Errorf("id not echoed byte for byte: %s", f.raw)
			}
		})
	}
}

// TestFastPathLeavesUncoveredToolsToMCPGo: a tool registered with a
// feature only mcp-go implements (task support, x-mcp-header parameters)
// is never served by the fast path.
func TestFastPathLeavesUncoveredToolsToMCPGo(t *testing.T) {
	fast, _, fastURL, _ := fastPair(t, nil)
	snap := fast.Snapshot()
	st := snap.mcp.GetTool("getPet")
	if st == nil {
		t.Fatal("no getPet")
	}
	if !fast.fastTools(snap)["getPet"] {
		t.Fatal("getPet not on the fast path")
	}
	tool := st.Tool
	tool.Execution = &mcp.ToolExecution{TaskSupport: mcp.TaskSupportOptional}
	snap.mcp.AddTool(tool, st.Handler)
	fast.fastSet.Store(nil)
	defer func() {
		snap.mcp.AddTool(st.Tool, st.Handler)
		fast.fastSet.Store(nil)
	}()
	before := fast.fastCalls.Load()
	r := legacy(t, fastURL, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
	if r.status != http.StatusOK || fast.fastCalls.Load() != before {
		t.Fatalf("HTTP %d, fast path used: %v", r.status, fast.fastCalls.Load() != before)
	}
}
