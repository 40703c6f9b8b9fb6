package mcpgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestNewInvokerBaseURL(t *testing.T) {
	t.Parallel()
	vars := map[string]openapi.ServerVariable{
		"region": {Default: "eu", Enum: []string{"eu", "us"}},
		"ver":    {Default: "v1"},
	}
	tests := []struct {
		name    string
		opts    InvokerOptions
		want    string
		wantErr string
	}{
		{name: "base URL", opts: InvokerOptions{BaseURL: "https://api.example.com/v2/"}, want: "https://api.example.com/v2"},
		{name: "base URL wins over servers", opts: InvokerOptions{BaseURL: "http://127.0.0.1:8080", Servers: []openapi.Server{{URL: "https://x"}}}, want: "http://127.0.0.1:8080"},
		{name: "first server", opts: InvokerOptions{Servers: []openapi.Server{{URL: "https://a.example/api"}, {URL: "https://b.example"}}}, want: "https://a.example/api"},
		{name: "server variable defaults", opts: InvokerOptions{Servers: []openapi.Server{{URL: "https://{region}.example.com/{ver}", Variables: vars}}}, want: "https://eu.example.com/v1"},
		{name: "server variable override", opts: InvokerOptions{Servers: []openapi.Server{{URL: "https://{region}.example.com/{ver}", Variables: vars}}, ServerVariables: map[string]string{"region": "us", "ver": "v9"}}, want: "https://us.example.com/v9"},
		{name: "override outside enum", opts: InvokerOptions{Servers: []openapi.Server{{URL: "https://{region}.example.com", Variables: vars}}, ServerVariables: map[string]string{"region": "evil.com/"}}, wantErr: `value "evil.com/" for variable "region" is not one of`},
		{name: "undeclared variable", opts: InvokerOptions{Servers: []openapi.Server{{URL: "https://{tenant}.example.com"}}}, wantErr: `variable "tenant" has no default`},
		{name: "relative server and spec URL", opts: InvokerOptions{Servers: []openapi.Server{{URL: "/api/v3"}}, SpecURL: "https://petstore.example/openapi.json"}, want: "https://petstore.example/api/v3"},
		{name: "relative server without spec URL", opts: InvokerOptions{Servers: []openapi.Server{{URL: "/api/v3"}}}, wantErr: `server URL "/api/v3" is relative`},
		{name: "no servers and spec URL", opts: InvokerOptions{SpecURL: "https://petstore.example/specs/openapi.json"}, want: "https://petstore.example"},
		{name: "no servers at all", opts: InvokerOptions{}, wantErr: "no upstream base URL"},
		{name: "relative base URL", opts: InvokerOptions{BaseURL: "/api"}, wantErr: "must be absolute"},
		{name: "ftp base URL", opts: InvokerOptions{BaseURL: "ftp://example.com"}, wantErr: "scheme must be http or https"},
		{name: "user info", opts: InvokerOptions{BaseURL: "https://user:pass@example.com"}, wantErr: "must not contain user information"},
		{name: "query", opts: InvokerOptions{BaseURL: "https://example.com/?a=1"}, wantErr: "must not contain a query"},
		{name: "fragment", opts: InvokerOptions{BaseURL: "https://example.com/#x"}, wantErr: "must not contain a fragment"},
		{name: "relative spec URL", opts: InvokerOptions{SpecURL: "specs/x.yaml"}, wantErr: "must be an absolute URL"},
		{name: "negative timeout", opts: InvokerOptions{BaseURL: "http://x", Timeout: -1}, wantErr: "negative timeout"},
		{name: "negative size", opts: InvokerOptions{BaseURL: "http://x", MaxResponseBytes: -1}, wantErr: "negative max response bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.opts.Client = &http.Client{}
			inv, err := NewInvoker(tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("NewInvoker error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewInvoker: %v", err)
			}
			b, err := inv.baseFor(&openapi.Operation{})
			if err != nil {
				t.Fatalf("baseFor: %v", err)
			}
			if got := b.String(); got != tc.want {
				t.Errorf("base = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := NewInvoker(InvokerOptions{BaseURL: "http://x"}); err == nil {
		t.Error("NewInvoker without a client succeeded")
	}
}

func TestInvokerOperationServers(t *testing.T) {
	t.Parallel()
	doc := newInvokerForTest(t, "", func(o *InvokerOptions) {
		o.Servers = []openapi.Server{{URL: "https://doc.example"}}
	})
	op := &openapi.Operation{Servers: []openapi.Server{{URL: "https://op.example/v2"}}}
	broken := &openapi.Operation{Servers: []openapi.Server{{URL: "/relative"}}}
	if b, err := doc.baseFor(op); err != nil || b.String() != "https://op.example/v2" {
		t.Errorf("operation server = %v, %v; want https://op.example/v2", b, err)
	}
	if _, err := doc.baseFor(broken); err == nil {
		t.Error("relative operation server without spec URL resolved")
	}
	res := doc.Call(t.Context(), &Tool{Name: "x", Operation: broken}, nil)
	if !res.MCP.IsError || !strings.Contains(invText(res.MCP), "internal error") {
		t.Errorf("Call with a broken server = %q, want an internal error", invText(res.MCP))
	}
	override := newInvokerForTest(t, "https://override.example", nil)
	if b, _ := override.baseFor(op); b.String() != "https://override.example" {
		t.Errorf("override base = %v", b)
	}
}

func TestCallTimeout(t *testing.T) {
	t.Parallel()
	released := make(chan struct{})
	up := invUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(released)
		case <-time.After(5 * time.Second):
		}
	})
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) { o.Timeout = 100 * time.Millisecond })
	start := time.Now()
	res := inv.Call(t.Context(), invTool("GET", "/slow"), nil)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("call took %s, want about 100ms", elapsed)
	}
	if got, want := invText(res.MCP), "upstream timed out after 100ms"; !res.MCP.IsError || got != want {
		t.Errorf("result = %q (isError %v), want %q", got, res.MCP.IsError, want)
	}
	var te *TransportError
	if !errors.As(res.Err, &te) || !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Errorf("Err = %v, want a TransportError wrapping context.DeadlineExceeded", res.Err)
	}
	select {
	case <-released:
	case <-time.After(2 * time.Second):
		t.Error("the upstream request was not cancelled")
	}
}

func TestCallSlowBodyTimeout(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) { o.Timeout = 100 * time.Millisecond })
	res := inv.Call(t.Context(), invTool("GET", "/slow"), nil)
	if got, want := invText(res.MCP), "upstream timed out after 100ms"; !res.MCP.IsError || got != want || res.Status != 200 {
		t.Errorf("result = %q (isError %v, status %d), want %q with status 200", got, res.MCP.IsError, res.Status, want)
	}
}

func TestCallCancellation(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	released := make(chan struct{})
	up := invUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
		close(released)
	})
	inv := newInvokerForTest(t, up.URL, nil)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	res := inv.Call(ctx, invTool("GET", "/wait"), nil)
	if got := invText(res.MCP); !res.MCP.IsError || got != "the call was cancelled" {
		t.Errorf("result = %q, want cancellation", got)
	}
	select {
	case <-released:
	case <-time.After(2 * time.Second):
		t.Error("the upstream request was not cancelled")
	}
}

func TestCallConnectionFailures(t *testing.T) {
	t.Parallel()
	l := invListen(t)
	closedAddr := l.Addr().String()
	_ = l.Close()

	tlsServer := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsServer.Listener = invListen(t)
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsServer.StartTLS()
	t.Cleanup(tlsServer.Close)
	tlsHost := strings.TrimPrefix(tlsServer.URL, "https://")

	dnsClient := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.DNSError{Err: "no such host", Name: "api.invalid", IsNotFound: true}
		},
	}}
	tests := []struct {
		name   string
		base   string
		client *http.Client
		want   string
	}{
		{"connection refused", "http://" + closedAddr, &http.Client{}, "could not connect to upstream host " + closedAddr + ": connection refused"},
		{"unknown TLS authority", tlsServer.URL, &http.Client{}, "TLS handshake with upstream host " + tlsHost + " failed"},
		{"plain HTTP to TLS", "http://" + tlsHost, &http.Client{}, "HTTP 400 Bad Request from upstream: Client sent an HTTP request to an HTTPS server."},
		{"DNS", "http://api.invalid", dnsClient, "could not resolve upstream host api.invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inv := newInvokerForTest(t, tc.base, func(o *InvokerOptions) { o.Client = tc.client })
			res := inv.Call(t.Context(), invTool("GET", "/x"), nil)
			if got := invText(res.MCP); !res.MCP.IsError || got != tc.want {
				t.Errorf("result = %q (isError %v), want %q", got, res.MCP.IsError, tc.want)
			}
		})
	}
}

func TestCallCredentials(t *testing.T) {
	t.Parallel()
	apply := func(ctx context.Context, req *http.Request, tool *Tool) error {
		req.Header.Set("Authorization", "Bearer downstream-token")
		req.Header.Set("X-Api-Key", "k-"+tool.Name)
		req.AddCookie(&http.Cookie{Name: "sid", Value: "s1"})
		q := req.URL.Query()
		q.Set("key", "qk")
		req.URL.RawQuery = q.Encode()
		return nil
	}
	tests := []struct {
		name        string
		hook        func(context.Context, *http.Request, *Tool) error
		wantText    string
		wantUpCalls int
	}{
		{"applied", apply, "{}", 1},
		{"credential error shown", func(context.Context, *http.Request, *Tool) error {
			return fmt.Errorf("exchange: %w", &CredentialError{Message: "consent required for the pets API"})
		}, "consent required for the pets API", 0},
		{"other error hidden", func(context.Context, *http.Request, *Tool) error {
			return errors.New("token endpoint said: invalid_client secret=hunter2")
		}, "could not obtain credentials for the upstream API", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			up := invUpstream(t, reply(200, "application/json", "{}"))
			var logs bytes.Buffer
			inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) {
				o.Credentials = tc.hook
				o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			})
			tool := invTool("GET", "/pets", invBind(invParam("c", openapi.InCookie, nil), false))
			tool.Name = "list_pets"
			res := inv.Call(t.Context(), tool, map[string]any{"c": "v"})
			if got := invText(res.MCP); got != tc.wantText {
				t.Errorf("result = %q, want %q", got, tc.wantText)
			}
			reqs := up.requests()
			if len(reqs) != tc.wantUpCalls {
				t.Fatalf("upstream got %d requests, want %d", len(reqs), tc.wantUpCalls)
			}
			if tc.wantUpCalls == 0 {
				return
			}
			got := reqs[0]
			want := map[string]string{"Authorization": "Bearer downstream-token", "X-Api-Key": "k-list_pets", "Cookie": "c=v; sid=s1"}
			for k, v := range want {
				if got.Header.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, got.Header.Get(k), v)
				}
			}
			if got.RequestURI != "/pets?key=qk" {
				t.Errorf("RequestURI = %q", got.RequestURI)
			}
			if strings.Contains(logs.String(), "downstream-token") {
				t.Errorf("logs contain the token: %s", logs.String())
			}
		})
	}
}

func TestCallAuthorizeRefusesBeforeUpstream(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, nil)
	var credCalls atomic.Int32
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) {
		o.Authorize = func(ctx context.Context, tool *Tool) error {
			if tool.Name == "delete_pet" {
				return errors.New("missing scope pets:write")
			}
			return nil
		}
		o.Credentials = func(context.Context, *http.Request, *Tool) error { credCalls.Add(1); return nil }
	})
	tool := invTool("DELETE", "/pets/{id}", invBind(invParam("id", openapi.InPath, nil), true))
	tool.Name = "delete_pet"
	res := inv.Call(t.Context(), tool, map[string]any{"id": "1"})
	if got, want := invText(res.MCP), "forbidden: missing scope pets:write"; !res.MCP.IsError || got != want {
		t.Errorf("result = %q, want %q", got, want)
	}
	var fe *ForbiddenError
	if !errors.As(res.Err, &fe) {
		t.Errorf("Err = %v, want *ForbiddenError", res.Err)
	}
	if n := len(up.requests()); n != 0 || credCalls.Load() != 0 {
		t.Errorf("upstream requests = %d, credential calls = %d; want none", n, credCalls.Load())
	}
	tool.Name = "get_pet"
	if res := inv.Call(t.Context(), tool, map[string]any{"id": "1"}); res.MCP.IsError {
		t.Errorf("allowed call failed: %s", invText(res.MCP))
	}
}

func TestCallRedirects(t *testing.T) {
	t.Parallel()
	other := invUpstream(t, nil)
	up := invUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
		case "/cross":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"key":%q}`, r.Header.Get("X-Api-Key"))
		}
	})
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) {
		o.Credentials = func(ctx context.Context, req *http.Request, _ *Tool) error {
			req.Header.Set("X-Api-Key", "secret")
			return nil
		}
	})
	body := func() *Tool {
		tool := invTool("POST", "/same", Binding{Arg: "body", Loc: LocBody})
		tool.Operation.RequestBody = &openapi.RequestBody{ContentType: "application/json"}
		return tool
	}()
	res := inv.Call(t.Context(), body, map[string]any{"body": map[string]any{"a": 1.0}})
	if got := invText(res.MCP); res.MCP.IsError || got != `{"key":"secret"}` {
		t.Errorf("same-origin redirect result = %q", got)
	}
	if reqs := up.requests(); len(reqs) != 2 || string(reqs[1].Body) != `{"a":1}` {
		t.Errorf("same-origin 307 did not replay the body: %+v", reqs)
	}
	res = inv.Call(t.Context(), invTool("GET", "/cross"), nil)
	if got := invText(res.MCP); !res.MCP.IsError || !strings.HasPrefix(got, "HTTP 302 Found from upstream (redirect not followed)") {
		t.Errorf("cross-origin redirect result = %q", got)
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other origin got %d requests", n)
	}
}

func TestCallDefaultHeadersAndNoLeaks(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, nil)
	inv := newInvokerForTest(t, up.URL, nil)
	tool := invTool("GET", "/x")
	tool.Operation.Success = &openapi.Response{Status: "200", ContentType: "application/json"}
	if res := inv.Call(t.Context(), tool, nil); res.MCP.IsError {
		t.Fatalf("Call: %s", invText(res.MCP))
	}
	got := up.last(t).Header
	want := http.Header{
		"Accept":          {"application/json, */*;q=0.1"},
		"Accept-Encoding": {"gzip"},
		"User-Agent":      {"rest2mcp"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func TestCallLogsNoArgumentValues(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, reply(500, "text/plain", "boom"))
	var logs bytes.Buffer
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) {
		o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	tool := invTool("GET", "/x/{id}", invBind(invParam("id", openapi.InPath, nil), true), invBind(invParam("q", openapi.InQuery, nil), false))
	tool.Name = "get_x"
	inv.Call(t.Context(), tool, map[string]any{"id": "arg-value-1", "q": "arg-value-2"})
	inv.Call(t.Context(), tool, map[string]any{"id": "arg-value-3", "bogus": "arg-value-4"})
	out := logs.String()
	if strings.Contains(out, "arg-value") {
		t.Errorf("logs contain argument values:\n%s", out)
	}
	for _, want := range []string{`"msg":"tool call"`, `"tool":"get_x"`, `"status":500`, `"duration"`, `"component":"mcpgen"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}

func TestTransportErrorsHideQuery(t *testing.T) {
	t.Parallel()
	l := invListen(t)
	addr := l.Addr().String()
	_ = l.Close()
	var logs bytes.Buffer
	inv := newInvokerForTest(t, "http://"+addr, func(o *InvokerOptions) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.Credentials = func(ctx context.Context, req *http.Request, _ *Tool) error {
			req.URL.RawQuery += "&api_key=hook-secret"
			return nil
		}
	})
	tool := invTool("GET", "/x", invBind(invParam("q", openapi.InQuery, nil), false))
	res := inv.Call(t.Context(), tool, map[string]any{"q": "arg-secret"})
	if !res.MCP.IsError {
		t.Fatal("call to a closed port succeeded")
	}
	for _, text := range []string{logs.String(), res.Err.Error(), invText(res.MCP)} {
		if strings.Contains(text, "secret") {
			t.Errorf("output reveals the query: %s", text)
		}
	}
}

func TestCallClientTimeout(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) {
		o.Client = &http.Client{Timeout: 50 * time.Millisecond}
	})
	res := inv.Call(t.Context(), invTool("GET", "/x"), nil)
	host := strings.TrimPrefix(up.URL, "http://")
	if got, want := invText(res.MCP), "upstream host "+host+" timed out"; got != want {
		t.Errorf("result = %q, want %q", got, want)
	}
}
