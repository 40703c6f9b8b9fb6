package mcpgen

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// bodyTool builds a POST tool whose body has the given media type and
// schema, bound as the whole "body" argument.
func bodyTool(contentType string, schema openapi.Schema, enc map[string]openapi.Encoding) *Tool {
	tool := invTool("POST", "/upload", Binding{Arg: "body", Loc: LocBody})
	tool.Operation.RequestBody = &openapi.RequestBody{ContentType: contentType, Schema: schema, Encoding: enc}
	return tool
}

// fieldTool builds a POST tool whose object body is flattened into the
// named arguments.
func fieldTool(contentType string, schema openapi.Schema, required bool, names ...string) *Tool {
	tool := invTool("POST", "/upload")
	for _, n := range names {
		tool.Bindings = append(tool.Bindings, Binding{Arg: n, Loc: LocBodyField, Name: n})
	}
	tool.Operation.RequestBody = &openapi.RequestBody{ContentType: contentType, Schema: schema, Required: required}
	return tool
}

func TestBuildRequestBodies(t *testing.T) {
	t.Parallel()
	explodeFalse := false
	tests := []struct {
		name     string
		tool     *Tool
		args     map[string]any
		wantCT   string
		wantBody string
	}{
		{"json object", bodyTool("application/json", invObj, nil),
			map[string]any{"body": map[string]any{"b": "<x>&", "a": 1.5}}, "application/json", `{"a":1.5,"b":"<x>&"}`},
		{"json keeps big integers", bodyTool("application/json", invObj, nil),
			map[string]any{"body": map[string]any{"id": json.Number("123456789012345678901")}}, "application/json", `{"id":123456789012345678901}`},
		{"json array", bodyTool("application/json", openapi.Schema{"type": "array"}, nil),
			map[string]any{"body": []any{1.0, "x"}}, "application/json", `[1,"x"]`},
		{"json string for object schema", bodyTool("application/json", invObj, nil),
			map[string]any{"body": ` {"a": [1, 2]} `}, "application/json", `{"a":[1,2]}`},
		{"json string for string schema", bodyTool("application/json", invStr, nil),
			map[string]any{"body": `{"a":1}`}, "application/json", `"{\"a\":1}"`},
		{"merge patch json", bodyTool("application/merge-patch+json", invObj, nil),
			map[string]any{"body": map[string]any{"a": nil}}, "application/merge-patch+json", `{"a":null}`},
		{"json with charset", bodyTool("application/json; charset=utf-8", invObj, nil),
			map[string]any{"body": map[string]any{}}, "application/json; charset=utf-8", `{}`},
		{"no media type means json", bodyTool("", nil, nil),
			map[string]any{"body": map[string]any{"a": true}}, "application/json", `{"a":true}`},
		{"json from fields", fieldTool("application/json", invObj, false, "name", "tags"),
			map[string]any{"name": "Rex", "tags": []any{"a"}}, "application/json", `{"name":"Rex","tags":["a"]}`},
		{"required object body with no fields", fieldTool("application/json", invObj, true, "name"),
			map[string]any{}, "application/json", `{}`},
		{"form primitives", bodyTool("application/x-www-form-urlencoded", invObj, nil),
			map[string]any{"body": map[string]any{"b": "x y&z", "a": 1.0, "c": true}}, "application/x-www-form-urlencoded", `a=1&b=x+y%26z&c=true`},
		{"form array default repeats", bodyTool("application/x-www-form-urlencoded", invObj, nil),
			map[string]any{"body": map[string]any{"tag": []any{"a", "b,c"}}}, "application/x-www-form-urlencoded", `tag=a&tag=b%2Cc`},
		{"form object default json", bodyTool("application/x-www-form-urlencoded", invObj, nil),
			map[string]any{"body": map[string]any{"addr": map[string]any{"city": "X"}}}, "application/x-www-form-urlencoded", `addr=%7B%22city%22%3A%22X%22%7D`},
		{"form deepObject", bodyTool("application/x-www-form-urlencoded", invObj, map[string]openapi.Encoding{"meta": {Style: styleDeepObject}}),
			map[string]any{"body": map[string]any{"meta": map[string]any{"k": "v w", "n": map[string]any{"x": 1.0}}}}, "application/x-www-form-urlencoded", `meta[k]=v+w&meta[n][x]=1`},
		{"form array not exploded", bodyTool("application/x-www-form-urlencoded", invObj, map[string]openapi.Encoding{"tag": {Explode: &explodeFalse}}),
			map[string]any{"body": map[string]any{"tag": []any{"a", "b,c"}}}, "application/x-www-form-urlencoded", `tag=a,b%2Cc`},
		{"form object exploded", bodyTool("application/x-www-form-urlencoded", invObj, map[string]openapi.Encoding{"o": {Style: styleForm}}),
			map[string]any{"body": map[string]any{"o": map[string]any{"x": "1", "y": "2"}}}, "application/x-www-form-urlencoded", `x=1&y=2`},
		{"form pipeDelimited", bodyTool("application/x-www-form-urlencoded", invObj, map[string]openapi.Encoding{"tag": {Style: stylePipeDelimited, Explode: &explodeFalse}}),
			map[string]any{"body": map[string]any{"tag": []any{"a", "b"}}}, "application/x-www-form-urlencoded", `tag=a%7Cb`},
		{"form spaceDelimited", bodyTool("application/x-www-form-urlencoded", invObj, map[string]openapi.Encoding{"tag": {Style: styleSpaceDelimited, Explode: &explodeFalse}}),
			map[string]any{"body": map[string]any{"tag": []any{"a", "b"}}}, "application/x-www-form-urlencoded", `tag=a+b`},
		{"form fields in binding order", fieldTool("application/x-www-form-urlencoded", invObj, false, "z", "a"),
			map[string]any{"a": "1", "z": "2"}, "application/x-www-form-urlencoded", `z=2&a=1`},
		{"text plain", bodyTool("text/plain", invStr, nil),
			map[string]any{"body": "hello\nworld"}, "text/plain", "hello\nworld"},
		{"text plain number", bodyTool("text/plain", nil, nil),
			map[string]any{"body": 42.0}, "text/plain", "42"},
		{"xml string", bodyTool("application/xml", nil, nil),
			map[string]any{"body": "<a>1</a>"}, "application/xml", "<a>1</a>"},
		{"octet-stream base64", bodyTool("application/octet-stream", nil, nil),
			map[string]any{"body": "AAEC/w=="}, "application/octet-stream", "\x00\x01\x02\xff"},
		{"octet-stream unpadded url-safe base64", bodyTool("application/octet-stream", nil, nil),
			map[string]any{"body": "AAEC_w"}, "application/octet-stream", "\x00\x01\x02\xff"},
		{"octet-stream data URL", bodyTool("application/octet-stream", nil, nil),
			map[string]any{"body": "data:image/png;base64,iVBORw0K"}, "application/octet-stream", "\x89PNG\r\n"},
		{"pdf file object", bodyTool("application/pdf", nil, nil),
			map[string]any{"body": map[string]any{"data": "JVBERg==", "filename": "a.pdf"}}, "application/pdf", "%PDF"},
		{"wildcard object is json", bodyTool("*/*", nil, nil),
			map[string]any{"body": map[string]any{"a": 1.0}}, "application/json", `{"a":1}`},
		{"wildcard text", bodyTool("*/*", nil, nil),
			map[string]any{"body": "hi"}, "text/plain; charset=utf-8", "hi"},
		{"image range with data URL", bodyTool("image/*", nil, nil),
			map[string]any{"body": "data:image/gif;base64,R0lGODlh"}, "image/gif", "GIF89a"},
		{"percent-encoded data URL", bodyTool("application/octet-stream", nil, nil),
			map[string]any{"body": "data:,a%20b"}, "application/octet-stream", "a b"},
	}
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := inv.BuildRequest(t.Context(), tc.tool, tc.args)
			if err != nil {
				t.Fatalf("BuildRequest: %v", err)
			}
			if got := req.Header.Get("Content-Type"); got != tc.wantCT {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantCT)
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			if diff := cmp.Diff(tc.wantBody, string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if req.ContentLength != int64(len(body)) {
				t.Errorf("ContentLength = %d, want %d", req.ContentLength, len(body))
			}
			if req.GetBody == nil {
				t.Fatal("GetBody is nil: the body could not be replayed on a redirect")
			}
			again, _ := req.GetBody()
			replayed, _ := io.ReadAll(again)
			if string(replayed) != string(body) {
				t.Errorf("GetBody replayed %q, want %q", replayed, body)
			}
		})
	}
}

func TestBuildRequestNoBody(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	for name, tool := range map[string]*Tool{
		"optional body absent":   bodyTool("application/json", invObj, nil),
		"optional fields absent": fieldTool("application/json", invObj, false, "a"),
		"required binary body, no field": func() *Tool {
			t := invTool("POST", "/x")
			t.Operation.RequestBody = &openapi.RequestBody{Required: true, ContentType: "application/octet-stream"}
			return t
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, err := inv.BuildRequest(t.Context(), tool, map[string]any{})
			if err != nil {
				t.Fatalf("BuildRequest: %v", err)
			}
			if req.Body != nil || req.ContentLength != 0 || req.Header.Get("Content-Type") != "" {
				t.Errorf("got body %v, length %d, Content-Type %q; want none", req.Body, req.ContentLength, req.Header.Get("Content-Type"))
			}
		})
	}
}

// part is one received multipart part.
type part struct {
	Name, Filename, ContentType, Data string
}

func TestBuildRequestMultipart(t *testing.T) {
	t.Parallel()
	schema := openapi.Schema{"type": "object", "properties": map[string]any{
		"title":  map[string]any{"type": "string"},
		"count":  map[string]any{"type": "integer"},
		"file":   map[string]any{"type": "string", "format": "binary"},
		"photo":  map[string]any{"$ref": "#/$defs/Binary"},
		"audio":  map[string]any{"type": "string", "contentMediaType": "audio/mpeg", "contentEncoding": "base64"},
		"meta":   map[string]any{"type": "object"},
		"files":  map[string]any{"type": "array", "items": map[string]any{"type": "string", "format": "binary"}},
		"tags":   map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		"note":   map[string]any{"type": "string"},
		"legacy": map[string]any{},
		"csv":    map[string]any{"type": "string", "contentMediaType": "text/csv"},
		"swag":   map[string]any{"type": "file"},
	}}
	enc := map[string]openapi.Encoding{
		"photo": {ContentType: "image/png, image/jpeg"},
		"note":  {ContentType: "text/markdown"},
	}
	tool := bodyTool("multipart/form-data", schema, enc)
	inv := newInvokerForTest(t, "http://127.0.0.1:1", func(o *InvokerOptions) {
		o.Schemas = map[string]openapi.Schema{"Binary": {"type": "string", "format": "binary"}}
	})
	args := map[string]any{"body": map[string]any{
		"title":  "Hello \"you\"",
		"count":  3.0,
		"file":   "AAEC",
		"photo":  map[string]any{"data": "data:image/png;base64,iVBORw0K", "filename": "me.png"},
		"audio":  "data:audio/mpeg;name=song.mp3;base64,SUQz",
		"meta":   map[string]any{"a": 1.0},
		"files":  []any{"YQ==", map[string]any{"data": "Yg==", "filename": "b.txt", "contentType": "text/plain"}},
		"tags":   []any{"x", "y"},
		"note":   "# plain *markdown*",
		"legacy": nil,
		"csv":    "a,b\n",
		"swag":   "eA==",
	}}
	req, err := inv.BuildRequest(t.Context(), tool, args)
	if err != nil {
		t.Fatalf("BuildRequest: %v", err)
	}
	got := readParts(t, req.Header.Get("Content-Type"), req.Body)
	want := []part{
		{Name: "audio", Filename: "song.mp3", ContentType: "audio/mpeg", Data: "ID3"},
		{Name: "count", Data: "3"},
		{Name: "csv", ContentType: "text/csv", Data: "a,b\n"},
		{Name: "file", Filename: "file", ContentType: "application/octet-stream", Data: "\x00\x01\x02"},
		{Name: "files", Filename: "files", ContentType: "application/octet-stream", Data: "a"},
		{Name: "files", Filename: "b.txt", ContentType: "text/plain", Data: "b"},
		{Name: "meta", ContentType: "application/json", Data: `{"a":1}`},
		{Name: "note", ContentType: "text/markdown", Data: "# plain *markdown*"},
		{Name: "photo", Filename: "me.png", ContentType: "image/png", Data: "\x89PNG\r\n"},
		{Name: "swag", Filename: "swag", ContentType: "application/octet-stream", Data: "x"},
		{Name: "tags", Data: "x"},
		{Name: "tags", Data: "y"},
		{Name: "title", Data: `Hello "you"`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
}

func TestBuildRequestMultipartMixed(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	req, err := inv.BuildRequest(t.Context(), bodyTool("multipart/mixed", nil, nil), map[string]any{"body": map[string]any{"a": "1"}})
	if err != nil {
		t.Fatalf("BuildRequest: %v", err)
	}
	mt, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q, %v", req.Header.Get("Content-Type"), err)
	}
	got := readParts(t, "multipart/form-data; boundary="+params["boundary"], req.Body)
	if diff := cmp.Diff([]part{{Name: "a", Data: "1"}}, got); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
}

func TestBuildRequestMultipartHostileFilename(t *testing.T) {
	t.Parallel()
	tool := bodyTool("multipart/form-data", openapi.Schema{"type": "object", "properties": map[string]any{
		"f": map[string]any{"type": "string", "format": "binary"},
	}}, nil)
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	_, err := inv.BuildRequest(t.Context(), tool, map[string]any{"body": map[string]any{
		"f": map[string]any{"data": "YQ==", "filename": "x\r\nContent-Type: text/html"},
	}})
	assertArgErr(t, err, "body")

	req, err := inv.BuildRequest(t.Context(), tool, map[string]any{"body": map[string]any{
		"f": map[string]any{"data": "YQ==", "filename": `a"b\c.txt`},
	}})
	if err != nil {
		t.Fatalf("BuildRequest: %v", err)
	}
	got := readParts(t, req.Header.Get("Content-Type"), req.Body)
	if len(got) != 1 || got[0].Filename != `a"b\c.txt` {
		t.Errorf("parts = %+v, want one part with the quoted filename intact", got)
	}
}

// readParts parses a multipart body.
func readParts(t *testing.T, contentType string, body io.Reader) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	r := multipart.NewReader(body, params["boundary"])
	var parts []part
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		parts = append(parts, part{Name: p.FormName(), Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: string(data)})
	}
}

func TestBuildRequestBodyArgumentErrors(t *testing.T) {
	t.Parallel()
	inv := newInvokerForTest(t, "http://127.0.0.1:1", nil)
	tests := []struct {
		name string
		tool *Tool
		args map[string]any
		arg  string
	}{
		{"bad base64", bodyTool("application/octet-stream", nil, nil), map[string]any{"body": "not base64!"}, "body"},
		{"bad data URL base64", bodyTool("application/octet-stream", nil, nil), map[string]any{"body": "data:;base64,@@@"}, "body"},
		{"data URL without comma", bodyTool("application/octet-stream", nil, nil), map[string]any{"body": "data:abc"}, "body"},
		{"binary from number", bodyTool("application/octet-stream", nil, nil), map[string]any{"body": 1.0}, "body"},
		{"xml from object", bodyTool("application/xml", nil, nil), map[string]any{"body": map[string]any{"a": 1.0}}, "body"},
		{"xml from number", bodyTool("application/xml", nil, nil), map[string]any{"body": 1.0}, "body"},
		{"form from array", bodyTool("application/x-www-form-urlencoded", nil, nil), map[string]any{"body": []any{"a"}}, "body"},
		{"multipart from string", bodyTool("multipart/form-data", nil, nil), map[string]any{"body": "x"}, "body"},
		{"multipart bad file", bodyTool("multipart/form-data", openapi.Schema{"properties": map[string]any{"f": map[string]any{"type": "string", "format": "binary"}}}, nil),
			map[string]any{"body": map[string]any{"f": "%%%"}}, "body"},
		{"multipart text part from object", bodyTool("multipart/form-data", nil, map[string]openapi.Encoding{"t": {ContentType: "text/plain"}}),
			map[string]any{"body": map[string]any{"t": map[string]any{}}}, "body"},
		{"file object with bad content type", bodyTool("application/octet-stream", nil, nil), map[string]any{"body": map[string]any{"data": "YQ==", "contentType": "a\nb"}}, "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := inv.BuildRequest(t.Context(), tc.tool, tc.args)
			assertArgErr(t, err, tc.arg)
		})
	}
}
