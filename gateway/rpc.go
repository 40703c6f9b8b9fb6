package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// rpcCall is a POST body decoded once: what the gateway's stages (rate
// limit, policy pre-check, cancellation, the tools/list splice and the
// tools/call fast path) look at before dispatch. Every field that the
// gateway does not need to interpret stays raw.
type rpcCall struct {
	JSONRPC json.RawMessage `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	// RawMethod is the method as sent; Method is set from it when it is a
	// string.
	RawMethod json.RawMessage `json:"method"`
	Method    string          `json:"-"`
	Params    struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Meta      json.RawMessage `json:"_meta"`
		Cursor    json.RawMessage `json:"cursor"`
		Task      json.RawMessage `json:"task"`
	} `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	// hasCursor is set for paginated list requests.
	hasCursor bool
	// shapeOK is false when params did not decode into the fields above
	// (params of another shape); only mcp-go then interprets the message.
	shapeOK bool
}

// rpcProblem is a JSON-RPC message the gateway refuses before dispatch.
type rpcProblem struct {
	code int
	msg  string
	// id is the raw id to echo, nil for null.
	id json.RawMessage
}

// parseCall decodes a POST body that is one JSON-RPC message and applies
// the JSON-RPC rules mcp-go does not enforce, so that every client gets
// the same clear answer:
//   - a body that is not JSON: -32700;
//   - a batch (JSON-RPC batches were removed from MCP), or JSON that is not
//     an object: -32600;
//   - a method that is not a string: -32600;
//   - a request (a message with a method and an id) whose id is null, or
//     not a string or an integer: -32600. A notification (notifications/*)
//     with a null id is treated as a notification, as mcp-go does.
//
// Messages that pass are returned decoded; their params may have a shape
// the gateway does not interpret (shapeOK false), which mcp-go answers.
func parseCall(body []byte) ([]rpcCall, *rpcProblem) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 {
		return nil, &rpcProblem{code: rpcParseError, msg: "parse error: the request body is empty; send one JSON-RPC message"}
	}
	switch b[0] {
	case '{':
	case '[':
		if !json.Valid(b) {
			return nil, &rpcProblem{code: rpcParseError, msg: "parse error: the request body is not valid JSON"}
		}
		return nil, &rpcProblem{code: rpcInvalidRequest, msg: "invalid request: JSON-RPC batches are not supported by MCP; send one message per request"}
	default:
		if !json.Valid(b) {
			return nil, &rpcProblem{code: rpcParseError, msg: "parse error: the request body is not valid JSON"}
		}
		return nil, &rpcProblem{code: rpcInvalidRequest, msg: "invalid request: a JSON-RPC message must be a JSON object"}
	}
	calls := make([]rpcCall, 1)
	c := &calls[0]
	c.shapeOK = true
	if err := json.Unmarshal(b, c); err != nil {
		var ute *json.UnmarshalTypeError
		if !errors.As(err, &ute) {
			return nil, &rpcProblem{code: rpcParseError, msg: "parse error: the request body is not valid JSON"}
		}
		// A field of another type than the gateway expects (params that
		// are not an object, a name that is not a string, ...): decode
		// the envelope alone and let mcp-go judge the params.
		var env struct {
			JSONRPC json.RawMessage `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Method  json.RawMessage `json:"method"`
			Result  json.RawMessage `json:"result"`
			Error   json.RawMessage `json:"error"`
		}
		if json.Unmarshal(b, &env) != nil {
			return nil, &rpcProblem{code: rpcParseError, msg: "parse error: the request body is not valid JSON"}
		}
		*c = rpcCall{JSONRPC: env.JSONRPC, ID: env.ID, RawMethod: env.Method, Result: env.Result, Error: env.Error}
	}
	if len(c.RawMethod) == 0 && len(c.Result) == 0 && len(c.Error) == 0 {
		return nil, &rpcProblem{code: rpcInvalidRequest, msg: `invalid request: a JSON-RPC message needs a "method" (a request or notification), or a "result" or "error" (a response)`, id: validIDOrNil(c.ID)}
	}
	if len(c.RawMethod) > 0 {
		if c.RawMethod[0] != '"' {
			return nil, &rpcProblem{code: rpcInvalidRequest, msg: `invalid request: "method" must be a string`, id: validIDOrNil(c.ID)}
		}
		if json.Unmarshal(c.RawMethod, &c.Method) != nil {
			return nil, &rpcProblem{code: rpcInvalidRequest, msg: `invalid request: "method" must be a string`, id: validIDOrNil(c.ID)}
		}
		if len(c.ID) > 0 {
			if isNull(c.ID) && !strings.HasPrefix(c.Method, "notifications/") {
				return nil, &rpcProblem{code: rpcInvalidRequest, msg: `invalid request: "id" must not be null (a request needs a string or integer id; a notification has no "id" member)`}
			}
			if !isNull(c.ID) && !validID(c.ID) {
				return nil, &rpcProblem{code: rpcInvalidRequest, msg: `invalid request: "id" must be a string or an integer, not ` + string(truncateBytes(c.ID, 40))}
			}
		}
	}
	if string(c.JSONRPC) != `"2.0"` {
		return nil, &rpcProblem{code: rpcInvalidRequest, msg: `invalid request: "jsonrpc" must be "2.0"`, id: validIDOrNil(c.ID)}
	}
	cur := c.Params.Cursor
	c.hasCursor = len(cur) > 0 && !isNull(cur)
	return calls, nil
}

// isNull reports whether raw is the JSON literal null.
func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// validID reports whether raw is a JSON string or a JSON integer (no
// fraction, no exponent), the id types MCP allows.
func validID(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	if raw[0] == '"' {
		return true // the decoder already checked it is a valid string
	}
	i := 0
	if raw[0] == '-' {
		i++
	}
	if i == len(raw) {
		return false
	}
	for ; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return false
		}
	}
	return true
}

// validIDOrNil returns raw when it is a valid id, else nil (null).
func validIDOrNil(raw json.RawMessage) json.RawMessage {
	if validID(raw) {
		return raw
	}
	return nil
}

// canonicalID reports whether mcp-go, which decodes an id into a Go value
// and encodes it again, echoes raw byte for byte: integers within ±2^53
// and strings that encoding/json writes the same way. Other ids are
// swapped for a placeholder on mcp-go's path (see [idEcho]).
func canonicalID(raw json.RawMessage) bool {
	if raw[0] != '"' {
		digits := len(raw)
		if raw[0] == '-' {
			digits--
		}
		if digits < 16 {
			return true
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		return err == nil && n <= 1<<53 && n >= -(1<<53) && string(raw) != "-0"
	}
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' || c < 0x20 || c >= 0x80 || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// truncateBytes returns at most n bytes of b.
func truncateBytes(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return append(append([]byte(nil), b[:n]...), "..."...)
}

// toolCalls returns the names of the tools called by the message(s).
func toolCalls(calls []rpcCall) []string {
	var names []string
	for _, c := range calls {
		if c.Method == "tools/call" {
			names = append(names, c.Params.Name)
		}
	}
	return names
}

// writeRPCError writes a JSON-RPC error response without an id, as the
// transport spec allows for requests refused before dispatch.
func writeRPCError(w http.ResponseWriter, status, code int, msg string) {
	writeRPCErrorID(w, status, code, msg, nil)
}

// writeRPCErrorID writes a JSON-RPC error response echoing the raw id (nil:
// null).
func writeRPCErrorID(w http.ResponseWriter, status, code int, msg string, id json.RawMessage) {
	if id == nil {
		id = json.RawMessage("null")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg}})
}

// isJSONMediaType reports whether a Content-Type is application/json,
// parameters (charset) allowed, as mcp-go accepts it.
func isJSONMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// isSupportedVersion reports whether an Mcp-Protocol-Version header is one
// mcp-go implements. Versions from 2026-07-28 on, and the header of an
// initialize request (which negotiates the version itself), are left to
// mcp-go, as it does.
func isSupportedVersion(v, method string) bool {
	return mcp.IsValidProtocolVersion(v) || mcp.IsModernProtocol(v) || method == string(mcp.MethodInitialize)
}

// writeUnsupportedVersion answers an unsupported Mcp-Protocol-Version with
// 400 and the UnsupportedProtocolVersion error (-32022) listing the
// supported versions.
func writeUnsupportedVersion(w http.ResponseWriter, v string, id json.RawMessage) {
	if id == nil {
		id = json.RawMessage("null")
	}
	type data struct {
		Supported []string `json:"supported"`
		Requested string   `json:"requested"`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Data    data   `json:"data"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    data   `json:"data"`
	}{mcp.UNSUPPORTED_PROTOCOL_VERSION, fmt.Sprintf("unsupported protocol version %q (Mcp-Protocol-Version); supported: %s", v, strings.Join(mcp.ValidProtocolVersions, ", ")),
		data{Supported: mcp.ValidProtocolVersions, Requested: v}}})
}

// JSON-RPC error codes used by the gateway before dispatch.
const (
	rpcInvalidRequest = -32600
	rpcParseError     = -32700
	rpcInternalError  = -32603
)
