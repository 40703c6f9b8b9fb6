package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// rpcCall is the part of a JSON-RPC message the gateway looks at before
// dispatch: the method and, for tools/call, the tool name.
type rpcCall struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Name   string          `json:"name"`
		Cursor json.RawMessage `json:"cursor"`
	} `json:"params"`
	// hasCursor is set for paginated list requests.
	hasCursor bool
}

// peekCalls decodes the JSON-RPC message(s) of a POST body. It returns nil
// when the body is not valid JSON-RPC; mcp-go then answers with the proper
// parse or invalid-request error.
func peekCalls(body []byte) []rpcCall {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil
	}
	var calls []rpcCall
	if b[0] == '[' {
		if json.Unmarshal(b, &calls) != nil {
			return nil
		}
	} else {
		var one rpcCall
		if json.Unmarshal(b, &one) != nil {
			return nil
		}
		calls = []rpcCall{one}
	}
	for i := range calls {
		c := calls[i].Params.Cursor
		calls[i].hasCursor = len(c) > 0 && string(c) != "null"
	}
	return calls
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
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"jsonrpc": "2.0",
		"id":      nil,
		"error":   map[string]any{"code": code, "message": msg},
	})
}

// JSON-RPC error codes used by the gateway before dispatch.
const (
	rpcInvalidRequest = -32600
	rpcParseError     = -32700
)
