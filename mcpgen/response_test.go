package mcpgen

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// reply returns a handler answering with status, content type and body
// (Content-Length is set by net/http for short bodies).
func reply(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// chunked is reply without Content-Length.
func chunked(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		for i := 0; i < len(body); i += 16 {
			_, _ = io.WriteString(w, body[i:min(i+16, len(body))])
			w.(http.Flusher).Flush()
		}
	}
}

func TestCallResponseMapping(t *testing.T) {
	t.Parallel()
	objectSchema := json.RawMessage(`{"type":"object"}`)
	wrappedSchema := json.RawMessage(`{"type":"object","properties":{"result":{"type":"array"}},"required":["result"]}`)
	long := strings.Repeat("é", 40) // 80 bytes
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		schema   json.RawMessage
		wrapped  bool
		success  string // the operation's success media type
		maxBytes int64
		want     string // the MCP result as JSON
		status   int
		wantErr  error // errors.Is / As target kind, nil for success
	}{
		{name: "json object", handler: reply(200, "application/json", `{ "id": 1, "name": "Rex" }`),
			want: `{"content":[{"type":"text","text":"{\"id\":1,\"name\":\"Rex\"}"}],"structuredContent":{"id":1,"name":"Rex"}}`, status: 200},
		{name: "json object with schema", handler: reply(200, "application/json; charset=utf-8", `{"id":12345678901234567890}`), schema: objectSchema,
			want: `{"content":[{"type":"text","text":"{\"id\":12345678901234567890}"}],"structuredContent":{"id":12345678901234567890}}`, status: 200},
		{name: "json array wrapped", handler: reply(200, "application/json", "[1, 2]"), schema: wrappedSchema, wrapped: true,
			want: `{"content":[{"type":"text","text":"{\"result\":[1,2]}"}],"structuredContent":{"result":[1,2]}}`, status: 200},
		{name: "json array without schema", handler: reply(200, "application/json", "[1, 2]"),
			want: `{"content":[{"type":"text","text":"[1,2]"}]}`, status: 200},
		{name: "json scalar without schema", handler: reply(200, "application/json", `"ok"`),
			want: `{"content":[{"type":"text","text":"\"ok\""}]}`, status: 200},
		{name: "json array for object schema", handler: reply(200, "application/json", "[1]"), schema: objectSchema,
			want:   `{"content":[{"type":"text","text":"The upstream call succeeded, but its response cannot be returned as this tool's structured output: the tool declares a JSON object, but the upstream returned a JSON array."},{"type":"text","text":"[1]"}],"isError":true}`,
			status: 200, wantErr: ErrOutputMismatch},
		{name: "problem json 2xx", handler: reply(200, "application/problem+json", `{"a":1}`),
			want: `{"content":[{"type":"text","text":"{\"a\":1}"}],"structuredContent":{"a":1}}`, status: 200},
		{name: "json labelled text/plain", handler: reply(200, "text/plain", `{"a":1}`), success: "application/json",
			want: `{"content":[{"type":"text","text":"{\"a\":1}"}],"structuredContent":{"a":1}}`, status: 200},
		{name: "json without content type", handler: reply(200, "", `[{"a":1}]`), success: "application/json",
			want: `{"content":[{"type":"text","text":"[{\"a\":1}]"}]}`, status: 200},
		{name: "invalid json", handler: reply(200, "application/json", `{"a":`),
			want:   `{"content":[{"type":"text","text":"The upstream call succeeded, but its response is labelled JSON and is not valid JSON (unexpected end of JSON input). Raw response:\n{\"a\":"}],"isError":true}`,
			status: 200, wantErr: ErrNotJSON},
		{name: "invalid json, long", handler: reply(200, "application/json", "<html>"+strings.Repeat("x", 3000)),
			want:   `{"content":[{"type":"text","text":"The upstream call succeeded, but its response is labelled JSON and is not valid JSON (invalid character '\u003c' looking for beginning of value). Raw response:\n\u003chtml\u003e` + strings.Repeat("x", 2042) + `\n[truncated: showing the first 2048 bytes]"}],"isError":true}`,
			status: 200, wantErr: ErrNotJSON},
		{name: "text", handler: reply(200, "text/plain; charset=utf-8", "hello"),
			want: `{"content":[{"type":"text","text":"hello"}]}`, status: 200},
		{name: "html", handler: reply(200, "text/html", "<b>hi</b>"),
			want: `{"content":[{"type":"text","text":"\u003cb\u003ehi\u003c/b\u003e"}]}`, status: 200},
		{name: "csv with schema", handler: reply(200, "text/csv", "a,b"), schema: objectSchema,
			want:   `{"content":[{"type":"text","text":"The upstream call succeeded, but its response cannot be returned as this tool's structured output: the response is text/csv text."},{"type":"text","text":"a,b"}],"isError":true}`,
			status: 200, wantErr: ErrOutputMismatch},
		{name: "image", handler: reply(200, "image/png", "\x89PNG"),
			want: `{"content":[{"type":"image","data":"iVBORw==","mimeType":"image/png"}]}`, status: 200},
		{name: "audio", handler: reply(200, "audio/mpeg", "ID3"),
			want: `{"content":[{"type":"audio","data":"SUQz","mimeType":"audio/mpeg"}]}`, status: 200},
		{name: "binary", handler: reply(200, "application/pdf", "%PDF"),
			want: `{"content":[{"type":"resource","resource":{"uri":"URL/items","mimeType":"application/pdf","blob":"JVBERg=="}}]}`, status: 200},
		{name: "sniffed binary", handler: reply(200, "", "\x00\x01\x02"),
			want: `{"content":[{"type":"resource","resource":{"uri":"URL/items","mimeType":"application/octet-stream","blob":"AAEC"}}]}`, status: 200},
		{name: "empty 200", handler: reply(200, "application/json", ""),
			want: `{"content":[{"type":"text","text":"HTTP 200 OK"}]}`, status: 200},
		{name: "204", handler: reply(204, "", ""),
			want: `{"content":[{"type":"text","text":"HTTP 204 No Content"}]}`, status: 204},
		{name: "204 with schema", handler: reply(204, "", ""), schema: objectSchema,
			want:   `{"content":[{"type":"text","text":"The upstream call succeeded, but its response cannot be returned as this tool's structured output: the response has no content."},{"type":"text","text":"HTTP 204 No Content"}],"isError":true}`,
			status: 204, wantErr: ErrOutputMismatch},
		{name: "201 with location", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/pets/5")
			w.WriteHeader(201)
		}, want: `{"content":[{"type":"text","text":"HTTP 201 Created (Location: /pets/5)"}]}`, status: 201},
		{name: "truncated text", handler: reply(200, "text/plain", long), maxBytes: 11,
			want: `{"content":[{"type":"text","text":"ééééé\n[truncated: response was 80 bytes, showing first 10]"}]}`, status: 200},
		{name: "truncated chunked json", handler: chunked("application/json", `{"items":[`+strings.Repeat(`1,`, 50)+`1]}`), maxBytes: 20, schema: objectSchema,
			want:   `{"content":[{"type":"text","text":"The upstream call succeeded, but its response cannot be returned as this tool's structured output: the JSON response is larger than the response size limit."},{"type":"text","text":"{\"items\":[1,1,1,1,1,\n[truncated: response exceeded 20 bytes, showing first 20] The JSON is incomplete and has no structured form; ask for less data (filters, paging) if possible."}],"isError":true}`,
			status: 200, wantErr: ErrOutputMismatch},
		{name: "truncated json without schema", handler: reply(200, "application/json", `[1,2,3,4,5]`), maxBytes: 4,
			want: `{"content":[{"type":"text","text":"[1,2\n[truncated: response was 11 bytes, showing first 4] The JSON is incomplete and has no structured form; ask for less data (filters, paging) if possible."}]}`, status: 200},
		{name: "truncated image", handler: reply(200, "image/png", strings.Repeat("x", 100)), maxBytes: 10,
			want: `{"content":[{"type":"text","text":"[not shown: the image/png response is 100 bytes, over the 10-byte limit]"}]}`, status: 200},
		{name: "404 json", handler: reply(404, "application/json", "{\n  \"error\": \"no such pet\"\n}"),
			want:   `{"content":[{"type":"text","text":"HTTP 404 Not Found from upstream: {\"error\":\"no such pet\"}"}],"isError":true}`,
			status: 404, wantErr: &UpstreamError{}},
		{name: "400 empty", handler: reply(400, "", ""),
			want: `{"content":[{"type":"text","text":"HTTP 400 Bad Request from upstream"}],"isError":true}`, status: 400, wantErr: &UpstreamError{}},
		{name: "500 long text", handler: reply(500, "text/plain", strings.Repeat("e", 5000)),
			want:   `{"content":[{"type":"text","text":"HTTP 500 Internal Server Error from upstream: ` + strings.Repeat("e", 2048) + `…"}],"isError":true}`,
			status: 500, wantErr: &UpstreamError{}},
		{name: "502 binary", handler: reply(502, "image/png", "\x89PNG\x00\xff\xfe"),
			want:   `{"content":[{"type":"text","text":"HTTP 502 Bad Gateway from upstream: \u003c7 bytes of image/png\u003e"}],"isError":true}`,
			status: 502, wantErr: &UpstreamError{}},
		{name: "599 unknown status", handler: reply(599, "text/plain", "odd"),
			want: `{"content":[{"type":"text","text":"HTTP 599 from upstream: odd"}],"isError":true}`, status: 599, wantErr: &UpstreamError{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			up := invUpstream(t, tc.handler)
			inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) { o.MaxResponseBytes = tc.maxBytes })
			tool := invTool("GET", "/items", invBind(invParam("q", openapi.InQuery, nil), false))
			tool.OutputSchema, tool.OutputWrapped = tc.schema, tc.wrapped
			if tc.success != "" {
				tool.Operation.Success = &openapi.Response{Status: "200", ContentType: tc.success}
			}
			res := inv.Call(t.Context(), tool, map[string]any{"q": "secret-ish"})
			got, err := json.Marshal(res.MCP)
			if err != nil {
				t.Fatalf("marshal result: %v", err)
			}
			want := strings.ReplaceAll(tc.want, "URL", up.URL)
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if res.Status != tc.status {
				t.Errorf("Status = %d, want %d", res.Status, tc.status)
			}
			checkCause(t, res.Err, tc.wantErr)
		})
	}
}

// checkCause compares a result's cause with the expected kind.
func checkCause(t *testing.T, got, want error) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if got != nil {
			t.Errorf("Err = %v, want nil", got)
		}
	case *UpstreamError:
		var ue *UpstreamError
		if !errors.As(got, &ue) {
			t.Errorf("Err = %v, want an *UpstreamError", got)
		}
	default:
		if !errors.Is(got, w) {
			t.Errorf("Err = %v, want %v", got, w)
		}
	}
}

func TestUpstreamErrorKeepsStatusAndBody(t *testing.T) {
	t.Parallel()
	up := invUpstream(t, reply(503, "application/json", `{"retry": true}`))
	inv := newInvokerForTest(t, up.URL, nil)
	res := inv.Call(t.Context(), invTool("GET", "/x"), nil)
	var ue *UpstreamError
	if !errors.As(res.Err, &ue) {
		t.Fatalf("Err = %v, want *UpstreamError", res.Err)
	}
	if diff := cmp.Diff(&UpstreamError{Status: 503, Body: `{"retry":true}`}, ue); diff != "" {
		t.Errorf("UpstreamError (-want +got):\n%s", diff)
	}
	if got, want := ue.Error(), `upstream returned HTTP 503: {"retry":true}`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestResponseSizeLimitReadsBoundedAmount(t *testing.T) {
	t.Parallel()
	const total = 8 << 20
	up := invUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(total))
		chunk := strings.Repeat("a", 1<<16)
		for i := 0; i < total; i += len(chunk) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	inv := newInvokerForTest(t, up.URL, func(o *InvokerOptions) { o.MaxResponseBytes = 1000 })
	res := inv.Call(t.Context(), invTool("GET", "/big"), nil)
	text := invText(res.MCP)
	if res.MCP.IsError || !strings.HasSuffix(text, "[truncated: response was 8388608 bytes, showing first 1000]") || len(text) > 1100 {
		t.Errorf("result = %.200q (len %d)", text, len(text))
	}
}
