package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strconv"
)

// Response is one HTTP exchange with an MCP endpoint, body fully read.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// ContentType is the media type of the body without parameters.
	ContentType string
	// SessionID is the Mcp-Session-Id response header, if any.
	SessionID string
	// Body is the raw response body.
	Body []byte
	// id is the JSON-RPC id the request was sent with (0 for
	// notifications).
	id int64
}

// Message is a decoded JSON-RPC response.
type Message struct {
	// ID is the raw id.
	ID json.RawMessage `json:"id"`
	// Result is the raw result; nil when Error is set.
	Result json.RawMessage `json:"result"`
	// Error is the JSON-RPC error, if any.
	Error *RPCError `json:"error"`
}

// RPCError is a JSON-RPC error answer, together with the HTTP status it
// came with.
type RPCError struct {
	// Code is the JSON-RPC error code.
	Code int `json:"code"`
	// Message is the error message.
	Message string `json:"message"`
	// Status is the HTTP status of the response that carried the error.
	Status int `json:"-"`
}

// Error implements error.
func (e *RPCError) Error() string {
	return fmt.Sprintf("json-rpc error %d (http %d): %s", e.Code, e.Status, e.Message)
}

// StatusError is an HTTP answer that carries no JSON-RPC message.
type StatusError struct {
	// Status is the HTTP status code.
	Status int
	// Body is the start of the response body.
	Body string
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("http status %d: %q", e.Status, e.Body)
}

// ToolError is a tools/call result with isError set.
type ToolError struct {
	// Text is the concatenated text content of the result.
	Text string
}

// Error implements error.
func (e *ToolError) Error() string {
	return "tool error: " + e.Text
}

// errNoResponse means a body held no JSON-RPC response for the request.
var errNoResponse = errors.New("no json-rpc response in body")

// maxErrorBody bounds how much of a body goes into a [StatusError].
const maxErrorBody = 256

// Decode returns the JSON-RPC response carried by the body, which is either
// application/json or a text/event-stream whose events may also carry
// notifications before the response. A JSON-RPC error answer is returned
// as an [*RPCError]; a body with neither is a [*StatusError].
func (r *Response) Decode() (*Message, error) {
	var (
		msg *Message
		err error
	)
	switch r.ContentType {
	case "application/json":
		msg, err = decodeJSON(r.Body)
	case "text/event-stream":
		msg, err = decodeSSE(r.Body, r.id)
	default:
		err = fmt.Errorf("unexpected content type %q", r.ContentType)
	}
	if err != nil {
		return nil, errors.Join(r.statusError(), err)
	}
	if msg.Error != nil {
		msg.Error.Status = r.Status
		return nil, msg.Error
	}
	if r.Status != 200 {
		return nil, r.statusError()
	}
	if msg.Result == nil {
		return nil, errors.Join(r.statusError(), errNoResponse)
	}
	return msg, nil
}

// statusError describes the response as a [*StatusError].
func (r *Response) statusError() *StatusError {
	b := r.Body
	if len(b) > maxErrorBody {
		b = b[:maxErrorBody]
	}
	return &StatusError{Status: r.Status, Body: string(b)}
}

func decodeJSON(b []byte) (*Message, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode json-rpc response: %w", err)
	}
	if m.Result == nil && m.Error == nil {
		return nil, errNoResponse
	}
	return &m, nil
}

// decodeSSE scans the events of a text/event-stream body for the response
// whose id is id, skipping notifications and other messages.
func decodeSSE(b []byte, id int64) (*Message, error) {
	want := strconv.FormatInt(id, 10)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), len(b)+1)
	var data bytes.Buffer
	flush := func() (*Message, bool) {
		defer data.Reset()
		if data.Len() == 0 {
			return nil, false
		}
		var m Message
		if json.Unmarshal(data.Bytes(), &m) != nil || (m.Result == nil && m.Error == nil) {
			return nil, false
		}
		if string(bytes.Trim(m.ID, `"`)) != want {
			return nil, false
		}
		return &m, true
	}
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if m, ok := flush(); ok {
				return m, nil
			}
		case bytes.HasPrefix(line, []byte("data:")):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.Write(bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" ")))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read event stream: %w", err)
	}
	if m, ok := flush(); ok {
		return m, nil
	}
	return nil, errNoResponse
}

// mediaType returns the media type of a Content-Type value, or the value
// itself when it does not parse.
func mediaType(v string) string {
	t, _, err := mime.ParseMediaType(v)
	if err != nil {
		return v
	}
	return t
}

// toolResult is the part of a CallToolResult the driver looks at.
type toolResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
}

// checkToolResult returns a [*ToolError] when result has isError set.
func checkToolResult(result json.RawMessage) error {
	var tr toolResult
	if err := json.Unmarshal(result, &tr); err != nil {
		return fmt.Errorf("decode tool result: %w", err)
	}
	if !tr.IsError {
		return nil
	}
	var text bytes.Buffer
	for _, c := range tr.Content {
		if c.Type == "text" {
			text.WriteString(c.Text)
		}
	}
	return &ToolError{Text: text.String()}
}
