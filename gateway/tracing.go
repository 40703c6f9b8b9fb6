package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/policies"
)

// OpenTelemetry tracing.
//
// Off by default: a nil *tracing is a valid, disabled tracer, and every
// hook below then returns what it was given, so that an untraced gateway
// pays nothing. When on, one MCP request gives this span tree:
//
//	{METHOD} {route}             server span; the incoming traceparent is its parent
//	├── auth.verify_token        bearer token verification (JWKS/introspection calls below it)
//	├── policy.decide            one per tool called (the pre-check's decision)
//	├── upstream.credentials     the credential step (token exchange calls below it)
//	│   └── {METHOD}             token endpoint request (client span)
//	└── {METHOD}                 the REST request (client span), with traceparent sent upstream
//
// Attributes are names and outcomes only: API, tool, operation id,
// decision, status codes, server host. Never tokens, claims, subjects,
// tool arguments, URLs' paths or queries (they carry arguments) or
// bodies.

// tracerName is the instrumentation scope of the gateway's spans.
const tracerName = "github.com/rest2mcp/rest2mcp/gateway"

// Span attribute keys of the gateway's own attributes.
const (
	attrAPI         = attribute.Key("rest2mcp.api")
	attrRequestID   = attribute.Key("rest2mcp.request_id")
	attrTool        = attribute.Key("rest2mcp.tool")
	attrOperationID = attribute.Key("rest2mcp.operation_id")
	attrOutcome     = attribute.Key("rest2mcp.outcome")
	attrDecision    = attribute.Key("rest2mcp.decision")
	attrAuthResult  = attribute.Key("rest2mcp.auth.result")
	attrMCPMethod   = attribute.Key("mcp.method.name")
)

// tracing holds the tracer of a gateway; nil means tracing is off.
type tracing struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	// shutdown flushes and stops the provider the gateway built; nil when
	// the provider was given in [Options].
	shutdown func(context.Context) error
}

// tracingEnabled reports whether the configuration or the standard
// OTEL_* variables turn tracing on.
func tracingEnabled(cfg *config.Config, getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	if cfg.Tracing != nil {
		return true
	}
	switch strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")) {
	case "otlp":
		return true
	case "none":
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// newTracing returns the gateway's tracing: over tp when given (tests,
// embedders), else over an SDK provider exporting by OTLP/HTTP when the
// configuration or the environment turns tracing on, else nil (off).
func newTracing(ctx context.Context, cfg *config.Config, tp trace.TracerProvider, version string, getenv func(string) string) (*tracing, error) {
	t := &tracing{prop: propagation.TraceContext{}}
	if tp != nil {
		t.tracer = tp.Tracer(tracerName, trace.WithInstrumentationVersion(version))
		return t, nil
	}
	if !tracingEnabled(cfg, getenv) {
		return nil, nil
	}
	tc := cfg.Tracing
	if tc == nil {
		tc = &config.Tracing{}
	}
	var eopts []otlptracehttp.Option
	if tc.Endpoint != "" {
		eopts = append(eopts, otlptracehttp.WithEndpointURL(tc.Endpoint))
	}
	exp, err := otlptracehttp.New(ctx, eopts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	name := tc.ServiceName
	if name == "" {
		name = "rest2mcp"
	}
	// Later detectors win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the configuration.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", name), attribute.String("service.version", version)),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	popts := []sdktrace.TracerProviderOption{sdktrace.WithBatcher(exp), sdktrace.WithResource(res)}
	if tc.SampleRatio != nil {
		popts = append(popts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(*tc.SampleRatio))))
	}
	sdk := sdktrace.NewTracerProvider(popts...)
	t.tracer = sdk.Tracer(tracerName, trace.WithInstrumentationVersion(version))
	t.shutdown = sdk.Shutdown
	return t, nil
}

// close flushes the spans of a provider the gateway built.
func (t *tracing) close(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	return t.shutdown(ctx)
}

// untracedPaths are the routes not worth a span (probes, scrapes).
var untracedPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// traceRequest is the echo middleware starting the server span of each
// request, as the child of the request's W3C traceparent.
func (g *Gateway) traceRequest(next echo.HandlerFunc) echo.HandlerFunc {
	if g.tracing == nil {
		return next
	}
	return func(c echo.Context) error {
		route := c.Path()
		if untracedPaths[route] {
			return next(c)
		}
		req, end := g.startServerSpan(c.Request(), route, c.Param("api"))
		c.SetRequest(req)
		ended := false
		defer func() {
			if !ended { // a panic, answered 500 by the recover middleware
				end(http.StatusInternalServerError)
			}
		}()
		err := next(c)
		if err != nil {
			// Answered by the error handler now, so that the span has
			// the status; the access log middleware, inside this one,
			// has already logged it.
			c.Error(err)
		}
		ended = true
		end(c.Response().Status)
		return nil
	}
}

// startServerSpan starts the server span of r for route (the route
// pattern, e.g. /mcp/:api), the child of r's traceparent, and returns r
// with the span in its context and the function that ends the span with
// the response status. api names the API when it is a served one. With
// tracing off it returns r and a no-op. Any handler serving requests
// outside echo (a fast route for /mcp/<api>) calls it after putting the
// request id in the context.
func (g *Gateway) startServerSpan(r *http.Request, route, api string) (*http.Request, func(status int)) {
	t := g.tracing
	if t == nil {
		return r, func(int) {}
	}
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	method := methodLabel(r.Method)
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", method),
		attribute.String("http.route", route),
		attrRequestID.String(RequestIDFrom(ctx)),
	}
	if _, ok := g.apis[api]; ok {
		attrs = append(attrs, attrAPI.String(api))
	}
	ctx, span := t.tracer.Start(ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	return r.WithContext(ctx), func(status int) {
		if status == 0 {
			status = http.StatusOK
		}
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		span.End()
	}
}

// verifier wraps v so that each verification is an auth.verify_token span.
func (t *tracing) verifier(v authbridge.TokenVerifier) authbridge.TokenVerifier {
	if t == nil {
		return v
	}
	return &tracedVerifier{t: t, next: v}
}

type tracedVerifier struct {
	t    *tracing
	next authbridge.TokenVerifier
}

// Verify verifies raw in an auth.verify_token span; the span says whether
// the token was accepted, never anything about it.
func (v *tracedVerifier) Verify(ctx context.Context, raw string) (*authbridge.Principal, error) {
	ctx, span := v.t.tracer.Start(ctx, "auth.verify_token")
	defer span.End()
	p, err := v.next.Verify(ctx, raw)
	if err != nil {
		reason := authbridge.RejectInvalidToken
		if _, ok := errors.AsType[*authbridge.InvalidTokenError](err); !ok {
			reason = authbridge.RejectUnavailable
		}
		span.SetAttributes(attrAuthResult.String(string(reason)))
		span.SetStatus(codes.Error, string(reason))
		return p, err
	}
	span.SetAttributes(attrAuthResult.String("ok"))
	return p, nil
}

// authRejected marks the request span with the reason authbridge refused
// the request for.
func authRejected(ctx context.Context, reason authbridge.RejectReason) {
	trace.SpanFromContext(ctx).SetAttributes(attrAuthResult.String(string(reason)))
}

// decide makes the policy decision of tool in a policy.decide span.
func (t *tracing) decide(ctx context.Context, snap *Snapshot, tool string, subj *policies.Subject) policies.Decision {
	if t == nil {
		return snap.policy.Decide(tool, subj)
	}
	trace.SpanFromContext(ctx).SetAttributes(attrMCPMethod.String("tools/call"))
	attrs := []attribute.KeyValue{attrTool.String(tool)}
	if mt, ok := snap.tools[tool]; ok {
		attrs = append(attrs, attrOperationID.String(mt.Operation.ID))
	}
	_, span := t.tracer.Start(ctx, "policy.decide", trace.WithAttributes(attrs...))
	d := snap.policy.Decide(tool, subj)
	decision := "allowed"
	if !d.Allow {
		decision = "denied"
	}
	span.SetAttributes(attrDecision.String(decision))
	span.End()
	return d
}

// credentials wraps the invoker's Credentials hook in an
// upstream.credentials span (token exchange requests are its children).
func (t *tracing) credentials(f func(context.Context, *http.Request, *mcpgen.Tool) error) func(context.Context, *http.Request, *mcpgen.Tool) error {
	if t == nil || f == nil {
		return f
	}
	return func(ctx context.Context, req *http.Request, mt *mcpgen.Tool) error {
		ctx, span := t.tracer.Start(ctx, "upstream.credentials", trace.WithAttributes(attrTool.String(mt.Name), attrOperationID.String(mt.Operation.ID)))
		defer span.End()
		err := f(ctx, req, mt)
		if err != nil {
			// The message may quote the token endpoint's answer: not
			// recorded.
			span.SetStatus(codes.Error, "credentials not obtained")
		}
		return err
	}
}

// onResult wraps the invoker's OnResult hook: the request span gets the
// tool, operation and outcome of each call (an event per call, since a
// batch holds several).
func (t *tracing) onResult(f func(context.Context, *mcpgen.Tool, *mcpgen.Result)) func(context.Context, *mcpgen.Tool, *mcpgen.Result) {
	if t == nil {
		return f
	}
	return func(ctx context.Context, mt *mcpgen.Tool, r *mcpgen.Result) {
		attrs := []attribute.KeyValue{attrTool.String(mt.Name), attrOperationID.String(mt.Operation.ID), attrOutcome.String(outcomes[outcomeOf(r)])}
		span := trace.SpanFromContext(ctx)
		span.SetAttributes(attrs...)
		span.SetAttributes(attrMCPMethod.String("tools/call"))
		span.AddEvent("tool.result", trace.WithAttributes(attrs...))
		if f != nil {
			f(ctx, mt, r)
		}
	}
}

// client returns a copy of c whose requests, when made within a traced
// request, are client spans and carry the traceparent.
func (t *tracing) client(c *http.Client) *http.Client {
	if t == nil || c == nil {
		return c
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out := *c
	out.Transport = &tracedTransport{t: t, next: next}
	return &out
}

// tracedTransport makes a client span of each request sent within a
// traced context and injects its W3C traceparent. Only the method, the
// server's host and port and the status are recorded: paths and queries
// carry tool arguments.
type tracedTransport struct {
	t    *tracing
	next http.RoundTripper
}

// RoundTrip sends req in a client span.
func (tt *tracedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	if !trace.SpanContextFromContext(parent).IsValid() {
		return tt.next.RoundTrip(req)
	}
	method := methodLabel(req.Method)
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", method),
		attribute.String("server.address", req.URL.Hostname()),
	}
	if p := req.URL.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			attrs = append(attrs, attribute.Int("server.port", n))
		}
	}
	ctx, span := tt.t.tracer.Start(parent, method, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	// A RoundTripper must not modify the caller's request.
	req = req.Clone(ctx)
	tt.t.prop.Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := tt.next.RoundTrip(req)
	if err != nil {
		kind := "transport"
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			kind = "timeout"
		}
		span.SetAttributes(attribute.String("error.type", kind))
		span.SetStatus(codes.Error, kind)
		span.End()
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		span.End()
		return resp, nil
	}
	resp.Body = &spanBody{ReadCloser: resp.Body, span: span}
	return resp, nil
}

// spanBody ends its span when the body is read to its end or closed, so
// that the span covers the response body.
type spanBody struct {
	io.ReadCloser
	span trace.Span
	once sync.Once
}

func (b *spanBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(func() { b.span.End() })
	}
	return n, err
}

func (b *spanBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { b.span.End() })
	return err
}

// setupTracing turns tracing on when tp is given or the configuration or
// environment asks for it, and then traces the upstream and outbound
// clients.
func (g *Gateway) setupTracing(ctx context.Context, tp trace.TracerProvider) error {
	t, err := newTracing(ctx, g.cfg, tp, g.version, os.Getenv)
	if err != nil {
		return err
	}
	g.tracing = t
	g.upstreamClient = t.client(g.upstreamClient)
	g.outboundClient = t.client(g.outboundClient)
	return nil
}

// closeObservability flushes the spans and closes the audit sink, when
// the gateway opened them; Run calls it on return.
func (g *Gateway) closeObservability() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.tracing.close(ctx); err != nil {
		g.log.Warn("flushing traces", "err", err)
	}
	if g.closeAudit != nil {
		if err := g.closeAudit(); err != nil {
			g.log.Warn("closing the audit log", "err", err)
		}
	}
}
