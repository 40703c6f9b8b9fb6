package mcpgen

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// TestPathEscapingAttacks sends hostile path values to a real upstream
// router and proves that each reaches the intended route with the value
// intact, or is refused before any request.
func TestPathEscapingAttacks(t *testing.T) {
	t.Parallel()
	// The upstream splits the escaped path into segments and decodes the
	// third one, as RFC 3986 routers do.
	router := func(w http.ResponseWriter, r *http.Request) {
		segs := strings.Split(r.URL.EscapedPath(), "/")
		if len(segs) != 5 || segs[1] != "base" || segs[2] != "files" || segs[4] != "meta" {
			http.Error(w, "wrong route "+r.URL.EscapedPath(), http.StatusTeapot)
			return
		}
		name, err := url.PathUnescape(segs[3])
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"name": name})
	}
	up := invUpstream(t, router)
	inv := newInvokerForTest(t, up.URL+"/base", nil)
	tool := invTool("GET", "/files/{name}/meta", invBind(invParam("name", openapi.InPath, invStr), true))

	tests := []struct {
		value   string
		refused bool
	}{
		{value: "../admin"},
		{value: "../../etc/passwd"},
		{value: "..", refused: true},
		{value: ".", refused: true},
		{value: "", refused: true},
		{value: "..."},
		{value: ".hidden"},
		{value: "a/b"},
		{value: "/"},
		{value: "//evil.example/x"},
		{value: "%2e%2e%2f"},
		{value: "%2e%2e"},
		{value: "%2F"},
		{value: "%"},
		{value: "%zz"},
		{value: "?x=1"},
		{value: "#frag"},
		{value: "a;b=c,d"},
		{value: "..;/admin"},
		{value: `\..\admin`},
		{value: `..\`},
		{value: "ü€/日本"},
		{value: "a b+c"},
		{value: "a\x00b"},
		{value: "http://evil.example/"},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			res := inv.Call(t.Context(), tool, map[string]any{"name": tc.value})
			if tc.refused {
				if !res.MCP.IsError || res.Status != 0 {
					t.Fatalf("value %q: got status %d, isError %v; want refusal before any request", tc.value, res.Status, res.MCP.IsError)
				}
				if msg := invText(res.MCP); !strings.Contains(msg, `argument "name"`) {
					t.Errorf("refusal %q does not name the argument", msg)
				}
				return
			}
			if res.MCP.IsError {
				t.Fatalf("value %q: %s", tc.value, invText(res.MCP))
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(invText(res.MCP)), &got); err != nil {
				t.Fatalf("decode %q: %v", invText(res.MCP), err)
			}
			if got["name"] != tc.value {
				t.Errorf("upstream saw name %q, want %q", got["name"], tc.value)
			}
		})
	}
	for _, r := range up.requests() {
		path, _, _ := strings.Cut(r.RequestURI, "?")
		if !strings.HasPrefix(path, "/base/files/") || strings.Count(path, "/") != 4 || strings.ContainsAny(r.RequestURI, "?#") {
			t.Errorf("request URI %q escaped its segment", r.RequestURI)
		}
	}
}

func TestPathDotSegmentsFromStyles(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	a, b := invParam("a", openapi.InPath, nil), invParam("b", openapi.InPath, nil)
	tests := []struct {
		name string
		tool *Tool
		args map[string]any
		arg  string
	}{
		{"label dot", invTool("GET", "/x/{a}", invBind(invStyled(a, styleLabel, false), true)), map[string]any{"a": "."}, "a"},
		{"concatenated dots", invTool("GET", "/x/{a}{b}", invBind(a, true), invBind(b, true)), map[string]any{"a": ".", "b": "."}, "a"},
		{"empty array", invTool("GET", "/x/{a}", invBind(a, true)), map[string]any{"a": []any{}}, "a"},
		{"label empty array", invTool("GET", "/x/{a}", invBind(invStyled(a, styleLabel, false), true)), map[string]any{"a": []any{}}, "a"},
		{"array of dots", invTool("GET", "/x/{a}", invBind(invStyled(a, styleSimple, false), true)), map[string]any{"a": []any{".."}}, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := inv.BuildRequest(t.Context(), tc.tool, tc.args)
			if err == nil {
				t.Fatalf("BuildRequest gave %q, want an error", req.URL.EscapedPath())
			}
			assertArgErr(t, err, tc.arg)
		})
	}
}

func TestPathTemplateProblems(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	tests := []struct {
		name string
		tool *Tool
	}{
		{"unbound variable", invTool("GET", "/x/{id}")},
		{"unterminated variable", invTool("GET", "/x/{id", invBind(invParam("id", openapi.InPath, nil), true))},
		{"binding without parameter", invTool("GET", "/x", Binding{Arg: "q", Loc: LocQuery})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := inv.BuildRequest(t.Context(), tc.tool, map[string]any{"id": "1", "q": "x"})
			if err == nil {
				t.Fatal("BuildRequest succeeded, want an error")
			}
			if _, ok := argumentErrorMessage(err); ok {
				t.Errorf("error %v is an argument error; a broken tool is not the caller's fault", err)
			}
			res := inv.Call(t.Context(), tc.tool, map[string]any{"id": "1", "q": "x"})
			if !res.MCP.IsError || !strings.Contains(invText(res.MCP), "internal error") {
				t.Errorf("Call = %q, want an internal error result", invText(res.MCP))
			}
		})
	}
}
