package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Protocol versions exercised with raw JSON-RPC.
const (
	modernVersion  = "2026-07-28"
	legacyVersion  = "2025-11-25"
	legacyVersion2 = "2025-06-18"
)

// Standard JSON-RPC and MCP error codes asserted by the tests.
const (
	codeParseError     = -32700
	codeInvalidParams  = -32602
	codeHeaderMismatch = -32020
)

// httpClient is used for every raw request; the timeout keeps a hung
// gateway from stalling the package.
var httpClient = &http.Client{Timeout: 20 * time.Second}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// rpcReply is one HTTP exchange with the MCP endpoint.
type rpcReply struct {
	Status int
	Header http.Header
	Body   []byte
	ID     json.RawMessage
	Result json.RawMessage
	Error  *rpcError
}

func (r rpcReply) String() string {
	return fmt.Sprintf("HTTP %d %s: %s", r.Status, r.Header.Get("Content-Type"), truncate(string(r.Body), 800))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// postRaw POSTs body to url with the given headers and decodes the
// JSON-RPC response, from either application/json or text/event-stream.
func postRaw(t *testing.T, url string, header http.Header, body []byte) rpcReply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	r := rpcReply{Status: resp.StatusCode, Header: resp.Header, Body: b}
	r.decode()
	return r
}

// decode fills ID, Result and Error from the body.
func (r *rpcReply) decode() {
	payload := r.Body
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "text/event-stream" {
		payload = lastSSEResponse(r.Body)
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if len(bytes.TrimSpace(payload)) == 0 || json.Unmarshal(payload, &msg) != nil {
		return
	}
	r.ID, r.Result, r.Error = msg.ID, msg.Result, msg.Error
}

// lastSSEResponse returns the data of the last SSE event that is a
// JSON-RPC response (has a result or an error).
func lastSSEResponse(body []byte) []byte {
	var last []byte
	var data strings.Builder
	flush := func() {
		if data.Len() == 0 {
			return
		}
		var probe map[string]json.RawMessage
		if json.Unmarshal([]byte(data.String()), &probe) == nil {
			if _, ok := probe["result"]; ok {
				last = []byte(data.String())
			} else if _, ok := probe["error"]; ok {
				last = []byte(data.String())
			}
		}
		data.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	flush()
	return last
}

// rpcRequest builds a JSON-RPC request body.
func rpcRequest(t *testing.T, id int, method string, params any) []byte {
	t.Helper()
	m := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		m["params"] = params
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mcpSession speaks one protocol era to one MCP endpoint with raw HTTP.
type mcpSession struct {
	url       string
	version   string // requested protocol version
	token     string // bearer token, if any
	sessionID string // legacy Mcp-Session-Id, if the server minted one
	nextID    int
}

func (s *mcpSession) modern() bool { return s.version >= modernVersion }

// headers returns the per-request headers of the session's era.
func (s *mcpSession) headers(method, name string) http.Header {
	h := http.Header{}
	if s.token != "" {
		h.Set("Authorization", "Bearer "+s.token)
	}
	if s.sessionID != "" {
		h.Set("Mcp-Session-Id", s.sessionID)
	}
	if method == "initialize" && !s.modern() {
		return h
	}
	h.Set("Mcp-Protocol-Version", s.version)
	if s.modern() {
		h.Set("Mcp-Method", method)
		if name != "" {
			h.Set("Mcp-Name", name)
		}
	}
	return h
}

// modernMeta is the per-request _meta a 2026-07-28 request carries.
func modernMeta() map[string]any {
	return map[string]any{
		"io.modelcontextprotocol/protocolVersion":    modernVersion,
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "rest2mcp-e2e-raw", "version": "1.0.0"},
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}
}

// call sends one request and returns the reply without asserting on it.
func (s *mcpSession) call(t *testing.T, method string, params map[string]any) rpcReply {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	if s.modern() {
		params["_meta"] = modernMeta()
	}
	name, _ := params["name"].(string)
	s.nextID++
	return postRaw(t, s.url, s.headers(method, name), rpcRequest(t, s.nextID, method, params))
}

// mustCall sends one request and fails unless it got a result.
func (s *mcpSession) mustCall(t *testing.T, method string, params map[string]any) json.RawMessage {
	t.Helper()
	r := s.call(t, method, params)
	if r.Status != http.StatusOK || r.Error != nil || r.Result == nil {
		t.Fatalf("%s (%s): %v", method, s.version, r)
	}
	return r.Result
}

// initialize performs the legacy handshake: initialize, then the
// notifications/initialized notification.
func (s *mcpSession) initialize(t *testing.T) initializeResult {
	t.Helper()
	params := map[string]any{
		"protocolVersion": s.version,
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "rest2mcp-e2e-raw", "version": "1.0.0"},
	}
	r := postRaw(t, s.url, s.headers("initialize", ""), rpcRequest(t, 0, "initialize", params))
	if r.Status != http.StatusOK || r.Result == nil {
		t.Fatalf("initialize (%s): %v", s.version, r)
	}
	s.sessionID = r.Header.Get("Mcp-Session-Id")
	var res initializeResult
	if err := json.Unmarshal(r.Result, &res); err != nil {
		t.Fatalf("initialize result: %v", err)
	}
	note, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	if err != nil {
		t.Fatal(err)
	}
	n := postRaw(t, s.url, s.headers("notifications/initialized", ""), note)
	if n.Status != http.StatusAccepted {
		t.Errorf("notifications/initialized (%s): want HTTP 202, got %v", s.version, n)
	}
	return res
}

// initializeResult is the part of InitializeResult the tests check.
type initializeResult struct {
	ProtocolVersion string `json:"protocolVersion"`
	Capabilities    struct {
		Tools json.RawMessage `json:"tools"`
	} `json:"capabilities"`
}

// tool is the part of a tools/list entry the tests use.
type tool struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	InputSchema map[string]any `json:"inputSchema"`
}

// toolsList lists the tools.
func (s *mcpSession) toolsList(t *testing.T) []tool {
	t.Helper()
	var res struct {
		Tools []tool `json:"tools"`
	}
	if err := json.Unmarshal(s.mustCall(t, "tools/list", nil), &res); err != nil {
		t.Fatalf("tools/list result: %v", err)
	}
	return res.Tools
}

// toolResult is a CallToolResult.
type toolResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
}

// text joins the text content blocks.
func (r toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		if c.Type == "text" {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// callTool calls a tool and decodes its result.
func (s *mcpSession) callTool(t *testing.T, name string, args map[string]any) toolResult {
	t.Helper()
	raw := s.mustCall(t, "tools/call", map[string]any{"name": name, "arguments": args})
	var res toolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("tools/call %s result: %v", name, err)
	}
	return res
}

// toolNames returns the sorted names of tools.
func toolNames(tools []tool) []string {
	names := make([]string, 0, len(tools))
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	return names
}

// findTool returns the named tool or fails.
func findTool(t *testing.T, tools []tool, name string) tool {
	t.Helper()
	for _, tl := range tools {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("tool %s not listed; tools: %v", name, toolNames(tools))
	return tool{}
}

// argumentsFor shapes fields after a tool's input schema: either as
// top-level properties or nested in one object-typed property (a request
// body wrapper such as "body").
func argumentsFor(t *testing.T, tl tool, fields map[string]any) map[string]any {
	t.Helper()
	props, _ := tl.InputSchema["properties"].(map[string]any)
	has := func(m map[string]any) bool {
		for k := range fields {
			if _, ok := m[k]; !ok {
				return false
			}
		}
		return true
	}
	if has(props) {
		return fields
	}
	for name, p := range props {
		schema, _ := p.(map[string]any)
		inner, _ := schema["properties"].(map[string]any)
		if inner != nil && has(inner) {
			return map[string]any{name: fields}
		}
	}
	t.Fatalf("cannot map %v onto the input schema of %s: %v", fields, tl.Name, tl.InputSchema)
	return nil
}
