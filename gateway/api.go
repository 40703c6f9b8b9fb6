package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

// API is one served REST API: its protection and its current
// [Snapshot] of spec, tools, policy, credentials and MCP handler.
type API struct {
	name     string
	resource string
	cfg      config.API
	gw       *Gateway
	log      *slog.Logger

	verifier *authbridge.Verifier
	limiter  *authbridge.RateLimiter
	// prm serves the protected resource metadata of the current snapshot;
	// nil when the API is unprotected.
	prm http.Handler
	// stream serves a request with the mcp-go server of the snapshot the
	// request pinned.
	stream  http.Handler
	handler http.Handler

	// snap is the one atomic pointer to the API's current snapshot.
	snap atomic.Pointer[Snapshot]
	// reloadMu serializes [API.Reload]: SIGHUP and the polling loop may
	// reload at the same time.
	reloadMu sync.Mutex
	// splicedLists counts tools/list answers served from pre-encoded bytes.
	splicedLists atomic.Int64
	// metrics holds the API's resolved metric children.
	metrics *apiMetrics
	// inflight lets callers cancel their own requests, and only those.
	inflight inflight
	// fastPath enables the tools/call fast path (see fastcall.go);
	// fastCalls counts the calls it served.
	fastPath  bool
	fastCalls atomic.Int64
	fastSet   atomic.Pointer[fastSet]
	// serverInfo is the identity mcp-go reports; serverMeta its encoded
	// _meta for modern results.
	serverInfo mcp.Implementation
	serverMeta []byte
	// toolsets are the API's current toolset APIs (nil without toolsets);
	// parent is the API a toolset API belongs to.
	toolsets atomic.Pointer[toolsetGroup]
	parent   *API
}

// Name returns the API name (the last path segment of its endpoint).
func (a *API) Name() string { return a.name }

// Spec returns where the API's OpenAPI document comes from.
func (a *API) Spec() string { return a.cfg.Spec }

// Protected reports whether callers must present an access token.
func (a *API) Protected() bool { return a.verifier != nil }

// ResourceURL returns the protected resource identifier of the API.
func (a *API) ResourceURL() string { return a.resource }

// Snapshot returns the API's current snapshot. A request uses the one it
// pinned on arrival instead (see [API.current]).
func (a *API) Snapshot() *Snapshot { return a.snap.Load() }

// current returns the snapshot pinned for the request in ctx, or the
// current one when the request pinned none.
func (a *API) current(ctx context.Context) *Snapshot {
	if s := snapshotFrom(ctx); s != nil {
		return s
	}
	return a.snap.Load()
}

// Tools returns the tools of the current snapshot, sorted by name.
func (a *API) Tools() []*mcpgen.Tool { return a.snap.Load().list }

// Diagnostics returns the load diagnostics of the current snapshot.
func (a *API) Diagnostics() openapi.Diagnostics { return a.snap.Load().diags }

func newAPI(ctx context.Context, g *Gateway, c config.API, doc *openapi.Document) (*API, error) {
	a := &API{
		name:     c.Name,
		resource: g.cfg.ResourceURL(c.Name),
		cfg:      c,
		gw:       g,
		log:      g.log.With("api", c.Name),
		metrics:  g.metrics.forAPI(c.Name, c.Auth != nil),
	}
	opts := a.buildOptions()
	opts.Document = doc
	snap, err := BuildAPI(ctx, c, opts)
	if err != nil {
		return nil, err
	}
	a.snap.Store(snap)
	if c.Auth != nil {
		v, err := authbridge.NewVerifier(ctx, authbridge.VerifierOptions{
			Resource:   a.resource,
			Config:     *c.Auth,
			HTTPClient: g.outboundClient,
			Logger:     g.log,
			LookupEnv:  g.lookupEnv,
		})
		if err != nil {
			return nil, fmt.Errorf("api %s: auth: %w", c.Name, err)
		}
		a.verifier = v
		if c.Auth.RateLimit != nil {
			a.limiter = authbridge.NewRateLimiter(*c.Auth.RateLimit, &authbridge.RateLimiterOptions{Logger: a.log})
		}
		a.prm = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.snap.Load().prm.ServeHTTP(w, r) })
	}
	a.stream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.current(r.Context()).stream.ServeHTTP(w, r) })
	a.serverInfo = mcp.Implementation{Name: a.name, Version: g.version}
	a.serverMeta = encodeServerMeta(a.serverInfo)
	a.fastPath = os.Getenv(fastPathEnv) != "off"
	a.handler = a.chain()
	return a, nil
}

// buildOptions are the gateway's dependencies for [BuildAPI].
func (a *API) buildOptions() BuildOptions {
	g := a.gw
	return BuildOptions{
		Config:         g.cfg,
		OutboundClient: g.outboundClient,
		UpstreamClient: g.upstreamClient,
		Logger:         a.log,
		AuditLogger:    g.audit,
		LookupEnv:      g.lookupEnv,
		TokenCache:     g.tokenCache,
		Version:        g.version,
		metrics:        a.metrics,
		tracing:        g.tracing, // observability hook
	}
}

// pin stores the current snapshot in the request context: every later
// stage of the request uses that one, whatever reloads happen meanwhile.
func (a *API) pin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request-id context serveRoot made for this very request
		// (not wrapped since: no span) takes the snapshot in place,
		// saving a context and a request copy on the hot path.
		if c, ok := r.Context().(*requestIDCtx); ok && c.pinnable {
			c.pinnable = false
			c.snap = a.snap.Load()
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(withSnapshot(r.Context(), a.snap.Load())))
	})
}

// baseline returns the scopes advertised in PRM and 401 challenges.
func (a *API) baseline() []string { return a.snap.Load().baseline }

// Reload rebuilds the API's snapshot from the source of its current one
// (its spec file or URL, or the bytes it was last given by
// [API.ReloadFrom]) and its policy, and swaps it in with one store. On
// failure the current snapshot stays and the error is returned.
func (a *API) Reload(ctx context.Context) error {
	return a.ReloadFrom(ctx, openapi.Source{})
}

// ReloadFrom is [API.Reload] from another spec source, such as uploaded
// bytes (openapi.Source{Data: …}); a zero src means the current one.
//
// A toolset API reloads its API (with every toolset): membership is
// computed from the API's tools.
func (a *API) ReloadFrom(ctx context.Context, src openapi.Source) (err error) {
	if a.parent != nil {
		return a.parent.ReloadFrom(ctx, src)
	}
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	defer func() { a.metrics.reloaded(err) }()
	opts := a.buildOptions()
	opts.Source = src
	if isZeroSource(src) {
		opts.Source = a.snap.Load().source
	}
	s, err := BuildAPI(ctx, a.cfg, opts)
	if err != nil {
		return err
	}
	var commitToolsets func()
	if a.cfg.Toolsets != nil {
		// Toolset membership follows the new tools; nothing is swapped
		// unless every toolset builds.
		if commitToolsets, err = a.prepareToolsets(ctx, s); err != nil {
			return err
		}
	}
	a.snap.Store(s)
	if commitToolsets != nil {
		commitToolsets()
	}
	a.log.Info("reloaded", "tools", len(s.list))
	return nil
}
