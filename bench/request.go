package bench

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
)

// Protocol versions and header names used by the driver. They are written
// out here rather than imported so that the driver checks the gateway
// against the specification, not against the library the gateway uses.
const (
	// ModernProtocolVersion is the stateless protocol revision.
	ModernProtocolVersion = "2026-07-28"
	// LegacyProtocolVersion is the newest revision with an initialize
	// handshake.
	LegacyProtocolVersion = "2025-11-25"

	headerProtocolVersion = "Mcp-Protocol-Version"
	headerMethod          = "Mcp-Method"
	headerName            = "Mcp-Name"
	headerSessionID       = "Mcp-Session-Id"

	metaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	metaClientInfo         = "io.modelcontextprotocol/clientInfo"
	metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
)

// Request is a JSON-RPC request or notification prepared once and sent any
// number of times: its method and params are encoded when it is built, and
// only the id is written per send.
type Request struct {
	// Method is the JSON-RPC method.
	Method string
	// Name is the value of the Mcp-Name header (the tool name for
	// tools/call); empty for methods that have none.
	Name string
	// Notification is true when the message has no id and expects 202.
	Notification bool
	// tail is the encoded message after the id: `,"method":…,"params":…}`,
	// or the whole message for a notification.
	tail []byte
}

// newRequest encodes method and params. meta, when not nil, is added to
// params as _meta (params itself is not modified).
func newRequest(method, name string, params map[string]any, meta map[string]any, notification bool) (*Request, error) {
	p := maps.Clone(params)
	if meta != nil {
		if p == nil {
			p = map[string]any{}
		}
		p["_meta"] = meta
	}
	msg := struct {
		JSONRPC string         `json:"jsonrpc,omitempty"`
		Method  string         `json:"method"`
		Params  map[string]any `json:"params,omitempty"`
	}{Method: method, Params: p}
	if notification {
		msg.JSONRPC = "2.0"
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", method, err)
	}
	r := &Request{Method: method, Name: name, Notification: notification}
	if notification {
		r.tail = b
		return r, nil
	}
	// b is {"method":…}; the id goes in front of it.
	r.tail = append([]byte{','}, b[1:]...)
	return r, nil
}

// body returns the message to send with the given id.
func (r *Request) body(id int64) []byte {
	if r.Notification {
		return r.tail
	}
	b := make([]byte, 0, len(r.tail)+32)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = strconv.AppendInt(b, id, 10)
	return append(b, r.tail...)
}
