package bench

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClientModern(t *testing.T) {
	t.Parallel()
	srv, log := newMCPServer(t)
	c := NewClient(srv.URL, nil)
	if err := c.Initialize(t.Context()); err != nil {
		t.Fatalf("Initialize (no-op for modern): %v", err)
	}
	if n := log.count(); n != 0 {
		t.Fatalf("modern Initialize sent %d requests, want none", n)
	}

	list, err := c.NewRequest("tools/list", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	result, err := c.Call(t.Context(), list)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var tl struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(result, &tl); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tl.Tools {
		names = append(names, tool.Name)
	}
	if diff := cmp.Diff([]string{"getPet", "listPets"}, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	h := log.last()
	wantHeaders := map[string]string{
		"Mcp-Protocol-Version": ModernProtocolVersion,
		"Mcp-Method":           "tools/list",
		"Mcp-Name":             "",
		"Mcp-Session-Id":       "",
		"Content-Type":         "application/json",
	}
	gotHeaders := map[string]string{}
	for k := range wantHeaders {
		gotHeaders[k] = h.Get(k)
	}
	if diff := cmp.Diff(wantHeaders, gotHeaders); diff != "" {
		t.Errorf("tools/list headers (-want +got):\n%s", diff)
	}

	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		want    string
		wantErr any
	}{
		{name: "success", tool: "getPet", args: map[string]any{"petId": 1}, want: `{"id":1,"name":"Rex"}`},
		{name: "tool error", tool: "getPet", args: map[string]any{"petId": 404}, wantErr: new(*ToolError)},
		{name: "unknown tool", tool: "nope", args: map[string]any{}, wantErr: new(*RPCError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := c.NewToolCall(tt.tool, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			result, err := c.Call(t.Context(), call)
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("Call error = %v, want %T", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			var r struct {
				Content []struct{ Text string } `json:"content"`
			}
			if err := json.Unmarshal(result, &r); err != nil || len(r.Content) != 1 {
				t.Fatalf("result %s: %v", result, err)
			}
			if r.Content[0].Text != tt.want {
				t.Errorf("text = %q, want %q", r.Content[0].Text, tt.want)
			}
			if got := log.last().Get("Mcp-Name"); got != tt.tool {
				t.Errorf("Mcp-Name = %q, want %q", got, tt.tool)
			}
		})
	}
}

func TestClientUnknownToolStatus(t *testing.T) {
	t.Parallel()
	srv, _ := newMCPServer(t)
	c := NewClient(srv.URL, nil)
	call, err := c.NewToolCall("nope", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(t.Context(), call)
	var re *RPCError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v, want *RPCError", err)
	}
	if re.Status == http.StatusOK || re.Code == 0 {
		t.Errorf("RPCError = %+v, want a non-200 status and a code", re)
	}
}

func TestClientLegacy(t *testing.T) {
	t.Parallel()
	srv, log := newMCPServer(t)
	c := NewClient(srv.URL, &ClientOptions{Era: EraLegacy})
	if err := c.Initialize(t.Context()); err != nil {
		t.Fatalf("Initialize: %v", err)
	}
	if got := c.ProtocolVersion(); got != LegacyProtocolVersion {
		t.Errorf("negotiated version = %q, want %q", got, LegacyProtocolVersion)
	}
	call, err := c.NewToolCall("getPet", map[string]any{"petId": 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(t.Context(), call); err != nil {
		t.Fatalf("legacy tools/call: %v", err)
	}
	h := log.last()
	if got := h.Get("Mcp-Protocol-Version"); got != LegacyProtocolVersion {
		t.Errorf("Mcp-Protocol-Version = %q, want %q", got, LegacyProtocolVersion)
	}
	if got := h.Get("Mcp-Method"); got != "" {
		t.Errorf("legacy request sent Mcp-Method %q", got)
	}
	if n := log.count(); n != 3 {
		t.Errorf("requests = %d, want 3 (initialize, initialized, tools/call)", n)
	}
}

func TestRequestBody(t *testing.T) {
	t.Parallel()
	c := NewClient("http://127.0.0.1:1/", nil)
	req, err := c.NewToolCall("getPet", map[string]any{"petId": 1})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(req.body(42), &got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	want := map[string]any{
		"jsonrpc": "2.0",
		"id":      float64(42),
		"method":  "tools/call",
		"params": map[string]any{
			"name":      "getPet",
			"arguments": map[string]any{"petId": float64(1)},
			"_meta": map[string]any{
				"io.modelcontextprotocol/protocolVersion":    ModernProtocolVersion,
				"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "rest2mcp-loadgen", "version": "1"},
				"io.modelcontextprotocol/clientCapabilities": map[string]any{},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}

	note, err := newRequest("notifications/initialized", "", nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(note.body(7)), `{"jsonrpc":"2.0","method":"notifications/initialized"}`; got != want {
		t.Errorf("notification body = %s, want %s", got, want)
	}
}

func TestResponseDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		resp       Response
		wantResult string
		wantErr    any
	}{
		{
			name:       "json",
			resp:       Response{Status: 200, ContentType: "application/json", Body: []byte(`{"jsonrpc":"2.0","id":3,"result":{"ok":true}}`), id: 3},
			wantResult: `{"ok":true}`,
		},
		{
			name: "sse with notification first",
			resp: Response{Status: 200, ContentType: "text/event-stream", id: 3, Body: []byte(
				"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n" +
					"id: 1\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"n\":1}}\n\n")},
			wantResult: `{"n":1}`,
		},
		{
			name: "sse multi-line data without final blank line",
			resp: Response{Status: 200, ContentType: "text/event-stream", id: 9, Body: []byte(
				"data: {\"jsonrpc\":\"2.0\",\ndata: \"id\":9,\"result\":{}}")},
			wantResult: `{}`,
		},
		{
			name: "sse response for another id",
			resp: Response{Status: 200, ContentType: "text/event-stream", id: 4, Body: []byte(
				"data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n")},
			wantErr: new(*StatusError),
		},
		{
			name:    "json-rpc error",
			resp:    Response{Status: 400, ContentType: "application/json", Body: []byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32020,"message":"header mismatch"}}`)},
			wantErr: new(*RPCError),
		},
		{
			name:    "plain 404",
			resp:    Response{Status: 404, ContentType: "text/plain", Body: []byte("404 page not found")},
			wantErr: new(*StatusError),
		},
		{
			name:    "200 without result",
			resp:    Response{Status: 200, ContentType: "application/json", Body: []byte(`{"jsonrpc":"2.0","id":1}`)},
			wantErr: new(*StatusError),
		},
		{
			name:    "503 with json result",
			resp:    Response{Status: 503, ContentType: "application/json", Body: []byte(`{"jsonrpc":"2.0","id":1,"result":{}}`)},
			wantErr: new(*StatusError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := tt.resp.Decode()
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("Decode error = %v, want %T", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if string(msg.Result) != tt.wantResult {
				t.Errorf("result = %s, want %s", msg.Result, tt.wantResult)
			}
		})
	}
}

func TestClientSSEAndSession(t *testing.T) {
	t.Parallel()
	// A hand-written legacy server that mints a session and answers over
	// SSE, which the stateless mcp-go server never does for these calls.
	var (
		mu         sync.Mutex
		sawSession []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		sawSession = append(sawSession, r.Header.Get("Mcp-Session-Id"))
		mu.Unlock()
		switch req.Method {
		case "initialize":
			w.Header().Set("Mcp-Session-Id", "s-1")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":` + string(req.ID) + `,"result":{"protocolVersion":"2025-06-18"}}`))
		case "notifications/initialized":
			w.WriteHeader(http.StatusAccepted)
		default:
			w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
			_, _ = w.Write([]byte("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + string(req.ID) +
				",\"result\":{\"content\":[],\"isError\":false}}\n\n"))
		}
	}))
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, &ClientOptions{Era: EraLegacy})
	if err := c.Initialize(t.Context()); err != nil {
		t.Fatalf("Initialize: %v", err)
	}
	if got := c.ProtocolVersion(); got != "2025-06-18" {
		t.Errorf("negotiated version = %q, want 2025-06-18", got)
	}
	call, err := c.NewToolCall("x", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Call(t.Context(), call); err != nil {
			t.Fatalf("Call over SSE: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"", "s-1", "s-1", "s-1"}, sawSession); diff != "" {
		t.Errorf("Mcp-Session-Id per request (-want +got):\n%s", diff)
	}
}

func TestClientMaxBody(t *testing.T) {
	t.Parallel()
	srv, _ := newMCPServer(t)
	c := NewClient(srv.URL, &ClientOptions{MaxBody: 10})
	list, err := c.NewRequest("tools/list", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), list); err == nil {
		t.Fatal("Do with a 10-byte limit succeeded, want a body-size error")
	}
}

func TestParseEra(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		want    Era
		wantErr bool
	}{
		{"modern", EraModern, false},
		{"legacy", EraLegacy, false},
		{"2025", 0, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseEra(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseEra(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}
