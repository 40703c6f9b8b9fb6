package mcpgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Invoker defaults.
const (
	// DefaultTimeout bounds one tool call (credentials, request and
	// response body) when [InvokerOptions.Timeout] is zero.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResponseBytes bounds the part of an upstream response that
	// is returned to the model when [InvokerOptions.MaxResponseBytes] is
	// zero.
	DefaultMaxResponseBytes = 1 << 20
	// DefaultUserAgent is sent upstream when [InvokerOptions.UserAgent] is
	// empty.
	DefaultUserAgent = "rest2mcp"
)

// InvokerOptions configures an [Invoker]. Only Client is required.
type InvokerOptions struct {
	// BaseURL, when set, is the upstream base URL for every operation,
	// overriding the servers of the document and of the operations. It
	// must be an absolute http(s) URL without user information, query or
	// fragment. Operation paths are appended to its path.
	BaseURL string
	// Servers are the document-level servers (openapi.Document.Servers).
	// Without BaseURL, an operation's own first server is used, else the
	// first of these; its variables take ServerVariables values, else
	// their defaults. With no servers at all, OpenAPI's implied server "/"
	// is resolved against SpecURL.
	Servers []openapi.Server
	// ServerVariables overrides server variable defaults by name. A value
	// must be one of the variable's enum, when it has one.
	ServerVariables map[string]string
	// SpecURL is the URL the document was loaded from. Relative server
	// URLs are resolved against it; when it is empty they are rejected.
	SpecURL string
	// Schemas are the document's named schemas (openapi.Document.Schemas),
	// used to resolve "#/$defs/<name>" references when checking argument
	// types and choosing multipart part types. Nil leaves referenced
	// schemas unresolved (arguments are then serialised by their shape).
	Schemas map[string]openapi.Schema
	// Client sends upstream requests. It is required. The invoker uses a
	// copy whose CheckRedirect refuses to follow redirects to another
	// scheme or host (the 3xx response is returned as an error result)
	// and otherwise defers to the client's own CheckRedirect.
	Client *http.Client
	// Timeout bounds each call, from credentials to the last byte of the
	// response. Zero means [DefaultTimeout].
	Timeout time.Duration
	// MaxResponseBytes bounds the response body returned to the model;
	// longer bodies are truncated with a note. Zero means
	// [DefaultMaxResponseBytes].
	MaxResponseBytes int64
	// Credentials, when set, applies downstream credentials to each
	// request after it is built and before it is sent (it may set headers,
	// add cookies with req.AddCookie, or add query parameters). They are
	// set on the first request only: same-origin redirects carry the
	// headers along, cross-origin redirects are not followed. A returned
	// *[CredentialError] is shown to the user; any other error is logged
	// and replaced by a generic message.
	Credentials func(ctx context.Context, req *http.Request, t *Tool) error
	// Authorize, when set, is a defence-in-depth policy check run before
	// anything else; an error refuses the call with "forbidden: <error>",
	// so its message must be safe to show.
	Authorize func(ctx context.Context, t *Tool) error
	// DenyHeaders adds header names (case-insensitive) that header
	// parameters may never set, on top of the built-in list (hop-by-hop
	// headers, Host, Content-Length, Authorization, Cookie, Proxy-*,
	// Forwarded, X-Forwarded-*, ...).
	DenyHeaders []string
	// Logger receives per-call Debug records and Warn/Error records for
	// failures operators should see. Nil discards.
	Logger *slog.Logger
	// UserAgent is the User-Agent sent upstream. Empty means
	// [DefaultUserAgent].
	UserAgent string
	// OnResult, when set, is called by [Invoker.Handler] with the result of
	// every call (for metrics and audit). It must not modify the result.
	OnResult func(ctx context.Context, t *Tool, r *Result)
}

// Invoker turns tool calls into upstream HTTP requests and their responses
// into MCP tool results. It is safe for concurrent use. An Invoker belongs
// to one loaded document (one API snapshot): it caches the resolved
// servers of that document's operations.
type Invoker struct {
	override    *upstreamBase
	docBase     upstreamBase
	vars        map[string]string
	specURL     *url.URL
	schemas     map[string]openapi.Schema
	client      *http.Client
	timeout     time.Duration
	maxResponse int64
	credentials func(ctx context.Context, req *http.Request, t *Tool) error
	authorize   func(ctx context.Context, t *Tool) error
	denyHeaders map[string]bool
	logger      *slog.Logger
	userAgent   string
	onResult    func(ctx context.Context, t *Tool, r *Result)
	// validators caches compiled input schemas (*Tool → *argValidator).
	validators sync.Map
	// opBases caches the resolved base of operations that have their own
	// servers (*openapi.Operation → opBase).
	opBases sync.Map
}

// opBase is a cached per-operation server resolution.
type opBase struct {
	base upstreamBase
	err  error
}

// NewInvoker validates opts and returns an Invoker. It fails when Client is
// nil, a duration or size is negative, or no valid upstream base URL can be
// derived from BaseURL, Servers and SpecURL.
func NewInvoker(opts InvokerOptions) (*Invoker, error) {
	if opts.Client == nil {
		return nil, errors.New("new invoker: http client is required")
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("new invoker: negative timeout %s", opts.Timeout)
	}
	if opts.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("new invoker: negative max response bytes %d", opts.MaxResponseBytes)
	}
	inv := &Invoker{
		vars:        opts.ServerVariables,
		schemas:     opts.Schemas,
		timeout:     opts.Timeout,
		maxResponse: opts.MaxResponseBytes,
		credentials: opts.Credentials,
		authorize:   opts.Authorize,
		denyHeaders: make(map[string]bool, len(opts.DenyHeaders)),
		logger:      opts.Logger,
		userAgent:   opts.UserAgent,
		onResult:    opts.OnResult,
	}
	if inv.timeout == 0 {
		inv.timeout = DefaultTimeout
	}
	if inv.maxResponse == 0 {
		inv.maxResponse = DefaultMaxResponseBytes
	}
	if inv.logger == nil {
		inv.logger = slog.New(slog.DiscardHandler)
	}
	inv.logger = inv.logger.With("component", "mcpgen")
	if inv.userAgent == "" {
		inv.userAgent = DefaultUserAgent
	}
	for _, h := range opts.DenyHeaders {
		inv.denyHeaders[strings.ToLower(h)] = true
	}
	if opts.SpecURL != "" {
		u, err := url.Parse(opts.SpecURL)
		if err != nil || !u.IsAbs() {
			return nil, fmt.Errorf("new invoker: spec URL %q must be an absolute URL", opts.SpecURL)
		}
		inv.specURL = u
	}
	if opts.BaseURL != "" {
		b, err := parseBaseURL(opts.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("new invoker: %w", err)
		}
		inv.override = &b
	} else {
		b, err := resolveServers(opts.Servers, opts.ServerVariables, inv.specURL)
		if err != nil {
			return nil, fmt.Errorf("new invoker: %w", err)
		}
		inv.docBase = b
	}
	client := *opts.Client
	client.CheckRedirect = sameOriginRedirects(opts.Client.CheckRedirect)
	inv.client = &client
	return inv, nil
}

// sameOriginRedirects wraps a CheckRedirect policy so that redirects to
// another scheme or host are not followed: headers set by the credentials
// hook (API keys in custom headers included) never reach another origin.
func sameOriginRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// baseFor returns the upstream base for an operation.
func (inv *Invoker) baseFor(op *openapi.Operation) (upstreamBase, error) {
	if inv.override != nil {
		return *inv.override, nil
	}
	if len(op.Servers) == 0 {
		return inv.docBase, nil
	}
	if v, ok := inv.opBases.Load(op); ok {
		ob := v.(opBase)
		return ob.base, ob.err
	}
	b, err := resolveServers(op.Servers, inv.vars, inv.specURL)
	if err != nil {
		err = fmt.Errorf("operation servers: %w", err)
	}
	inv.opBases.Store(op, opBase{base: b, err: err})
	return b, err
}

// Result is the outcome of one tool call: the MCP result plus what callers
// (audit, metrics, logs) need to know about it.
type Result struct {
	// MCP is the tool result for the client; never nil.
	MCP *mcp.CallToolResult
	// Status is the upstream HTTP status, or 0 when no response arrived.
	Status int
	// Err is the cause when MCP.IsError is set: an *[ArgumentError] (or
	// several joined), *[ForbiddenError], *[CredentialError],
	// *[UpstreamError], *[TransportError], or an internal error. It is nil
	// on success.
	Err error
	// Duration is the wall time of the whole call.
	Duration time.Duration
}

// errorResult builds an isError result with a user-safe message.
func errorResult(status int, cause error, message string) *Result {
	return &Result{MCP: mcp.NewToolResultError(message), Status: status, Err: cause}
}

// Call authorises the call, builds the upstream request from args, applies
// credentials, sends it within the invoker timeout and maps the response
// to a tool result (see [Invoker.mapResponse] for the mapping). It never
// returns nil and never fails with a Go error: every failure becomes an
// isError result with a short, safe message, and the cause is kept in
// [Result.Err].
func (inv *Invoker) Call(ctx context.Context, t *Tool, args map[string]any) *Result {
	start := time.Now()
	res := inv.call(ctx, t, args)
	res.Duration = time.Since(start)
	if inv.logger.Enabled(ctx, slog.LevelDebug) {
		attrs := []any{"tool", toolName(t), "status", res.Status, "duration", res.Duration, "is_error", res.MCP.IsError}
		if res.Err != nil {
			attrs = append(attrs, "err", res.Err)
		}
		inv.logger.DebugContext(ctx, "tool call", attrs...)
	}
	return res
}

// toolName returns the tool's name, tolerating nil.
func toolName(t *Tool) string {
	if t == nil {
		return ""
	}
	return t.Name
}

// call does the work of [Invoker.Call].
func (inv *Invoker) call(ctx context.Context, t *Tool, args map[string]any) *Result {
	if t == nil || t.Operation == nil {
		err := errors.New("tool has no operation")
		inv.logger.ErrorContext(ctx, "invalid tool", "tool", toolName(t), "err", err)
		return errorResult(0, err, "internal error: this tool is not configured correctly")
	}
	if inv.authorize != nil {
		if err := inv.authorize(ctx, t); err != nil {
			fe := &ForbiddenError{Err: err}
			return errorResult(0, fe, fe.Error())
		}
	}
	if argErr := inv.validateArguments(ctx, t, args); argErr != nil {
		return errorResult(0, argErr, "invalid arguments: "+argErr.Message+". Fix the arguments and call the tool again.")
	}
	callCtx, cancel := context.WithTimeout(ctx, inv.timeout)
	defer cancel()

	req, err := inv.BuildRequest(callCtx, t, args)
	if err != nil {
		if msg, ok := argumentErrorMessage(err); ok {
			return errorResult(0, err, "invalid arguments: "+msg)
		}
		inv.logger.ErrorContext(ctx, "build upstream request", "tool", t.Name, "operation_id", t.Operation.ID, "err", err)
		return errorResult(0, err, "internal error: the upstream request for this tool could not be built")
	}
	if inv.credentials != nil {
		if err := inv.credentials(callCtx, req, t); err != nil {
			return inv.credentialFailure(ctx, callCtx, t, err)
		}
	}
	resp, err := inv.client.Do(req)
	if err != nil {
		return inv.transportFailure(ctx, callCtx, t, req, err)
	}
	defer resp.Body.Close()
	return inv.mapResponse(ctx, callCtx, t, req, resp)
}

// credentialFailure maps a Credentials hook error to a result.
func (inv *Invoker) credentialFailure(ctx, callCtx context.Context, t *Tool, err error) *Result {
	var ce *CredentialError
	if errors.As(err, &ce) {
		return errorResult(0, err, ce.Message)
	}
	inv.logger.WarnContext(ctx, "apply upstream credentials", "tool", t.Name, "err", err)
	if ctx.Err() == nil && errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		return errorResult(0, err, fmt.Sprintf("timed out after %s while obtaining upstream credentials", inv.timeout))
	}
	return errorResult(0, err, "could not obtain credentials for the upstream API")
}

// transportFailure maps an error from sending the request or reading the
// response body to a result. The *url.Error wrapper is dropped from the
// cause and the log: its text holds the full URL, whose query may carry
// argument values or a key added by the credentials hook.
func (inv *Invoker) transportFailure(ctx, callCtx context.Context, t *Tool, req *http.Request, err error) *Result {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := describeTransportError(ctx, callCtx, req.URL.Host, inv.timeout, err)
	te := &TransportError{Message: msg, Err: err}
	if ctx.Err() == nil {
		inv.logger.WarnContext(ctx, "upstream request", "tool", t.Name, "upstream", req.URL.Host, "err", err)
	}
	return errorResult(0, te, msg)
}

// argumentErrorMessage reports whether err consists only of argument
// errors and joins their messages.
func argumentErrorMessage(err error) (string, bool) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		var ae *ArgumentError
		if !errors.As(e, &ae) {
			return "", false
		}
		msgs = append(msgs, ae.Error())
	}
	return strings.Join(msgs, "; "), len(msgs) > 0
}
