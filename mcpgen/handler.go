package mcpgen

import (
	"bytes"
	"context"
	"encoding/json"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Handler returns the mcp-go handler for t. It reads the call's arguments
// (decoding the raw JSON with exact numbers when available, so large
// integer IDs keep every digit), runs [Invoker.Call] and always returns
// the result with a nil error: mcp-go would turn an error into a JSON-RPC
// internal error carrying its text. Headers of the MCP request are never
// read, so none of them (the caller's token included) reach the upstream.
// Cancelling ctx cancels the upstream request.
func (inv *Invoker) Handler(t *Tool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var res *Result
		if args, ok := callArguments(req); ok {
			res = inv.Invoke(ctx, t, args)
		} else {
			res = errorResult(0, argErrorf("arguments", "must be a JSON object"), "invalid arguments: the arguments must be a JSON object")
			if inv.onResult != nil {
				inv.onResult(ctx, t, res)
			}
		}
		return res.MCP, nil
	}
}

// Invoke is what the handler of [Invoker.Handler] does with decoded
// arguments: [Invoker.Call], then the OnResult hook. Callers that decode
// MCP requests themselves (the gateway's tools/call fast path) use it
// directly, so that both paths give the same result.
func (inv *Invoker) Invoke(ctx context.Context, t *Tool, args map[string]any) *Result {
	res := inv.Call(ctx, t, args)
	if inv.onResult != nil {
		inv.onResult(ctx, t, res)
	}
	return res
}

// callArguments returns the arguments object of a call. Absent or null
// arguments are an empty object.
func callArguments(req mcp.CallToolRequest) (map[string]any, bool) {
	if len(req.Params.RawArguments) > 0 {
		return DecodeArguments(req.Params.RawArguments)
	}
	switch a := req.Params.Arguments.(type) {
	case nil:
		return map[string]any{}, true
	case map[string]any:
		return a, true
	case json.RawMessage:
		return DecodeArguments(a)
	}
	return nil, false
}

// DecodeArguments decodes a JSON arguments object, keeping numbers as
// json.Number; it reports false for anything but one JSON object (null
// gives an empty object).
func DecodeArguments(raw []byte) (map[string]any, bool) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, false
	}
	args := make(map[string]any, len(members))
	for k, v := range members {
		val, ok := decodeValue(v)
		if !ok {
			return nil, false
		}
		args[k] = val
	}
	return args, true
}

// decodeValue decodes one JSON value the way a json.Decoder with
// UseNumber does, without one for scalars: numbers as json.Number, plain
// strings sliced out. Objects, arrays and strings with escapes or
// non-ASCII bytes take the decoder.
func decodeValue(v json.RawMessage) (any, bool) {
	switch c := v[0]; {
	case c == '"':
		plain := true
		for _, b := range v[1 : len(v)-1] {
			if b == '\\' || b >= utf8.RuneSelf {
				plain = false
				break
			}
		}
		if plain {
			return string(v[1 : len(v)-1]), true
		}
	case c == '-' || c >= '0' && c <= '9':
		return json.Number(v), true
	case c == 't':
		return true, true
	case c == 'f':
		return false, true
	case c == 'n':
		return nil, true
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, false
	}
	return out, true
}
