package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// The try-it form of the UI calls a tool through the API's own MCP
// handler — the handler a client's request reaches at /mcp/<name>, with
// its origin guard, authorization, policy decision, credentials, metrics
// and audit — not through a side path. The only addition is a trace in the
// call's context that the gateway's upstream transport fills with the
// request lines it sends (query values that may carry secrets redacted;
// headers are never shown).

// tryTraceKey keys the *tryTrace in a context.
type tryTraceKey struct{}

// tryTrace collects the upstream request lines of one try-it call.
type tryTrace struct {
	// secret names query parameters whose values are redacted.
	secret map[string]bool
	mu     sync.Mutex
	lines  []string
}

func (t *tryTrace) add(req *http.Request) {
	u := *req.URL
	u.User = nil
	if q := u.Query(); len(q) > 0 {
		for k := range q {
			if t.secret[strings.ToLower(k)] {
				q[k] = []string{"REDACTED"}
			}
		}
		u.RawQuery = q.Encode()
	}
	t.mu.Lock()
	t.lines = append(t.lines, req.Method+" "+u.String())
	t.mu.Unlock()
}

// secretQueryNames are query parameters always redacted in traces.
var secretQueryNames = []string{"api_key", "apikey", "api-key", "key", "token", "access_token", "secret", "client_secret", "password", "sig", "signature", "code"}

// tracingTransport records requests made in a try-it call's context.
type tracingTransport struct{ base http.RoundTripper }

func (t tracingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if tr, ok := req.Context().Value(tryTraceKey{}).(*tryTrace); ok {
		tr.add(req)
	}
	return t.base.RoundTrip(req)
}

// tracingClient returns c with its transport wrapped by tracingTransport.
func tracingClient(c *http.Client) *http.Client {
	cc := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = tracingTransport{base: base}
	return &cc
}

var _ web.Tester = (*registry)(nil)

// TryTool calls tool of the stored API name with args through the API's
// MCP handler, as a client would (token, when set, is sent as its bearer
// token), and reports the upstream requests and the result (see
// [web.Tester]).
func (r *registry) TryTool(ctx context.Context, name, tool string, args map[string]any, token string) (*web.TryResult, error) {
	a, ok := r.g.apis[name]
	if !ok {
		a, ok = r.lookup(name)
	}
	if !ok {
		return nil, fmt.Errorf("API %q is not served: %w", name, store.ErrNotFound)
	}
	if args == nil {
		args = map[string]any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{"name": tool, "arguments": args}})
	if err != nil {
		return nil, fmt.Errorf("%w: arguments: %v", store.ErrInvalid, err)
	}
	tr := &tryTrace{secret: map[string]bool{}}
	for _, n := range secretQueryNames {
		tr.secret[n] = true
	}
	for _, ua := range append([]*authbridge.UpstreamAuthConfig{a.cfg.UpstreamAuth}, slices.Collect(maps.Values(a.cfg.OperationUpstreamAuth))...) {
		if ua != nil && ua.Static != nil && ua.Static.Query != "" {
			tr.secret[strings.ToLower(ua.Static.Query)] = true
		}
	}
	u, err := url.Parse(a.resource)
	if err != nil {
		return nil, fmt.Errorf("try %s: %w", name, err)
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, tryTraceKey{}, tr), http.MethodPost, a.resource, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("try %s: %w", name, err)
	}
	req.Host = u.Host
	// The UI is served on loopback listeners only: the call comes from
	// there.
	req.RemoteAddr = "127.0.0.1:0"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	if token = strings.TrimSpace(token); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	tr.mu.Lock()
	res := &web.TryResult{Tool: tool, Status: rec.Code, Requests: append([]string(nil), tr.lines...)}
	tr.mu.Unlock()
	raw := rec.Body.Bytes()
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		raw = sseData(raw)
	}
	var rpc struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	switch {
	case rec.Code != http.StatusOK:
		res.IsError = true
		res.Result = strings.TrimSpace(string(raw))
		if ch := rec.Header().Get("WWW-Authenticate"); ch != "" {
			res.Result += "\nWWW-Authenticate: " + ch
		}
	case json.Unmarshal(raw, &rpc) != nil:
		res.IsError, res.Result = true, string(raw)
	case len(rpc.Error) > 0:
		res.IsError, res.Result = true, indentJSON(rpc.Error)
	default:
		var flag struct {
			IsError bool `json:"isError"`
		}
		_ = json.Unmarshal(rpc.Result, &flag)
		res.IsError, res.Result = flag.IsError, indentJSON(rpc.Result)
	}
	r.g.audit.InfoContext(ctx, "registry try-it call", "api", name, "tool", tool, "status", rec.Code, "is_error", res.IsError)
	return res, nil
}

// sseData returns the data of the first event of an event stream.
func sseData(b []byte) []byte {
	for line := range bytes.Lines(b) {
		if d, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("data:")); ok {
			return bytes.TrimSpace(d)
		}
	}
	return b
}

func indentJSON(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}
