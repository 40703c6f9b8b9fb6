package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
)

// petstoreSpec is the absolute path of the example spec.
func petstoreSpec(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "examples", "petstore", "openapi.yaml")
}

// testGateway starts the demo upstream and a gateway for cfg (APIs without
// a spec get the petstore; without an upstream the demo one).
func testGateway(t *testing.T, cfg *config.Config) (*Gateway, *httptest.Server) {
	t.Helper()
	up := httptest.NewServer(demoapi.New().Handler())
	t.Cleanup(up.Close)
	gwSrv := httptest.NewUnstartedServer(nil)
	if cfg.Listen == "" {
		cfg.Listen = gwSrv.Listener.Addr().String()
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + gwSrv.Listener.Addr().String()
	}
	for i := range cfg.APIs {
		if cfg.APIs[i].Spec == "" {
			cfg.APIs[i].Spec = petstoreSpec(t)
		}
		if cfg.APIs[i].Upstream == "" {
			cfg.APIs[i].Upstream = up.URL + "/v1"
		}
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	gwSrv.Config.Handler = g.Handler()
	gwSrv.Start()
	t.Cleanup(gwSrv.Close)
	return g, gwSrv
}

// rpc is a JSON-RPC exchange for tests.
type rpc struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// modern sends a 2026-07-28 request (no initialize, _meta and headers).
func modern(t *testing.T, url, token, method string, params map[string]any) rpc {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}
	h := http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {method}}
	if name, ok := params["name"].(string); ok {
		h.Set("Mcp-Name", name)
	}
	return post(t, url, token, h, map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
}

// legacy sends a 2025-11-25 era request (after initialize).
func legacy(t *testing.T, url, token, method string, params map[string]any) rpc {
	t.Helper()
	h := http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}
	msg := map[string]any{"jsonrpc": "2.0", "id": 1, "method": method}
	if params != nil {
		msg["params"] = params
	}
	return post(t, url, token, h, msg)
}

func post(t *testing.T, url, token string, h http.Header, msg any) rpc {
	t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return postRaw(t, url, token, h, b)
}

func postRaw(t *testing.T, url, token string, h http.Header, body []byte) rpc {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := rpc{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// result returns the JSON-RPC result object or fails.
func (r rpc) result(t *testing.T) map[string]any {
	t.Helper()
	res, ok := r.body["result"].(map[string]any)
	if !ok {
		t.Fatalf("no result (HTTP %d): %s", r.status, r.raw)
	}
	return res
}

// toolNames lists the names of a tools/list result.
func toolNames(t *testing.T, r rpc) []string {
	t.Helper()
	var names []string
	for _, v := range r.result(t)["tools"].([]any) {
		names = append(names, v.(map[string]any)["name"].(string))
	}
	return names
}

// syncBuffer is a bytes.Buffer safe for the gateway's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// toStrings converts a decoded JSON array of strings.
func toStrings(v any) []string {
	l, _ := v.([]any)
	out := []string{}
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}
