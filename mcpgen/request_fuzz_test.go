package mcpgen

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// fuzzTools are tools with every kind of binding, one per body media type.
func fuzzTools() []*Tool {
	bindings := func() []Binding {
		return []Binding{
			invBind(invParam("id", openapi.InPath, nil), true),
			invBind(invStyled(invParam("name", openapi.InPath, nil), styleLabel, true), true),
			invBind(invStyled(invParam("m", openapi.InPath, nil), styleMatrix, true), true),
			invBind(invParam("q", openapi.InQuery, nil), false),
			invBind(invStyled(invParam("deep", openapi.InQuery, nil), styleDeepObject, true), false),
			invBind(func() *openapi.Parameter {
				p := invStyled(invParam("r", openapi.InQuery, nil), stylePipeDelimited, false)
				p.AllowReserved = true
				return p
			}(), false),
			invBind(invParam("X-H", openapi.InHeader, nil), false),
			invBind(invParam("Host", openapi.InHeader, nil), false),
			invBind(invParam("c", openapi.InCookie, nil), false),
		}
	}
	var tools []*Tool
	for _, ct := range []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} {
		tool := invTool("POST", "/items/{id}/sub/{name}{m}/end", bindings()...)
		tool.Bindings = append(tool.Bindings,
			Binding{Arg: "f1", Loc: LocBodyField, Name: "f1"},
			Binding{Arg: "f2", Loc: LocBodyField, Name: "f2"})
		tool.Operation.RequestBody = &openapi.RequestBody{ContentType: ct, Schema: openapi.Schema{
			"type": "object", "properties": map[string]any{"f2": map[string]any{"type": "string", "format": "binary"}},
		}}
		tools = append(tools, tool)
	}
	for _, ct := range []string{"application/octet-stream", "text/plain", "*/*"} {
		tool := invTool("PUT", "/items/{id}/sub/{name}{m}/end", bindings()...)
		tool.Bindings = append(tool.Bindings, Binding{Arg: "body", Loc: LocBody})
		tool.Operation.RequestBody = &openapi.RequestBody{ContentType: ct}
		tools = append(tools, tool)
	}
	return tools
}

func FuzzBuildRequest(f *testing.F) {
	seeds := []string{
		`{"id":"1","name":"x","m":"y"}`,
		`{"id":"../admin","name":".","m":"..","q":"a&b=c#d","X-H":"a\r\nb: c","c":"v; x=y"}`,
		`{"id":["a","/"],"name":{"k":"v/.."},"m":{"a":"b;c"},"deep":{"a":{"b":[1,{"c":null}]}},"r":["x|y","#"]}`,
		`{"id":"%2e%2e%2f","name":"%2F","m":"?x=1","f1":{"a":[1,2]},"f2":"data:text/plain;base64,aGk="}`,
		`{"id":1e300,"name":true,"m":-0.5,"body":"aGVsbG8=","Host":"evil"}`,
		`{"id":"","name":"","m":""}`,
		`{"id":"\u0000\u00ff\ud7ff","name":"\\","m":"#frag","q":[[["x"]]],"f2":{"data":"YQ","filename":"a\"b"}}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	tools := fuzzTools()
	inv, err := NewInvoker(InvokerOptions{BaseURL: "http://127.0.0.1:9/base", Client: &http.Client{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var args map[string]any
		if dec.Decode(&args) != nil {
			return
		}
		tool := tools[int(which)%len(tools)]
		req, err := inv.BuildRequest(t.Context(), tool, args)
		if err != nil {
			if _, ok := argumentErrorMessage(err); !ok {
				t.Fatalf("BuildRequest(%s) failed with a non-argument error: %v", data, err)
			}
			return
		}
		checkFuzzRequest(t, req, data)
	})
}

// checkFuzzRequest asserts the invariants of a built request.
func checkFuzzRequest(t *testing.T, req *http.Request, data []byte) {
	t.Helper()
	if req.URL.Host != "127.0.0.1:9" || req.URL.Scheme != "http" || req.URL.Fragment != "" {
		t.Fatalf("URL %q left the upstream (args %s)", req.URL, data)
	}
	path := req.URL.EscapedPath()
	segs := strings.Split(path, "/")
	if len(segs) != 7 || segs[0] != "" || segs[1] != "base" || segs[2] != "items" || segs[4] != "sub" || segs[6] != "end" {
		t.Fatalf("path %q does not follow /base/items/{id}/sub/{name}{m}/end (args %s)", path, data)
	}
	for _, s := range []string{segs[3], segs[5]} {
		if s == "" || s == "." || s == ".." {
			t.Fatalf("path %q has a dot or empty segment (args %s)", path, data)
		}
	}
	if strings.ContainsAny(req.URL.RawQuery, "# ") {
		t.Fatalf("query %q has a raw '#' or space (args %s)", req.URL.RawQuery, data)
	}
	for name, values := range req.Header {
		if !validToken(name) {
			t.Fatalf("header name %q is invalid (args %s)", name, data)
		}
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n\x00") {
				t.Fatalf("header %s: %q has CR, LF or NUL (args %s)", name, v, data)
			}
		}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		t.Fatalf("Host overridden to %q (args %s)", req.Host, data)
	}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil || int64(len(b)) != req.ContentLength {
			t.Fatalf("body length %d, ContentLength %d, err %v", len(b), req.ContentLength, err)
		}
	}
}
