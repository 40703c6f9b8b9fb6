package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.opentelemetry.io/otel/trace"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/ssrf"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/store"
)

// Options configure [New].
type Options struct {
	// Config is the validated configuration (required).
	Config *config.Config
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// AuditLogger receives one record per authorization decision; nil
	// uses Logger with component=audit.
	AuditLogger *slog.Logger
	// LookupEnv resolves secrets given as fromEnv; nil means none.
	LookupEnv func(string) (string, bool)
	// UpstreamClient is used for REST calls; nil builds one with sane
	// timeouts and connection pooling.
	UpstreamClient *http.Client
	// OutboundClient is used for spec fetching, AS metadata, JWKS,
	// introspection and token endpoints; nil builds one with timeouts.
	OutboundClient *http.Client
	// Version is reported as the MCP server version.
	Version string
	// Routes are extra handlers served on the gateway's listener, keyed by
	// echo path pattern ("/dev-as/*"), for example the development
	// authorization server of `rest2mcp dev`. They get the recover,
	// request id and access log middleware, not the MCP chain.
	Routes map[string]http.Handler
	// Documents holds specs already loaded, by API name (serve --spec
	// loads the spec once to name the API); their APIs' first build uses
	// them instead of loading the spec again. Reloads load from the source.
	Documents map[string]*openapi.Document
	// TracerProvider, when set, records the gateway's spans (see
	// tracing.go) whatever the configuration says; nil builds an OTLP
	// provider when tracing is configured, else tracing is off.
	TracerProvider trace.TracerProvider
	// Registry, when set, serves the APIs of a store beside the configured
	// ones, with the web UI at / and the admin API under /admin/api/ (see
	// admin.go). It needs a loopback listener.
	Registry *RegistryOptions
}

// Gateway serves every configured API.
type Gateway struct {
	cfg            *config.Config
	log            *slog.Logger
	audit          *slog.Logger
	auditAsync     *asyncHandler
	lookupEnv      func(string) (string, bool)
	upstreamClient *http.Client
	outboundClient *http.Client
	tokenCache     *authbridge.TokenCache
	metrics        *metrics
	version        string
	routes         map[string]http.Handler

	apis  map[string]*API
	order []string
	echo  *echo.Echo
	// root routes /mcp/<api> straight to the API's handler and everything
	// else through echo.
	root  http.Handler
	ready atomic.Bool
	// budget bounds the request bodies held in memory across requests.
	budget *bodyBudget
	// ridPrefix and ridSeq make request ids for the MCP endpoints.
	ridPrefix string
	ridSeq    atomic.Uint64
	// streams cancels long-lived streams (subscriptions/listen) on
	// shutdown, so that they do not hold it for the whole grace period.
	streams streamSet
	// reg serves stored APIs; nil without a registry.
	reg *registry
	// regChanges is the registry's change feed, followed by Run.
	regChanges <-chan store.Change
	stopFeed   context.CancelFunc

	// observability (tracing.go, logctx.go)
	tracing    *tracing
	closeAudit func() error
	// adminHandler serves the UI and admin API on adminListen (nil when
	// they are on the main listener); adminAddr is its bound address.
	adminHandler http.Handler
	adminAddr    atomic.Value
	// listenAddr is the main listener's bound address (see boundAddrs).
	listenAddr atomic.Value
}

// New loads every API and assembles the HTTP handler. It returns all
// build errors at once; nothing is served unless every API builds.
func New(ctx context.Context, opts Options) (*Gateway, error) {
	if opts.Config == nil {
		return nil, errors.New("gateway: no configuration")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	audit := opts.AuditLogger
	if audit == nil {
		audit = log.With("component", "audit")
	}
	audit, closeAudit, err := auditSink(opts.Config, opts.AuditLogger, audit) // observability hook: configured sink
	if err != nil {
		return nil, err
	}
	auditAsync := newAsyncHandler(audit.Handler(), auditQueueSize)
	// observability hook: ContextHandler outermost, so that the request id
	// is read from the context before the record is queued.
	log, audit = contextLogger(log), contextLogger(slog.New(auditAsync))
	g := &Gateway{
		cfg:            opts.Config,
		log:            log,
		audit:          audit,
		auditAsync:     auditAsync,
		lookupEnv:      opts.LookupEnv,
		upstreamClient: opts.UpstreamClient,
		outboundClient: opts.OutboundClient,
		version:        opts.Version,
		routes:         opts.Routes,
		apis:           map[string]*API{},
		tokenCache:     authbridge.NewTokenCache(authbridge.TokenCacheOptions{}),
		closeAudit:     closeAudit,
		budget:         &bodyBudget{max: opts.Config.MaxTotalBodyBytes},
		ridPrefix:      newRequestIDPrefix(),
	}
	if g.budget.max <= 0 {
		g.budget.max = max(config.DefaultMaxTotalBodyBytes, opts.Config.MaxBodyBytes)
	}
	if g.version == "" {
		g.version = "dev"
	}
	if g.upstreamClient == nil {
		g.upstreamClient = newUpstreamClient()
	}
	// The UI's try-it calls see the upstream requests they cause.
	g.upstreamClient = tracingClient(g.upstreamClient)
	if g.outboundClient == nil {
		g.outboundClient = defaultOutboundClient()
	}
	if err := g.setupTracing(ctx, opts.TracerProvider); err != nil { // observability hook
		return nil, err
	}
	m, err := newMetrics(g)
	if err != nil {
		return nil, err
	}
	g.metrics = m
	var errs []error
	for _, c := range g.cfg.APIs {
		a, err := newAPI(ctx, g, c, opts.Documents[c.Name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		g.apis[c.Name] = a
		g.order = append(g.order, c.Name)
		if err := g.addToolsets(ctx, a); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.Registry != nil {
		if err := g.openRegistry(ctx, *opts.Registry); err != nil {
			return nil, err
		}
	}
	g.echo = g.newEcho()
	g.root = http.HandlerFunc(g.serveRoot)
	g.ready.Store(true)
	return g, nil
}

// newUpstreamClient returns the pooled client for REST calls. Redirects are
// not followed: a redirect response is returned to the model as is, so
// credentials never travel to another host. Cloud metadata and other
// link-local addresses are refused at dial time (a spec's server URL must
// not turn the gateway into a way to reach them); private addresses are
// allowed, since internal APIs are the common upstream.
func newUpstreamClient() *http.Client {
	tr := ssrf.Policy{}.Transport()
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 256
	tr.IdleConnTimeout = 90 * time.Second
	tr.ResponseHeaderTimeout = 60 * time.Second
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// API returns the API named name, if any; a toolset is named
// "<api>/<toolset>".
func (g *Gateway) API(name string) (*API, bool) {
	if api, segment, ok := strings.Cut(name, "/"); ok {
		return g.toolsetAPI(api, segment)
	}
	a, ok := g.apis[name]
	return a, ok
}

// Snapshot returns the current snapshot of the API named name.
func (g *Gateway) Snapshot(name string) (*Snapshot, bool) {
	a, ok := g.API(name)
	if !ok {
		return nil, false
	}
	return a.Snapshot(), true
}

// APIs returns the configured APIs in configuration order, each followed
// by its current toolsets.
func (g *Gateway) APIs() []*API {
	out := make([]*API, 0, len(g.order))
	for _, n := range g.order {
		a := g.apis[n]
		out = append(out, a)
		out = append(out, a.toolsets.Load().apis()...)
	}
	return out
}

// names returns the names of [Gateway.APIs].
func (g *Gateway) names() []string {
	var out []string
	for _, a := range g.APIs() {
		out = append(out, a.name)
	}
	return out
}

// Handler returns the gateway's HTTP handler.
func (g *Gateway) Handler() http.Handler { return g.root }

// Reload rebuilds every API's snapshot; APIs that fail keep their current
// snapshot. All failures are returned together.
func (g *Gateway) Reload(ctx context.Context) error {
	var errs []error
	for _, n := range g.order {
		// Toolsets are reloaded with their API.
		if err := g.apis[n].Reload(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run listens on the configured address and serves until ctx is done, then
// shuts down gracefully. ready, when non-nil, receives the bound address.
// With a reload interval configured, Run also polls the APIs' spec and
// policy files and reloads the APIs whose files changed; the loop ends
// before Run returns.
func (g *Gateway) Run(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", g.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	stopMetrics, err := g.serveMetrics()
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()
	stopAdmin, err := g.serveAdmin()
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopAdmin()
	defer g.closeObservability() // observability hook
	if interval := g.cfg.ReloadInterval.D(); interval > 0 {
		wctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			g.watchFiles(wctx, interval)
		}()
		// Run owns the loop: it stops and is waited for on every return.
		defer func() { stop(); <-done }()
		g.log.Info("polling spec and policy files for changes", "interval", interval)
	}
	srv := &http.Server{
		Handler:           g.root,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(g.streams.closeAll)
	g.listenAddr.Store(ln.Addr())
	g.log.Info("listening", "addr", ln.Addr().String(), "public_url", g.cfg.PublicURL, "apis", strings.Join(g.names(), ","))
	if g.reg != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			g.reg.follow(ctx, g.regChanges)
		}()
		// Run owns the feed: it stops and is waited for on every return.
		defer func() { g.stopFeed(); <-done }()
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	g.ready.Store(false)
	grace := time.Duration(g.cfg.ShutdownGrace)
	g.log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	defer g.auditAsync.flush(time.Second)
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newEcho builds the routes. Middleware order (outermost first): recover,
// request id, access log; per-API chains are built by [API.chain].
func (g *Gateway) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = g.httpError
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(requestID, g.traceRequest) // observability hook: request id in the context, server span
	e.Use(g.accessLog)

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", func(c echo.Context) error {
		if !g.ready.Load() {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
		}
		return c.JSON(http.StatusOK, map[string]any{"status": "ready", "apis": g.names()})
	})
	e.Any("/mcp/:api", g.serveMCP)
	e.Any("/mcp/:api/:toolset", g.serveToolset)
	if g.cfg.MetricsOnMainListener() {
		e.GET("/metrics", echo.WrapHandler(g.metricsOnMain()))
	}
	for path, h := range g.routes {
		e.Any(path, echo.WrapHandler(h))
	}
	g.mountRegistry(e)

	protected := 0
	var only *API
	for _, n := range g.order {
		a := g.apis[n]
		if a.prm == nil {
			continue
		}
		protected++
		only = a
		e.Any(authbridge.PRMPath(a.resource), echo.WrapHandler(a.prm))
		if a.cfg.Toolsets != nil {
			protected++ // its toolsets are protected resources too
			e.Any(a.toolsetPRMRoute(), a.serveToolsetPRM)
		}
	}
	if protected == 1 {
		// Clients fall back to the root well-known URL; with a single
		// protected API it is unambiguous.
		e.Any("/.well-known/oauth-protected-resource", echo.WrapHandler(only.prm))
	}
	return e
}

func (g *Gateway) serveMCP(c echo.Context) error {
	a, ok := g.apis[c.Param("api")]
	if !ok && g.reg != nil {
		a, ok = g.reg.lookup(c.Param("api"))
	}
	if !ok {
		names := append([]string(nil), g.order...)
		sort.Strings(names)
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no API named %q; served: %s", c.Param("api"), strings.Join(names, ", ")))
	}
	a.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// chain builds the per-API handler; see the package documentation for the
// order and the reasons. In short: origin and Host check (CORS preflights
// answered), POST only, authentication from the headers alone, then the
// body (bounded, decoded once), rate limit, policy pre-check, in-flight
// tracking, and the tools/call fast path or mcp-go.
func (a *API) chain() http.Handler {
	var h http.Handler = http.HandlerFunc(a.dispatch)
	h = a.inflight.wrap(h)
	if a.verifier != nil {
		h = a.precheck(h)
		if a.limiter != nil {
			h = a.rateLimit(h)
		}
	}
	h = readBody(a.gw.cfg.MaxBodyBytes, a.gw.budget, bodyReadTimeout, h)
	if a.verifier != nil {
		// Authentication needs only the headers: a request without a
		// valid token is answered before its body is read.
		h = a.withSubject(h)
		h = authbridge.RequireBearer(a.gw.tracing.verifier(a.verifier), authbridge.MiddlewareOptions{ // observability hook: traced verifier
			ResourceMetadataURL: a.prmURL(),
			Scopes:              a.baseline,
			Logger:              a.log,
			OnReject:            a.metrics.authRejected, // observability hook: reason from authbridge
		})(h)
	}
	h = postOnly(h)
	h = noBuffering(h)
	h = newOriginGuard(a.gw.cfg.PublicURL, a.gw.cfg.AllowedOrigins, a.gw.cfg.ListenIsLoopback()).wrap(h)
	// The snapshot is pinned first: every stage of the request, the
	// metrics' tool names included, sees the same one.
	return a.pin(a.metrics.instrument(h))
}

// dispatch serves a request that passed every check: tools/call on the
// fast path when it can, tools/list from pre-encoded bytes, anything else
// through mcp-go.
func (a *API) dispatch(w http.ResponseWriter, r *http.Request) {
	c := callFrom(r.Context())
	if a.fastCall(w, r, c) {
		return
	}
	if c != nil && len(c.ID) > 0 && !canonicalID(c.ID) {
		// mcp-go would echo this id changed (a large integer through a
		// float64, a string re-escaped): serve it with a placeholder id.
		a.serveEchoingID(w, r, c)
		return
	}
	if a.fastToolsList(w, r) {
		return
	}
	if c != nil && c.Method == methodListen {
		ctx, done := a.gw.streams.add(r.Context())
		defer done()
		r = r.WithContext(ctx)
	}
	a.serveMCP(w, r, bodyFrom(r.Context()))
}

// postOnly answers every method but POST with 405 and Allow: POST. The
// endpoint is stateless: it offers no server-to-client stream on GET
// (which the transport allows to refuse with 405) and no session to
// DELETE. CORS preflights were answered before.
func postOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			// The body must arrive within bodyReadTimeout, also when it is
			// never read (a request refused from its headers): the server
			// then discards up to 256 KiB of it after the answer.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", http.MethodPost)
		msg := r.Method + " is not supported on an MCP endpoint of this gateway; send JSON-RPC messages with POST"
		if r.Method == http.MethodGet {
			msg = "GET is not supported: this MCP endpoint is stateless and offers no server-to-client stream; send requests with POST"
		}
		writeRPCError(w, http.StatusMethodNotAllowed, rpcInvalidRequest, msg)
	})
}

// accessLog logs one line per request; never headers or bodies.
func (g *Gateway) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		// request_id comes from the context (logctx.go).
		g.log.LogAttrs(req.Context(), slog.LevelDebug, "request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", c.Response().Status),
			slog.Duration("duration", time.Since(start)),
		)
		return nil
	}
}

// httpError maps errors to JSON responses in one place. 5xx bodies are
// generic and carry the request id; details go to the log.
func (g *Gateway) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	msg := "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		msg = fmt.Sprint(he.Message)
	}
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if status >= 500 {
		g.log.ErrorContext(c.Request().Context(), "request failed", "err", err)
		msg = "internal error (request id " + rid + ")"
	}
	_ = c.JSON(status, map[string]string{"error": msg, "request_id": rid})
}
