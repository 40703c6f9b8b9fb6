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
	"github.com/mark3labs/mcp-go/server"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/policies"
)

// API is one served REST API: its MCP server, its protection and its
// current snapshot of tools and policy.
type API struct {
	name     string
	resource string
	cfg      config.API
	gw       *Gateway
	log      *slog.Logger

	mcp      *server.MCPServer
	stream   *server.StreamableHTTPServer
	verifier *authbridge.Verifier
	limiter  *authbridge.RateLimiter
	prm      http.Handler
	// prmHandler serves the current metadata document; it is rebuilt when
	// a reload changes the baseline scopes.
	prmHandler atomic.Pointer[http.Handler]
	handler    http.Handler

	creds   authbridge.Credentials
	opCreds map[string]authbridge.Credentials

	snap atomic.Pointer[snapshot]
	// reloadMu serializes [API.Reload]: SIGHUP and the polling loop may
	// reload at the same time, and the snapshot and mcp-go's tools must be
	// swapped together.
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
	// serverInfo is the identity mcp-go reports; serverMeta its encoded
	// _meta for modern results.
	serverInfo mcp.Implementation
	serverMeta []byte
}

// snapshot is the immutable product of one successful build of an API's
// spec and policy.
type snapshot struct {
	doc    *openapi.Document
	tools  map[string]*mcpgen.Tool
	list   []*mcpgen.Tool
	policy *policies.Set
	// problems are the policy compiler's findings.
	problems policies.Problems
	// baseline is what PRM and 401 challenges advertise.
	baseline []string
	// encoded caches the tools/list encoding of list.
	encoded encodedTools
	// files are the spec and policy files as they were just before this
	// build read them; the polling loop reloads when they differ.
	files []fileStamp
	// inv calls the upstream for this snapshot's tools.
	inv *mcpgen.Invoker
}

// Name returns the API name (the last path segment of its endpoint).
func (a *API) Name() string { return a.name }

// Spec returns where the API's OpenAPI document comes from.
func (a *API) Spec() string { return a.cfg.Spec }

// Protected reports whether callers must present an access token.
func (a *API) Protected() bool { return a.verifier != nil }

// ResourceURL returns the protected resource identifier of the API.
func (a *API) ResourceURL() string { return a.resource }

// Tools returns the tools of the current snapshot, sorted by name.
func (a *API) Tools() []*mcpgen.Tool { return a.snap.Load().list }

// Diagnostics returns the load diagnostics of the current snapshot.
func (a *API) Diagnostics() openapi.Diagnostics { return a.snap.Load().doc.Diagnostics }

func newAPI(ctx context.Context, g *Gateway, c config.API) (*API, error) {
	a := &API{
		name:     c.Name,
		resource: g.cfg.ResourceURL(c.Name),
		cfg:      c,
		gw:       g,
		log:      g.log.With("api", c.Name),
		metrics:  g.metrics.forAPI(c.Name, c.Auth != nil),
	}
	if err := a.buildCredentials(ctx); err != nil {
		return nil, err
	}
	snap, err := a.build(ctx)
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
		a.setPRM(snap)
		a.prm = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*a.prmHandler.Load()).ServeHTTP(w, r) })
	}
	tools, err := a.serverTools(snap)
	if err != nil {
		return nil, err
	}
	a.mcp = a.newMCPServer()
	a.mcp.SetTools(tools...)
	a.serverInfo = mcp.Implementation{Name: a.name, Version: g.version}
	a.serverMeta = encodeServerMeta(a.serverInfo)
	a.fastPath = os.Getenv(fastPathEnv) != "off"

	a.stream = server.NewStreamableHTTPServer(a.mcp,
		server.WithStateLess(true),
		// Host and Origin are checked by the gateway's own guard, which
		// also knows the configured public host.
		server.WithDisableLocalhostProtection(true),
		server.WithHTTPContextFunc(func(ctx context.Context, _ *http.Request) context.Context { return ctx }),
		server.WithStreamableHTTPLogger(g.log.With("component", "mcp", "api", c.Name)),
	)
	a.handler = a.chain()
	return a, nil
}

// build loads the spec, generates tools and compiles the policy into a new
// snapshot without touching the current one.
func (a *API) build(ctx context.Context) (*snapshot, error) {
	// Stat before reading: a file changed during the build then looks
	// changed to the next poll, never the other way round.
	files := a.stampFiles()
	src := openapi.Source{Path: a.cfg.Spec}
	if a.specIsURL() {
		src = openapi.Source{URL: a.cfg.Spec}
	}
	doc, err := openapi.Load(ctx, src, &openapi.LoadOptions{
		CacheDir:        a.gw.cfg.SpecCacheDir(),
		HTTPClient:      a.gw.outboundClient,
		AllowedRefHosts: a.gw.cfg.SpecHosts,
		Logger:          a.log,
	})
	if err != nil {
		return nil, fmt.Errorf("api %s: load spec: %w", a.name, err)
	}
	// Descriptions state the scopes the policy requires (added below),
	// not the spec's own, and none for an API served without authorization.
	opts := &mcpgen.Options{Prefix: a.cfg.ToolPrefix, MaxOutputSchema: a.cfg.MaxOutputSchema, OmitScopes: true}
	if a.cfg.Include != nil {
		opts.Include = *a.cfg.Include
	}
	if a.cfg.Exclude != nil {
		opts.Exclude = *a.cfg.Exclude
	}
	tools, diags := mcpgen.Generate(doc, opts)
	doc.Diagnostics = append(doc.Diagnostics, diags...)
	switch {
	case len(doc.Operations) == 0:
		// Serving (or reloading to) an empty API is never what was meant.
		return nil, fmt.Errorf("api %s: %s has no operations under paths, so there is nothing to serve", a.name, a.cfg.Spec)
	case len(tools) == 0:
		return nil, fmt.Errorf("api %s: no operation of %s could be turned into a tool (or the include/exclude selection matches none)", a.name, a.cfg.Spec)
	}
	s := &snapshot{doc: doc, tools: make(map[string]*mcpgen.Tool, len(tools)), list: tools, files: files}
	for _, t := range tools {
		s.tools[t.Name] = t
	}
	if a.cfg.Auth != nil {
		pcfg, err := a.policyConfig()
		if err != nil {
			return nil, fmt.Errorf("api %s: %w", a.name, err)
		}
		refs := make([]policies.ToolRef, len(tools))
		for i, t := range tools {
			refs[i] = policies.ToolRef{Name: t.Name, Op: t.Operation}
		}
		set, problems, err := policies.Compile(pcfg, doc, refs)
		if err != nil {
			return nil, fmt.Errorf("api %s: policy: %w", a.name, err)
		}
		s.policy, s.problems = set, problems
		for _, t := range tools {
			t.AddScopeText(set.Requirements(t.Name))
		}
		s.baseline = set.Baseline()
		if len(a.cfg.Auth.Scopes) > 0 {
			s.baseline = a.cfg.Auth.Scopes
		}
	}
	return s, nil
}

func (a *API) policyConfig() (*policies.Config, error) {
	switch {
	case a.cfg.Policy != nil:
		return a.cfg.Policy, nil
	case a.cfg.PolicyFile != "":
		b, err := os.ReadFile(a.cfg.PolicyFile)
		if err != nil {
			return nil, fmt.Errorf("read policy file: %w", err)
		}
		pc, err := policies.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("policy file %s: %w", a.cfg.PolicyFile, err)
		}
		return pc, nil
	}
	return &policies.Config{}, nil
}

// baseline returns the scopes advertised in PRM and 401 challenges.
func (a *API) baseline() []string { return a.snap.Load().baseline }

func (a *API) buildCredentials(ctx context.Context) error {
	build := func(c *authbridge.UpstreamAuthConfig) (authbridge.Credentials, error) {
		return authbridge.NewCredentials(ctx, *c, authbridge.CredentialsOptions{
			HTTPClient: a.gw.outboundClient,
			Logger:     a.log,
			LookupEnv:  a.gw.lookupEnv,
			Cache:      a.gw.tokenCache,
		})
	}
	if a.cfg.UpstreamAuth != nil {
		c, err := build(a.cfg.UpstreamAuth)
		if err != nil {
			return fmt.Errorf("api %s: upstreamAuth: %w", a.name, err)
		}
		a.creds = c
	}
	for op, uc := range a.cfg.OperationUpstreamAuth {
		if uc == nil {
			continue
		}
		c, err := build(uc)
		if err != nil {
			return fmt.Errorf("api %s: operationUpstreamAuth[%s]: %w", a.name, op, err)
		}
		if a.opCreds == nil {
			a.opCreds = map[string]authbridge.Credentials{}
		}
		a.opCreds[op] = c
	}
	return nil
}

func (a *API) newMCPServer() *server.MCPServer {
	hooks := &server.Hooks{}
	opts := []server.ServerOption{
		server.WithToolCapabilities(true),
		server.WithRecovery(),
		server.WithHooks(hooks),
		server.WithInstructions(a.instructions()),
		server.WithToolFilter(spliceFilter),
	}
	if a.cfg.Auth != nil {
		opts = append(opts,
			server.WithToolFilter(a.filterTools),
			server.WithMethodCacheHints(mcp.MethodToolsList, 60_000, mcp.CacheScopePrivate),
		)
	} else {
		opts = append(opts, server.WithMethodCacheHints(mcp.MethodToolsList, 60_000, mcp.CacheScopePublic))
	}
	return server.NewMCPServer(a.name, a.gw.version, opts...)
}

func (a *API) instructions() string {
	return fmt.Sprintf("Tools of the %s REST API, served by rest2mcp. Each tool is one HTTP operation; arguments are the operation's parameters and request body fields.", a.name)
}

// serverTools builds the mcp-go registrations of a snapshot. Each handler
// is bound to an invoker of that snapshot.
func (a *API) serverTools(s *snapshot) ([]server.ServerTool, error) {
	inv, err := a.invoker(s.doc)
	if err != nil {
		return nil, fmt.Errorf("api %s: cannot call the upstream (%w); set upstream in the configuration, or --upstream", a.name, err)
	}
	s.inv = inv
	out := make([]server.ServerTool, 0, len(s.list))
	for _, t := range s.list {
		out = append(out, server.ServerTool{Tool: t.MCPTool(), Handler: inv.Handler(t)})
	}
	return out, nil
}

// invoker builds the upstream caller of one loaded document (it caches
// each operation's resolved server).
func (a *API) invoker(doc *openapi.Document) (*mcpgen.Invoker, error) {
	var specURL string
	if a.specIsURL() {
		specURL = a.cfg.Spec
	}
	return mcpgen.NewInvoker(mcpgen.InvokerOptions{
		BaseURL:          a.cfg.Upstream,
		Servers:          doc.Servers,
		Schemas:          doc.Schemas,
		SpecURL:          specURL,
		ServerVariables:  a.cfg.ServerVariables,
		Client:           a.gw.upstreamClient,
		Timeout:          durationOr(a.cfg.Timeout, config.DefaultTimeout),
		MaxResponseBytes: a.cfg.MaxResponseBytes,
		Credentials:      a.applyCredentials,
		Authorize:        a.authorize,
		Logger:           a.log,
		UserAgent:        "rest2mcp/" + a.gw.version,
		OnResult:         a.metrics.observeResult,
	})
}

// Reload rebuilds the API's snapshot from its spec and policy and swaps it
// in. On failure the current snapshot stays and the error is returned.
func (a *API) Reload(ctx context.Context) (err error) {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	defer func() { a.metrics.reloaded(err) }()
	s, err := a.build(ctx)
	if err != nil {
		return err
	}
	tools, err := a.serverTools(s)
	if err != nil {
		return err
	}
	a.snap.Store(s)
	a.mcp.SetTools(tools...)
	if a.cfg.Auth != nil {
		a.setPRM(s)
	}
	a.log.Info("reloaded", "tools", len(s.list))
	return nil
}

// setPRM builds the protected resource metadata document for a snapshot.
func (a *API) setPRM(s *snapshot) {
	h := authbridge.NewPRMHandler(authbridge.NewPRM(a.resource, *a.cfg.Auth, s.baseline))
	a.prmHandler.Store(&h)
}
