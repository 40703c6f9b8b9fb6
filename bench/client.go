package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

// Era is an MCP protocol era.
type Era int

// Protocol eras.
const (
	// EraModern sends stateless 2026-07-28 requests: the protocol version,
	// client info and capabilities in every request's _meta, and the
	// Mcp-Protocol-Version, Mcp-Method and Mcp-Name headers.
	EraModern Era = iota + 1
	// EraLegacy performs the initialize handshake once, then sends requests
	// with the negotiated Mcp-Protocol-Version (and Mcp-Session-Id when the
	// server minted one).
	EraLegacy
)

// String returns "modern" or "legacy".
func (e Era) String() string {
	switch e {
	case EraModern:
		return "modern"
	case EraLegacy:
		return "legacy"
	}
	return fmt.Sprintf("Era(%d)", int(e))
}

// ParseEra parses "modern" or "legacy".
func ParseEra(s string) (Era, error) {
	switch s {
	case "modern":
		return EraModern, nil
	case "legacy":
		return EraLegacy, nil
	}
	return 0, fmt.Errorf("unknown protocol era %q (want modern or legacy)", s)
}

// DefaultMaxBody is the default bound on a response body (tools/list of a
// very large API is tens of megabytes).
const DefaultMaxBody = 256 << 20

// ClientOptions configures a [Client]. A nil *ClientOptions means all
// defaults.
type ClientOptions struct {
	// HTTPClient sends the requests. Nil means a new keep-alive client
	// from [NewHTTPClient] sized for 64 connections.
	HTTPClient *http.Client
	// Era is the protocol era. Zero means [EraModern].
	Era Era
	// Header is added to every request (e.g. Authorization). Nil adds
	// nothing.
	Header http.Header
	// MaxBody bounds every response body. Zero means [DefaultMaxBody].
	MaxBody int64
}

// Client is a minimal MCP Streamable HTTP client for one endpoint. It is
// safe for concurrent use once [Client.Initialize] has returned.
type Client struct {
	endpoint string
	http     *http.Client
	era      Era
	header   http.Header
	maxBody  int64
	nextID   atomic.Int64
	// version is the protocol version sent in the header; for the legacy
	// era it is the negotiated one.
	version   string
	sessionID string
}

// NewClient returns a client for the MCP endpoint URL.
func NewClient(endpoint string, opts *ClientOptions) *Client {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.HTTPClient == nil {
		o.HTTPClient = NewHTTPClient(64)
	}
	if o.Era == 0 {
		o.Era = EraModern
	}
	if o.MaxBody == 0 {
		o.MaxBody = DefaultMaxBody
	}
	c := &Client{endpoint: endpoint, http: o.HTTPClient, era: o.Era, header: o.Header.Clone(), maxBody: o.MaxBody}
	c.version = ModernProtocolVersion
	if c.era == EraLegacy {
		c.version = LegacyProtocolVersion
	}
	return c
}

// NewHTTPClient returns a keep-alive HTTP client that keeps up to conns
// idle connections per host, so that a closed-loop load of conns workers
// reuses its connections instead of opening new ones.
func NewHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * conns
	t.MaxIdleConnsPerHost = conns
	t.DisableCompression = true
	t.Proxy = nil
	return &http.Client{Transport: t}
}

// Era returns the client's protocol era.
func (c *Client) Era() Era { return c.era }

// ProtocolVersion returns the version sent in Mcp-Protocol-Version: the
// modern version, or the one negotiated by [Client.Initialize].
func (c *Client) ProtocolVersion() string { return c.version }

// Initialize performs the legacy handshake (initialize, then
// notifications/initialized) and records the negotiated version and session
// ID. It does nothing for the modern era, which has no handshake.
func (c *Client) Initialize(ctx context.Context) error {
	if c.era != EraLegacy {
		return nil
	}
	req, err := newRequest("initialize", "", map[string]any{
		"protocolVersion": LegacyProtocolVersion,
		"capabilities":    map[string]any{},
		"clientInfo":      clientInfo(),
	}, nil, false)
	if err != nil {
		return err
	}
	result, resp, err := c.call(ctx, req)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	var ir struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if err := json.Unmarshal(result, &ir); err != nil {
		return fmt.Errorf("decode initialize result: %w", err)
	}
	if ir.ProtocolVersion == "" {
		return fmt.Errorf("initialize result has no protocolVersion")
	}
	c.version = ir.ProtocolVersion
	c.sessionID = resp.SessionID
	note, err := newRequest("notifications/initialized", "", nil, nil, true)
	if err != nil {
		return err
	}
	nresp, err := c.Do(ctx, note)
	if err != nil {
		return fmt.Errorf("send notifications/initialized: %w", err)
	}
	if nresp.Status != http.StatusAccepted {
		return fmt.Errorf("notifications/initialized: %w", nresp.statusError())
	}
	return nil
}

// NewRequest prepares a request. name is the Mcp-Name header value for
// methods that have one (tools/call, resources/read, prompts/get). For the
// modern era the per-request _meta is added to params.
func (c *Client) NewRequest(method, name string, params map[string]any) (*Request, error) {
	var meta map[string]any
	if c.era == EraModern {
		meta = map[string]any{
			metaProtocolVersion:    ModernProtocolVersion,
			metaClientInfo:         clientInfo(),
			metaClientCapabilities: map[string]any{},
		}
	}
	return newRequest(method, name, params, meta, false)
}

// NewToolCall prepares a tools/call request for tool with arguments args.
func (c *Client) NewToolCall(tool string, args map[string]any) (*Request, error) {
	return c.NewRequest("tools/call", tool, map[string]any{"name": tool, "arguments": args})
}

// Do sends req once and reads the whole response body. It fails only on
// transport errors and oversized bodies; see [Response.Decode] for the
// message.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	id := int64(0)
	if !req.Notification {
		id = c.nextID.Add(1)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(req.body(id)))
	if err != nil {
		return nil, fmt.Errorf("build %s request: %w", req.Method, err)
	}
	for k, v := range c.header {
		hr.Header[k] = v
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json, text/event-stream")
	hr.Header.Set(headerProtocolVersion, c.version)
	if c.era == EraModern {
		hr.Header.Set(headerMethod, req.Method)
		if req.Name != "" {
			hr.Header.Set(headerName, req.Name)
		}
	}
	if c.sessionID != "" {
		hr.Header.Set(headerSessionID, c.sessionID)
	}
	hresp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", req.Method, err)
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read %s response: %w", req.Method, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("read %s response: body exceeds %d bytes", req.Method, c.maxBody)
	}
	return &Response{
		Status:      hresp.StatusCode,
		ContentType: mediaType(hresp.Header.Get("Content-Type")),
		SessionID:   hresp.Header.Get(headerSessionID),
		Body:        body,
		id:          id,
	}, nil
}

// Call sends req and returns its result. JSON-RPC errors are
// [*RPCError]s, other non-results [*StatusError]s, and for tools/call a
// result with isError set is a [*ToolError].
func (c *Client) Call(ctx context.Context, req *Request) (json.RawMessage, error) {
	result, _, err := c.call(ctx, req)
	return result, err
}

func (c *Client) call(ctx context.Context, req *Request) (json.RawMessage, *Response, error) {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	msg, err := resp.Decode()
	if err != nil {
		return nil, resp, fmt.Errorf("%s: %w", req.Method, err)
	}
	if req.Method == "tools/call" {
		if err := checkToolResult(msg.Result); err != nil {
			return nil, resp, fmt.Errorf("tools/call %s: %w", req.Name, err)
		}
	}
	return msg.Result, resp, nil
}

// clientInfo is the Implementation the driver reports.
func clientInfo() map[string]any {
	return map[string]any{"name": "rest2mcp-loadgen", "version": "1"}
}
