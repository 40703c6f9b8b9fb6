package mcpgen

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestBuildRequestPathStyles(t *testing.T) {
	t.Parallel()
	arr := []any{"a", "b c", "d/e"}
	obj := map[string]any{"R": 100, "G": 200, "B": "x,y"}
	p := invParam("id", openapi.InPath, nil)
	tests := []struct {
		name  string
		param *openapi.Parameter
		value any
		want  string
	}{
		{"simple scalar", p, "blue", "/items/blue"},
		{"simple number", p, 5.0, "/items/5"},
		{"simple big json number", p, json.Number("12345678901234567890"), "/items/12345678901234567890"},
		{"simple bool", p, true, "/items/true"},
		{"simple array", p, arr, "/items/a,b%20c,d%2Fe"},
		{"simple array explode", invStyled(p, styleSimple, true), arr, "/items/a,b%20c,d%2Fe"},
		{"simple object", p, obj, "/items/B,x%2Cy,G,200,R,100"},
		{"simple object explode", invStyled(p, styleSimple, true), obj, "/items/B=x%2Cy,G=200,R=100"},
		{"label scalar", invStyled(p, styleLabel, false), "blue", "/items/.blue"},
		{"label array", invStyled(p, styleLabel, false), arr, "/items/.a,b%20c,d%2Fe"},
		{"label array explode", invStyled(p, styleLabel, true), arr, "/items/.a.b%20c.d%2Fe"},
		{"label object", invStyled(p, styleLabel, false), obj, "/items/.B,x%2Cy,G,200,R,100"},
		{"label object explode", invStyled(p, styleLabel, true), obj, "/items/.B=x%2Cy.G=200.R=100"},
		{"matrix scalar", invStyled(p, styleMatrix, false), "blue", "/items/;id=blue"},
		{"matrix empty string", invStyled(p, styleMatrix, false), "", "/items/;id"},
		{"matrix array", invStyled(p, styleMatrix, false), arr, "/items/;id=a,b%20c,d%2Fe"},
		{"matrix array explode", invStyled(p, styleMatrix, true), arr, "/items/;id=a;id=b%20c;id=d%2Fe"},
		{"matrix object", invStyled(p, styleMatrix, false), obj, "/items/;id=B,x%2Cy,G,200,R,100"},
		{"matrix object explode", invStyled(p, styleMatrix, true), obj, "/items/;B=x%2Cy;G=200;R=100"},
		{"content json", &openapi.Parameter{Name: "id", In: openapi.InPath, ContentType: "application/json", Schema: openapi.Schema{}}, map[string]any{"a": 1}, "/items/%7B%22a%22%3A1%7D"},
	}
	inv := newInvokerForTest(t, "http://127.0.0.1:1/base", nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tool := invTool("GET", "/items/{id}", invBind(tc.param, true))
			req, err := inv.BuildRequest(t.Context(), tool, map[string]any{"id": tc.value})
			if err != nil {
				t.Fatalf("BuildRequest: %v", err)
			}
			if diff := cmp.Diff("/base"+tc.want, req.URL.EscapedPath()); diff != "" {
				t.Errorf("path (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildRequestQueryStyles(t *testing.T) {
	t.Parallel()
	arr := []any{"blue", "black", "a b"}
	obj := map[string]any{"R": 100, "G": 200, "B": "a&b"}
	q := invParam("color", openapi.InQuery, nil)
	deep := invStyled(q, styleDeepObject, true)
	tests := []struct {
		name  string
		param *openapi.Parameter
		value any
		want  string
	}{
		{"form scalar", q, "blue", "color=blue"},
		{"form scalar escaping", q, "a b&c=d#e+f%g/h", "color=a%20b%26c%3Dd%23e%2Bf%25g%2Fh"},
		{"form unicode", q, "ü€", "color=%C3%BC%E2%82%AC"},
		{"form empty", q, "", "color="},
		{"form array explode", q, arr, "color=blue&color=black&color=a%20b"},
		{"form array", invStyled(q, styleForm, false), arr, "color=blue,black,a%20b"},
		{"form array item with comma", invStyled(q, styleForm, false), []any{"a,b", "c"}, "color=a%2Cb,c"},
		{"form empty array explode", q, []any{}, ""},
		{"form object explode", q, obj, "B=a%26b&G=200&R=100"},
		{"form object", invStyled(q, styleForm, false), obj, "color=B,a%26b,G,200,R,100"},
		{"spaceDelimited array", invStyled(q, styleSpaceDelimited, false), arr, "color=blue%20black%20a%20b"},
		{"spaceDelimited array explode", invStyled(q, styleSpaceDelimited, true), arr, "color=blue&color=black&color=a%20b"},
		{"spaceDelimited object", invStyled(q, styleSpaceDelimited, false), obj, "color=B%20a%26b%20G%20200%20R%20100"},
		{"pipeDelimited array", invStyled(q, stylePipeDelimited, false), arr, "color=blue%7Cblack%7Ca%20b"},
		{"pipeDelimited array explode", invStyled(q, stylePipeDelimited, true), arr, "color=blue&color=black&color=a%20b"},
		{"pipeDelimited object", invStyled(q, stylePipeDelimited, false), obj, "color=B%7Ca%26b%7CG%7C200%7CR%7C100"},
		{"deepObject", deep, obj, "color[B]=a%26b&color[G]=200&color[R]=100"},
		{"deepObject nested", deep, map[string]any{"a": map[string]any{"b": map[string]any{"c": "d"}}, "e": []any{"f", map[string]any{"g": true}}}, "color[a][b][c]=d&color[e][0]=f&color[e][1][g]=true"},
		{"deepObject key escaping", deep, map[string]any{"a]&x=1": "v"}, "color[a%5D%26x%3D1]=v"},
		{"deepObject null", deep, map[string]any{"a": nil}, "color[a]="},
		{"allowReserved", func() *openapi.Parameter { c := *q; c.AllowReserved = true; return &c }(), "http://x/y?z:[1]@!$'()*,;&=#+%", "color=http://x/y?z:[1]@!$'()*,;%26%3D%23%2B%25"},
		{"content json", &openapi.Parameter{Name: "color", In: openapi.InQuery, ContentType: "application/json", Style: styleForm, Explode: true}, map[string]any{"a": "b c"}, "color=%7B%22a%22%3A%22b%20c%22%7D"},
		{"integer float formatting", q, 1e6, "color=1000000"},
		{"fraction", q, 0.25, "color=0.25"},
		{"nested array item as JSON", q, []any{[]any{1, 2}}, "color=%5B1%2C2%5D"},
	}
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tool := invTool("GET", "/items", invBind(tc.param, false))
			req, err := inv.BuildRequest(t.Context(), tool, map[string]any{"color": tc.value})
			if err != nil {
				t.Fatalf("BuildRequest: %v", err)
			}
			if diff := cmp.Diff(tc.want, req.URL.RawQuery); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildRequestQueryOrderAndFixedQuery(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	tool := invTool("GET", "/responses",
		invBind(invParam("b", openapi.InQuery, nil), false),
		invBind(invParam("a", openapi.InQuery, nil), false))
	tool.Operation.FixedQuery = map[string]string{"beta": "true", "alpha": "x y"}
	req, err := inv.BuildRequest(t.Context(), tool, map[string]any{"a": "1", "b": "2"})
	if err != nil {
		t.Fatalf("BuildRequest: %v", err)
	}
	if diff := cmp.Diff("alpha=x%20y&beta=true&b=2&a=1", req.URL.RawQuery); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}

func TestBuildRequestHeadersAndCookies(t *testing.T) {
	t.Parallel()
	h := invParam("X-Trace", openapi.InHeader, nil)
	c := invParam("session", openapi.InCookie, nil)
	tests := []struct {
		name       string
		binding    Binding
		value      any
		wantHeader string
		wantCookie string
	}{
		{"header scalar", invBind(h, false), "abc", "abc", ""},
		{"header number", invBind(h, false), 7.0, "7", ""},
		{"header array", invBind(h, false), []any{"a", "b"}, "a,b", ""},
		{"header object", invBind(h, false), map[string]any{"x": 1, "y": "z"}, "x,1,y,z", ""},
		{"header object explode", invBind(invStyled(h, styleSimple, true), false), map[string]any{"x": 1, "y": "z"}, "x=1,y=z", ""},
		{"header unicode and tab", invBind(h, false), "é\tx", "é\tx", ""},
		{"cookie scalar", invBind(c, false), "abc", "", "session=abc"},
		{"cookie escaping", invBind(c, false), "a b;c=d,e\"f\\g", "", "session=a%20b%3Bc%3Dd%2Ce%22f%5Cg"},
		{"cookie array", invBind(invStyled(c, styleForm, false), false), []any{"a", "b;c"}, "", "session=a,b%3Bc"},
		{"cookie array explode", invBind(c, false), []any{"a", "b"}, "", "session=a; session=b"},
		{"cookie object", invBind(invStyled(c, styleForm, false), false), map[string]any{"k": "v", "x": "y"}, "", "session=k,v,x,y"},
		{"cookie object explode", invBind(c, false), map[string]any{"k": "v", "a b": "y"}, "", "a%20b=y; k=v"},
	}
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tool := invTool("GET", "/x", tc.binding)
			req, err := inv.BuildRequest(t.Context(), tool, map[string]any{tc.binding.Arg: tc.value})
			if err != nil {
				t.Fatalf("BuildRequest: %v", err)
			}
			if got := req.Header.Get("X-Trace"); got != tc.wantHeader {
				t.Errorf("X-Trace = %q, want %q", got, tc.wantHeader)
			}
			if got := req.Header.Get("Cookie"); got != tc.wantCookie {
				t.Errorf("Cookie = %q, want %q", got, tc.wantCookie)
			}
		})
	}
}

func TestBuildRequestSeveralCookiesOneHeader(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, nil)
	inv := newInvokerForTest(t, up.URL, nil)
	tool := invTool("GET", "/x", invBind(invParam("a", openapi.InCookie, nil), false), invBind(invParam("b", openapi.InCookie, nil), false))
	res := inv.Call(t.Context(), tool, map[string]any{"a": "1 2", "b": "x"})
	if res.MCP.IsError {
		t.Fatalf("Call: %s", invText(res.MCP))
	}
	got := up.last(t)
	if diff := cmp.Diff([]string{"a=1%202; b=x"}, got.Header.Values("Cookie")); diff != "" {
		t.Errorf("Cookie headers (-want +got):\n%s", diff)
	}
	// The invUpstreamServer's cookie parser must see the values intact.
	r := &http.Request{Header: got.Header}
	ca, err := r.Cookie("a")
	if err != nil || ca.Value != "1%202" {
		t.Errorf("cookie a = %v, %v; want 1%%202", ca, err)
	}
}

func TestBuildRequestHeaderRefusals(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", func(o *InvokerOptions) { o.DenyHeaders = []string{"X-Internal-Admin"} })
	injections := []string{"a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b", "a\x7fb", "a\x1bb"}
	for _, v := range injections {
		t.Run("injection "+v, func(t *testing.T) {
			t.Parallel()
			tool := invTool("GET", "/x", invBind(invParam("X-Trace", openapi.InHeader, nil), false))
			_, err := inv.BuildRequest(t.Context(), tool, map[string]any{"X-Trace": v})
			assertArgErr(t, err, "X-Trace")
		})
	}
	injectionsInArrays := []any{[]any{"ok", "bad\r\nX: y"}, map[string]any{"k\n": "v"}}
	for i, v := range injectionsInArrays {
		t.Run("nested injection "+string(rune('a'+i)), func(t *testing.T) {
			t.Parallel()
			tool := invTool("GET", "/x", invBind(invParam("X-Trace", openapi.InHeader, nil), false))
			_, err := inv.BuildRequest(t.Context(), tool, map[string]any{"X-Trace": v})
			assertArgErr(t, err, "X-Trace")
		})
	}
	forbidden := []string{"Host", "Content-Length", "Cookie", "Connection", "Transfer-Encoding", "Upgrade", "TE",
		"Keep-Alive", "Trailer", "Proxy-Authorization", "Proxy-Anything", "X-Forwarded-For", "Forwarded",
		"x-internal-admin", "Sec-Fetch-Site", "Mcp-Session-Id", "User-Agent", "X-HTTP-Method-Override"}
	for _, name := range forbidden {
		t.Run("forbidden "+name, func(t *testing.T) {
			t.Parallel()
			tool := invTool("GET", "/x", invBind(invParam(name, openapi.InHeader, nil), false))
			_, err := inv.BuildRequest(t.Context(), tool, map[string]any{name: "v"})
			assertArgErr(t, err, name)
		})
	}
	for _, name := range []string{"Authorization", "Accept", "Content-Type"} {
		t.Run("ignored "+name, func(t *testing.T) {
			t.Parallel()
			tool := invTool("GET", "/x", invBind(invParam(name, openapi.InHeader, nil), true))
			req, err := inv.BuildRequest(t.Context(), tool, map[string]any{name: "evil"})
			if err != nil {
				t.Fatalf("BuildRequest: %v", err)
			}
			if got := req.Header.Get(name); got == "evil" {
				t.Errorf("%s was set from an argument", name)
			}
		})
	}
}

// assertArgErr fails unless err contains an ArgumentError for arg.
func assertArgErr(t *testing.T, err error, arg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want an ArgumentError for %q", arg)
	}
	msg, ok := argumentErrorMessage(err)
	if !ok {
		t.Fatalf("error %v is not an argument error", err)
	}
	want := `argument "` + arg + `"`
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not name %s", msg, want)
	}
}
