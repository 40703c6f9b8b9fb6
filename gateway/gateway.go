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
	// Documents holds specs already loaded, by API name (serve --spec
	// loads the spec once to name the API); their APIs' first build uses
	// them instead of loading the spec again. Reloads load from the source.
	Documents map[string]*openapi.Document
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
	lookupEnv      func(string) (string, bool)
	upstreamClient *http.Client
	outboundClient *http.Client
	tokenCache     *authbridge.TokenCache
	metrics        *metrics
	version        string

	apis  map[string]*API
	order []string
	// reg serves stored APIs; nil without a registry.
	reg *registry
	// regChanges is the registry's change feed, followed by Run.
	regChanges <-chan store.Change
	stopFeed   context.CancelFunc
	echo       *echo.Echo
	ready      atomic.Bool
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
	g := &Gateway{
		cfg:            opts.Config,
		log:            log,
		audit:          audit,
		lookupEnv:      opts.LookupEnv,
		upstreamClient: opts.UpstreamClient,
		outboundClient: opts.OutboundClient,
		version:        opts.Version,
		apis:           map[string]*API{},
		tokenCache:     authbridge.NewTokenCache(authbridge.TokenCacheOptions{}),
	}
	if g.version == "" {
		g.version = "dev"
	}
	if g.upstreamClient == nil {
		g.upstreamClient = newUpstreamClient()
	}
	if g.outboundClient == nil {
		g.outboundClient = defaultOutboundClient()
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

// API returns the API named name, if any.
func (g *Gateway) API(name string) (*API, bool) {
	a, ok := g.apis[name]
	return a, ok
}

// Snapshot returns the current snapshot of the API named name.
func (g *Gateway) Snapshot(name string) (*Snapshot, bool) {
	a, ok := g.apis[name]
	if !ok {
		return nil, false
	}
	return a.Snapshot(), true
}

// APIs returns the APIs in configuration order.
func (g *Gateway) APIs() []*API {
	out := make([]*API, 0, len(g.order))
	for _, n := range g.order {
		out = append(out, g.apis[n])
	}
	return out
}

// Handler returns the gateway's HTTP handler.
func (g *Gateway) Handler() http.Handler { return g.echo }

// Reload rebuilds every API's snapshot; APIs that fail keep their current
// snapshot. All failures are returned together.
func (g *Gateway) Reload(ctx context.Context) error {
	var errs []error
	for _, a := range g.APIs() {
		if err := a.Reload(ctx); err != nil {
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
		Handler:           g.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
	g.log.Info("listening", "addr", ln.Addr().String(), "public_url", g.cfg.PublicURL, "apis", strings.Join(g.order, ","))
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
	e.Use(g.accessLog)

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", func(c echo.Context) error {
		if !g.ready.Load() {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
		}
		return c.JSON(http.StatusOK, map[string]any{"status": "ready", "apis": g.order})
	})
	e.Any("/mcp/:api", g.serveMCP)
	if g.cfg.MetricsOnMainListener() {
		e.GET("/metrics", echo.WrapHandler(g.metricsOnMain()))
	}
	g.mountRegistry(e)

	protected := 0
	var only *API
	for _, a := range g.APIs() {
		if a.prm == nil {
			continue
		}
		protected++
		only = a
		e.Any(authbridge.PRMPath(a.resource), echo.WrapHandler(a.prm))
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
// order and the reasons.
func (a *API) chain() http.Handler {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.fastToolsList(w, r) {
			return
		}
		rewindBody(r)
		a.stream.ServeHTTP(w, r)
	})
	h = a.inflight.wrap(h)
	if a.verifier != nil {
		h = a.precheck(h)
		if a.limiter != nil {
			h = a.rateLimit(h)
		}
		h = a.withSubject(h)
		h = authbridge.RequireBearer(a.verifier, authbridge.MiddlewareOptions{
			ResourceMetadataURL: a.prmURL(),
			Scopes:              a.baseline,
			Logger:              a.log,
		})(h)
	}
	h = readBody(a.gw.cfg.MaxBodyBytes, bodyReadTimeout, h)
	h = noBuffering(h)
	h = newOriginGuard(a.gw.cfg.PublicURL, a.gw.cfg.AllowedOrigins, a.gw.cfg.ListenIsLoopback()).wrap(h)
	// The snapshot is pinned first: every stage of the request, the
	// metrics' tool names included, sees the same one.
	return a.pin(a.metrics.instrument(h))
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
		g.log.LogAttrs(req.Context(), slog.LevelDebug, "request",
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
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
		g.log.Error("request failed", "request_id", rid, "err", err)
		msg = "internal error (request id " + rid + ")"
	}
	_ = c.JSON(status, map[string]string{"error": msg, "request_id": rid})
}
