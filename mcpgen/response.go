package mcpgen

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// ErrOutputMismatch is wrapped by [Result.Err] when an upstream call
// succeeded but its response cannot be returned as the structured output
// the tool declares.
var ErrOutputMismatch = errors.New("upstream response does not fit the tool's output schema")

// ErrNotJSON is wrapped by [Result.Err] when a success response is
// labelled JSON but its body is not valid JSON.
var ErrNotJSON = errors.New("upstream response labelled JSON is not valid JSON")

// mapResponse turns the upstream response into a tool result.
//
// Success (2xx):
//   - JSON (application/json, +json; or a JSON-looking body without a
//     media type, or labelled text/plain when the operation promises
//     JSON): structuredContent plus a compact text copy of it. Tools with
//     OutputWrapped get {"result": value}. Tools without an output schema
//     get structuredContent only for JSON objects (legacy clients accept
//     objects only) and the JSON text otherwise.
//   - text types: text content; image/*: image content (base64); audio/*:
//     audio content; other media types: an embedded blob resource
//     (base64, with the media type and the upstream URL without query).
//   - an empty body (204 and others): the status line as text, e.g.
//     "HTTP 204 No Content".
//   - tools with a [Tool.Shape]: a JSON body over its MaxBytes, or any JSON
//     body when it projects Fields, is shaped by [ShapeJSON] first; the
//     note follows the content as a second text block and the details
//     are in _meta under [MetaKeyShaping]. Other bodies are spliced as
//     they are.
//   - bodies longer than MaxResponseBytes: text is cut with the note
//     "[truncated: response was N bytes, showing first M]"; JSON is then
//     returned as truncated text without structuredContent; images and
//     blobs are replaced by a note.
//
// When the tool declares an output schema, MCP requires every non-error
// result to carry structuredContent conforming to it, and clients (the
// TypeScript SDK, for one) reject results that lack it. So when a 2xx
// response cannot yield structured content of the declared root shape
// (empty, not JSON, truncated, or a non-object for an unwrapped schema)
// the result is isError, with a first text block saying that the upstream
// call succeeded and why its response cannot be returned as declared,
// followed by the content itself. Only the root shape is checked here;
// mcp-go's WithOutputSchemaValidation can check the rest.
//
// Non-2xx (including redirects that were not followed): isError with
// "HTTP 404 Not Found from upstream: <first ~2 KB of the body, JSON
// compacted>", and an *[UpstreamError] in Result.Err.
func (inv *Invoker) mapResponse(ctx, callCtx context.Context, t *Tool, req *http.Request, resp *http.Response) *Result {
	status := resp.StatusCode
	if status < 200 || status > 299 {
		body, _, _ := readLimited(resp.Body, errorReadLimit, resp.ContentLength)
		drain(resp)
		snippet := errorSnippet(resp.Header.Get("Content-Type"), body)
		msg := statusLine(status) + " from upstream"
		if status >= 300 && status < 400 {
			msg += " (redirect not followed)"
		}
		if snippet != "" {
			msg += ": " + snippet
		}
		return errorResult(status, &UpstreamError{Status: status, Body: snippet}, msg)
	}
	body, truncated, err := readLimited(resp.Body, inv.maxResponse, resp.ContentLength)
	if err != nil {
		res := inv.transportFailure(ctx, callCtx, t, req, err)
		res.Status = status
		return res
	}
	if truncated {
		drain(resp)
	}
	r := responseBody{
		data:      body,
		truncated: truncated,
		total:     resp.ContentLength,
		limit:     inv.maxResponse,
	}
	res := inv.successResult(t, req, resp, r)
	res.Status = status
	return res
}

// responseBody is a (possibly truncated) success response body.
type responseBody struct {
	data      []byte
	truncated bool
	// total is the full length when known (Content-Length), else -1.
	total int64
	limit int64
}

// note returns the truncation note, or "" when the body is whole.
func (r responseBody) note() string {
	if !r.truncated {
		return ""
	}
	if r.total > 0 {
		return fmt.Sprintf("[truncated: response was %d bytes, showing first %d]", r.total, len(r.text()))
	}
	return fmt.Sprintf("[truncated: response exceeded %d bytes, showing first %d]", r.limit, len(r.text()))
}

// text returns the body as valid UTF-8, cut at a character boundary when
// truncated.
func (r responseBody) text() string {
	b := r.data
	if r.truncated {
		b = trimPartialRune(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// textWithNote returns the text followed by the truncation note.
func (r responseBody) textWithNote() string {
	if !r.truncated {
		return r.text()
	}
	return r.text() + "\n" + r.note()
}

// successResult maps a 2xx response.
func (inv *Invoker) successResult(t *Tool, req *http.Request, resp *http.Response, r responseBody) *Result {
	status := resp.StatusCode
	if len(r.data) == 0 {
		text := statusLine(status)
		if loc := resp.Header.Get("Location"); loc != "" && validHeaderValue(loc) {
			text += " (Location: " + loc + ")"
		}
		return inv.plainResult(t, "the response has no content", mcp.NewTextContent(text))
	}
	mt := mediaType(resp.Header.Get("Content-Type"))
	if mt == "" && !looksLikeJSON(r.data) {
		mt = mediaType(http.DetectContentType(r.data))
	}
	switch {
	case isJSONMediaType(mt) || (mt == "" || mt == mediaText) && looksLikeJSON(r.data) && promisesJSON(t):
		return inv.jsonResult(t, r)
	case strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "audio/"):
		if r.truncated {
			return inv.tooLargeResult(t, mt, r)
		}
		data := base64.StdEncoding.EncodeToString(r.data)
		if strings.HasPrefix(mt, "image/") {
			return inv.plainResult(t, "the response is an image", mcp.NewImageContent(data, mt))
		}
		return inv.plainResult(t, "the response is audio", mcp.NewAudioContent(data, mt))
	case isTextMediaType(mt):
		return inv.plainResult(t, "the response is "+mt+" text", mcp.NewTextContent(r.textWithNote()))
	default:
		if r.truncated {
			return inv.tooLargeResult(t, mt, r)
		}
		blob := mcp.BlobResourceContents{
			URI:      resourceURI(req.URL),
			MIMEType: orDefault(mt, mediaOctets),
			Blob:     base64.StdEncoding.EncodeToString(r.data),
		}
		return inv.plainResult(t, "the response is "+blob.MIMEType+" content", mcp.NewEmbeddedResource(blob))
	}
}

// jsonResult maps a JSON success body.
func (inv *Invoker) jsonResult(t *Tool, r responseBody) *Result {
	if r.truncated {
		return inv.plainResult(t, "the JSON response is larger than the response size limit",
			mcp.NewTextContent(r.text()+"\n"+r.note()+" The JSON is incomplete and has no structured form; ask for less data (filters, paging) if possible."))
	}
	compact, err := compactJSON(r.data)
	if err != nil {
		return notJSONResult(r, err)
	}
	if t.needsShape(compact) {
		shaped, note, meta, err := t.shapedJSON(compact)
		if err != nil {
			return notJSONResult(r, err)
		}
		return withShaping(inv.compactResult(t, shaped), note, meta)
	}
	return inv.compactResult(t, compact)
}

// compactResult maps a compact JSON value as [Invoker.jsonResult]
// describes.
func (inv *Invoker) compactResult(t *Tool, compact []byte) *Result {
	isObject := compact[0] == '{'
	switch {
	case t.OutputSchema != nil && t.OutputWrapped:
		wrapped := make([]byte, 0, len(compact)+11)
		wrapped = append(append(append(wrapped, `{"result":`...), compact...), '}')
		return structuredResult(wrapped)
	case isObject:
		return structuredResult(compact)
	case t.OutputSchema != nil:
		return inv.plainResult(t, "the tool declares a JSON object, but the upstream returned a JSON "+jsonKind(compact[0]),
			mcp.NewTextContent(string(compact)))
	default:
		return &Result{MCP: mcp.NewToolResultText(string(compact))}
	}
}

// withShaping notes a shaped result: the note follows the content as its
// own text block (the first stays the exact JSON of structuredContent),
// and meta goes into the result's _meta.
func withShaping(res *Result, note string, meta *mcp.Meta) *Result {
	if note != "" {
		res.MCP.Content = append(res.MCP.Content, mcp.NewTextContent(note))
	}
	if meta != nil {
		res.MCP.Meta = meta
	}
	return res
}

// notJSONShown bounds the part of a body that is not valid JSON shown in
// the error result.
const notJSONShown = 2 << 10

// notJSONResult is the isError result for a success response labelled
// JSON whose body is not JSON: a model must not take it for data. It
// names the reason and shows the start of the raw text.
func notJSONResult(r responseBody, err error) *Result {
	reason := strings.TrimPrefix(err.Error(), "compact JSON: ")
	text := r.text()
	note := ""
	if len(text) > notJSONShown {
		text = string(trimPartialRune([]byte(text[:notJSONShown])))
		note = fmt.Sprintf("\n[truncated: showing the first %d bytes]", len(text))
	}
	msg := "The upstream call succeeded, but its response is labelled JSON and is not valid JSON (" + reason + "). Raw response:\n" + text + note
	return &Result{
		MCP: mcp.NewToolResultError(msg),
		Err: fmt.Errorf("%w: %w", ErrNotJSON, err),
	}
}

// structuredResult carries JSON as structuredContent and as text.
func structuredResult(b []byte) *Result {
	return &Result{MCP: mcp.NewToolResultStructured(rawJSON(b), string(b))}
}

// plainResult returns content without structuredContent. For a tool with
// an output schema that is not allowed on a successful result, so the
// result becomes isError and starts with an explanation naming reason.
func (inv *Invoker) plainResult(t *Tool, reason string, content ...mcp.Content) *Result {
	if t.OutputSchema == nil {
		return &Result{MCP: &mcp.CallToolResult{Content: content}}
	}
	msg := "The upstream call succeeded, but its response cannot be returned as this tool's structured output: " + reason + "."
	return &Result{
		MCP: &mcp.CallToolResult{Content: append([]mcp.Content{mcp.NewTextContent(msg)}, content...), IsError: true},
		Err: fmt.Errorf("%w: %s", ErrOutputMismatch, reason),
	}
}

// tooLargeResult replaces an image or blob over the size limit by a note.
func (inv *Invoker) tooLargeResult(t *Tool, mt string, r responseBody) *Result {
	size := fmt.Sprintf("more than %d bytes", r.limit)
	if r.total > 0 {
		size = fmt.Sprintf("%d bytes", r.total)
	}
	text := fmt.Sprintf("[not shown: the %s response is %s, over the %d-byte limit]", orDefault(mt, mediaOctets), size, r.limit)
	return inv.plainResult(t, "the response is larger than the response size limit", mcp.NewTextContent(text))
}

// resourceURI identifies a binary response by its upstream URL without
// query or fragment (which could carry credentials added by a hook).
func resourceURI(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return c.String()
}

// promisesJSON reports whether the operation's success response is JSON
// or the tool declares structured output.
func promisesJSON(t *Tool) bool {
	if t.OutputSchema != nil {
		return true
	}
	s := t.Operation.Success
	return s != nil && isJSONMediaType(mediaType(s.ContentType))
}

// statusLine returns "HTTP 404 Not Found" (or "HTTP 599" for unknown
// codes).
func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("HTTP %d %s", code, text)
	}
	return fmt.Sprintf("HTTP %d", code)
}

// trimPartialRune drops an incomplete character at the end of b (left by
// truncation).
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}
