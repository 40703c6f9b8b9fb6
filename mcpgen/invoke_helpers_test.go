package mcpgen

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// invCaptured is what a test upstream received.
type invCaptured struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       []byte
}

// invUpstreamServer is a test server on 127.0.0.1 that records requests and
// answers with handler (or 200 {} when nil).
type invUpstreamServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []invCaptured
}

// invUpstream starts an upstream for the test.
func invUpstream(t testing.TB, handler http.HandlerFunc) *invUpstreamServer {
	t.Helper()
	u := &invUpstreamServer{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, invCaptured{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body})
		u.mu.Unlock()
		if handler == nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{}`)
			return
		}
		handler(w, r)
	}))
	srv.Listener = invListen(t)
	srv.Start()
	t.Cleanup(srv.Close)
	u.Server = srv
	return u
}

// invListen listens on 127.0.0.1 only.
func invListen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l
}

// requests returns the captured requests.
func (u *invUpstreamServer) requests() []invCaptured {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]invCaptured(nil), u.reqs...)
}

// last returns the only captured request, failing otherwise.
func (u *invUpstreamServer) last(t testing.TB) invCaptured {
	t.Helper()
	reqs := u.requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream got %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// newInvokerForTest returns an invoker for baseURL with test defaults.
func newInvokerForTest(t testing.TB, baseURL string, mutate func(*InvokerOptions)) *Invoker {
	t.Helper()
	opts := InvokerOptions{BaseURL: baseURL, Client: &http.Client{}}
	if mutate != nil {
		mutate(&opts)
	}
	inv, err := NewInvoker(opts)
	if err != nil {
		t.Fatalf("NewInvoker: %v", err)
	}
	return inv
}

// invParam builds a parameter with OpenAPI's default style and explode for
// its location unless given.
func invParam(name, in string, schema openapi.Schema) *openapi.Parameter {
	p := &openapi.Parameter{Name: name, In: in, Schema: schema}
	switch in {
	case openapi.InQuery, openapi.InCookie:
		p.Style, p.Explode = styleForm, true
	default:
		p.Style = styleSimple
	}
	if schema == nil {
		p.Schema = openapi.Schema{}
	}
	return p
}

// invStyled returns a copy of p with style and explode set.
func invStyled(p *openapi.Parameter, style string, explode bool) *openapi.Parameter {
	c := *p
	c.Style, c.Explode = style, explode
	return &c
}

// invBind binds a parameter to an argument of the same name.
func invBind(p *openapi.Parameter, required bool) Binding {
	loc := map[string]Location{
		openapi.InPath:   LocPath,
		openapi.InQuery:  LocQuery,
		openapi.InHeader: LocHeader,
		openapi.InCookie: LocCookie,
	}[p.In]
	return Binding{Arg: p.Name, Loc: loc, Name: p.Name, Param: p, Required: required || p.In == openapi.InPath}
}

// invTool builds a tool for method and path with the given bindings.
func invTool(method, path string, bindings ...Binding) *Tool {
	op := &openapi.Operation{ID: "op", Method: method, Path: path}
	for _, b := range bindings {
		if b.Param != nil {
			op.Parameters = append(op.Parameters, b.Param)
		}
	}
	return &Tool{
		Name:        "op",
		Description: "test tool",
		InputSchema: []byte(`{"type":"object"}`),
		Operation:   op,
		Bindings:    bindings,
	}
}

// invText joins the text blocks of a result.
func invText(r *mcp.CallToolResult) string {
	var s string
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			if s != "" {
				s += "\n"
			}
			s += tc.Text
		}
	}
	return s
}

// invStr, invInt, invArr and invObj are common schemas.
var (
	invStr = openapi.Schema{"type": "string"}
	invInt = openapi.Schema{"type": "integer"}
	invArr = openapi.Schema{"type": "array", "items": openapi.Schema{"type": "string"}}
	invObj = openapi.Schema{"type": "object"}
)
