package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/ssrf"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/policies"
)

// BuildOptions are the inputs of [BuildAPI] besides the API's own
// configuration. Only Config is required; every client defaults to the
// gateway's guarded defaults, so an offline build (validate, policy
// explain) fetches specs exactly as serve does.
type BuildOptions struct {
	// Config is the gateway configuration the API belongs to: its spec
	// hosts, spec cache and public URL (the API's resource URL). Required.
	Config *config.Config
	// Source, when not zero, is where the spec comes from instead of the
	// API's spec setting: the registry passes uploaded bytes (Data) here.
	Source openapi.Source
	// Document, when set, is the spec already loaded (from the same
	// source); the build then skips loading it. It is not modified.
	Document *openapi.Document
	// Validate runs the full OpenAPI validation while loading (rest2mcp
	// validate); it only adds diagnostics.
	Validate bool
	// NoCredentials skips building the upstream credentials, so that
	// their secrets need not be set (policy explain). Tools, policy and
	// PRM are the same; a call needing credentials then fails.
	NoCredentials bool
	// OutboundClient fetches URL specs and their references and calls
	// token endpoints; nil means the SSRF-guarded default (cloud metadata
	// and other link-local addresses refused, no redirects to them).
	OutboundClient *http.Client
	// UpstreamClient makes the REST calls; nil means the pooled,
	// SSRF-guarded default that does not follow redirects.
	UpstreamClient *http.Client
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// AuditLogger receives one record per authorization decision; nil
	// uses Logger.
	AuditLogger *slog.Logger
	// LookupEnv resolves secrets given as fromEnv; nil means none.
	LookupEnv func(string) (string, bool)
	// TokenCache holds upstream tokens across builds; nil gives each
	// credential its own cache.
	TokenCache *authbridge.TokenCache
	// Version is reported as the MCP server version ("dev" when empty).
	Version string
	// EditTools, when set, edits the generated tools before anything else
	// sees them and returns the tools to serve: the registry applies its
	// stable tool names and the admin's per-operation overrides here.
	EditTools func(tools []*mcpgen.Tool) ([]*mcpgen.Tool, error)

	// metrics is the API's metric children; nil in offline builds.
	metrics *apiMetrics
	// tracing is the gateway's tracing; nil (off) in offline builds.
	tracing *tracing
}

// defaultOutboundClient is the client for spec fetching, AS metadata,
// JWKS, introspection and token endpoints when none is given.
func defaultOutboundClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: ssrf.Policy{}.Transport()}
}

// BuildAPI is the one API builder: spec → document → tools → policy →
// credentials → PRM → MCP handler and upstream invoker, into a new
// immutable [Snapshot]. serve, validate, policy explain, reload and the
// registry all build through it, so they cannot drift. It touches no
// served state: on error nothing is half-applied and the error names the
// API and the stage that failed.
func BuildAPI(ctx context.Context, api config.API, opts BuildOptions) (*Snapshot, error) {
	if opts.Config == nil {
		return nil, fmt.Errorf("api %s: build: no gateway configuration", api.Name)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.AuditLogger == nil {
		opts.AuditLogger = opts.Logger
	}
	if opts.OutboundClient == nil {
		opts.OutboundClient = defaultOutboundClient()
	}
	if opts.UpstreamClient == nil {
		opts.UpstreamClient = newUpstreamClient()
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	s := &Snapshot{
		name:     api.Name,
		resource: opts.Config.ResourceURL(api.Name),
		cfg:      api,
		source:   opts.Source,
		log:      opts.Logger,
		audit:    opts.AuditLogger,
		metrics:  opts.metrics,
	}
	if isZeroSource(s.source) {
		s.source = openapi.SourceFor(api.Spec)
	}
	// Stat before reading: a file changed during the build then looks
	// changed to the next poll, never the other way round.
	s.files = stampFiles(api, s.source)
	steps := []struct {
		stage string
		run   func(context.Context, *BuildOptions) error
	}{
		{StageSpec, s.loadSpec},
		{StageTools, s.generateTools},
		{StagePolicy, s.compilePolicy},
		{StageCredentials, s.buildCredentials},
		{StagePRM, s.buildPRM},
		{StageHandler, s.buildHandler},
	}
	for _, step := range steps {
		if err := step.run(ctx, &opts); err != nil {
			return nil, &BuildError{API: api.Name, Stage: step.stage, Err: err, Diagnostics: s.diags, Problems: s.problems}
		}
	}
	return s, nil
}

// The stages of [BuildAPI], as [BuildError.Stage] names them.
const (
	StageSpec        = "spec"
	StageTools       = "tools"
	StagePolicy      = "policy"
	StageCredentials = "credentials"
	StagePRM         = "prm"
	StageHandler     = "handler"
)

// BuildError is a failed [BuildAPI]: the error of the stage that failed,
// with what the stages before it found, so that validate can show the
// spec's diagnostics of an API that does not build.
type BuildError struct {
	// API is the API name.
	API string
	// Stage is the stage that failed (StageSpec, …, StageHandler).
	Stage string
	// Err is the failing stage's error.
	Err error
	// Diagnostics are the loader's and generator's findings, when the
	// spec loaded.
	Diagnostics openapi.Diagnostics
	// Problems are the policy compiler's findings, when it ran.
	Problems policies.Problems
}

// Error names the API and the failure.
func (e *BuildError) Error() string { return "api " + e.API + ": " + e.Err.Error() }

// Unwrap returns the stage's error.
func (e *BuildError) Unwrap() error { return e.Err }

func isZeroSource(src openapi.Source) bool {
	return src.Path == "" && src.URL == "" && src.Data == nil
}

// label names the spec in errors.
func (s *Snapshot) label() string {
	switch {
	case s.source.URL != "":
		return s.source.URL
	case s.source.Path != "":
		return s.source.Path
	case s.source.Name != "":
		return s.source.Name
	}
	return "the uploaded spec"
}

func (s *Snapshot) loadSpec(ctx context.Context, o *BuildOptions) error {
	doc := o.Document
	if doc == nil {
		var err error
		if doc, err = LoadSpec(ctx, s.source, *o); err != nil {
			return err
		}
	}
	s.doc = doc
	s.diags = append(openapi.Diagnostics(nil), doc.Diagnostics...)
	return nil
}

// LoadSpec loads a spec exactly as [BuildAPI] does: through the
// SSRF-guarded outbound client (unless opts gives another), with the
// configuration's spec hosts and compiled-spec cache (opts.Config may be
// nil: no extra hosts, no cache). Commands that need the document before
// an API exists (serve --spec naming the API, rest2mcp tools) use it, and
// pass the document on in [Options.Documents] rather than loading twice.
func LoadSpec(ctx context.Context, src openapi.Source, opts BuildOptions) (*openapi.Document, error) {
	if opts.OutboundClient == nil {
		opts.OutboundClient = defaultOutboundClient()
	}
	lo := &openapi.LoadOptions{Validate: opts.Validate, HTTPClient: opts.OutboundClient, Logger: opts.Logger}
	if opts.Config != nil {
		lo.CacheDir = opts.Config.SpecCacheDir()
		lo.AllowedRefHosts = opts.Config.SpecHosts
	}
	doc, err := openapi.Load(ctx, src, lo)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	return doc, nil
}

func (s *Snapshot) generateTools(_ context.Context, o *BuildOptions) error {
	// Descriptions state the scopes the policy requires (added by
	// compilePolicy), not the spec's own, and none for an API served
	// without authorization.
	gen := &mcpgen.Options{Prefix: s.cfg.ToolPrefix, MaxOutputSchema: s.cfg.MaxOutputSchema, OmitScopes: true}
	if s.cfg.Include != nil {
		gen.Include = *s.cfg.Include
	}
	if s.cfg.Exclude != nil {
		gen.Exclude = *s.cfg.Exclude
	}
	tools, diags := mcpgen.Generate(s.doc, gen)
	s.diags = append(s.diags, diags...)
	if o.EditTools != nil && len(tools) > 0 {
		var err error
		if tools, err = o.EditTools(tools); err != nil {
			return err
		}
	}
	switch {
	case len(s.doc.Operations) == 0:
		// Serving (or reloading to) an empty API is never what was meant.
		return fmt.Errorf("%s has no operations under paths, so there is nothing to serve", s.label())
	case len(tools) == 0:
		if hints := mcpgen.SelectionProblems(s.cfg.Include, s.cfg.Exclude, s.doc.Operations); len(hints) > 0 {
			return fmt.Errorf("%s: %s", s.label(), strings.Join(hints, "; "))
		}
		return fmt.Errorf("no operation of %s could be turned into a tool (or the include/exclude selection matches none)", s.label())
	}
	if err := s.shapeResults(tools); err != nil {
		return err
	}
	s.list = tools
	s.tools = make(map[string]*mcpgen.Tool, len(tools))
	for _, t := range tools {
		s.tools[t.Name] = t
	}
	return nil
}

// shapeResults applies the API's response shaping to its tools (which
// relaxes their output schemas to what shaped results satisfy). An
// override naming an operationId the spec lacks is an error: a typo would
// otherwise silently leave the operation unshaped.
func (s *Snapshot) shapeResults(tools []*mcpgen.Tool) error {
	for _, id := range s.cfg.Response.OperationIDs() {
		if !slices.ContainsFunc(s.doc.Operations, func(op *openapi.Operation) bool { return op.ID == id }) {
			return fmt.Errorf("response.operations[%s]: %s has no operation with this operationId", id, s.label())
		}
	}
	for _, t := range tools {
		if err := t.SetShape(s.cfg.Response.Shape(t.Operation.ID)); err != nil {
			return fmt.Errorf("response shaping: %w", err)
		}
	}
	return nil
}

// PolicyConfig returns the policy of an API as configured: the inline
// policy or the policy file (setting both is an error, as configuration
// validation says), or an empty policy (the spec's own security decides).
func PolicyConfig(api config.API) (*policies.Config, error) {
	switch {
	case api.Policy != nil && api.PolicyFile != "":
		return nil, fmt.Errorf("policy: set either policy or policyFile (%s), not both", api.PolicyFile)
	case api.Policy != nil:
		return api.Policy, nil
	case api.PolicyFile != "":
		b, err := os.ReadFile(api.PolicyFile)
		if err != nil {
			return nil, fmt.Errorf("read policy file: %w", err)
		}
		pc, err := policies.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("policy file %s: %w", api.PolicyFile, err)
		}
		return pc, nil
	}
	return &policies.Config{}, nil
}

// compilePolicy compiles the decision table of a protected API. An API
// without an auth section has no policy: every tool is callable.
func (s *Snapshot) compilePolicy(context.Context, *BuildOptions) error {
	if s.cfg.Auth == nil {
		return nil
	}
	pcfg, err := PolicyConfig(s.cfg)
	if err != nil {
		return err
	}
	refs := make([]policies.ToolRef, len(s.list))
	for i, t := range s.list {
		refs[i] = policies.ToolRef{Name: t.Name, Op: t.Operation}
	}
	set, problems, err := policies.Compile(pcfg, s.doc, refs)
	s.problems = problems
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	s.policyCfg, s.policy = pcfg, set
	for _, t := range s.list {
		t.AddScopeText(set.Requirements(t.Name))
	}
	s.baseline = set.Baseline()
	if len(s.cfg.Auth.Scopes) > 0 {
		s.baseline = s.cfg.Auth.Scopes
	}
	return nil
}

func (s *Snapshot) buildCredentials(ctx context.Context, o *BuildOptions) error {
	if o.NoCredentials {
		if s.cfg.UpstreamAuth != nil || len(s.cfg.OperationUpstreamAuth) > 0 {
			s.creds = missingCredentials{}
		}
		return nil
	}
	build := func(c *authbridge.UpstreamAuthConfig) (authbridge.Credentials, error) {
		return authbridge.NewCredentials(ctx, *c, authbridge.CredentialsOptions{
			HTTPClient: o.OutboundClient,
			Logger:     s.log,
			LookupEnv:  o.LookupEnv,
			Cache:      o.TokenCache,
		})
	}
	if s.cfg.UpstreamAuth != nil {
		c, err := build(s.cfg.UpstreamAuth)
		if err != nil {
			return fmt.Errorf("upstreamAuth: %w", err)
		}
		s.creds = c
	}
	for op, uc := range s.cfg.OperationUpstreamAuth {
		if uc == nil {
			continue
		}
		c, err := build(uc)
		if err != nil {
			return fmt.Errorf("operationUpstreamAuth[%s]: %w", op, err)
		}
		if s.opCreds == nil {
			s.opCreds = map[string]authbridge.Credentials{}
		}
		s.opCreds[op] = c
	}
	return nil
}

func (s *Snapshot) buildPRM(context.Context, *BuildOptions) error {
	if s.cfg.Auth != nil {
		s.prm = authbridge.NewPRMHandler(authbridge.NewPRM(s.resource, *s.cfg.Auth, s.baseline))
	}
	return nil
}

// buildHandler builds the upstream invoker and the mcp-go server of the
// snapshot: each tool's handler is bound to this snapshot's invoker,
// policy and credentials.
func (s *Snapshot) buildHandler(_ context.Context, o *BuildOptions) error {
	var specURL string
	if s.source.URL != "" {
		specURL = s.source.URL
	}
	var onResult func(context.Context, *mcpgen.Tool, *mcpgen.Result)
	if s.metrics != nil {
		onResult = s.metrics.observeResult
	}
	inv, err := mcpgen.NewInvoker(mcpgen.InvokerOptions{
		BaseURL:          s.cfg.Upstream,
		Servers:          s.doc.Servers,
		Schemas:          s.doc.Schemas,
		SpecURL:          specURL,
		ServerVariables:  s.cfg.ServerVariables,
		Client:           o.UpstreamClient,
		Timeout:          durationOr(s.cfg.Timeout, config.DefaultTimeout),
		MaxResponseBytes: s.cfg.MaxResponseBytes,
		Credentials:      o.tracing.credentials(s.applyCredentials), // observability hook: upstream.credentials span
		Authorize:        s.authorize,
		Logger:           s.log,
		UserAgent:        "rest2mcp/" + o.Version,
		OnResult:         o.tracing.onResult(onResult), // observability hook: tool/outcome on the request span
	})
	if err != nil {
		return fmt.Errorf("cannot call the upstream (%w); set upstream in the configuration, or --upstream", err)
	}
	s.invoker = inv
	tools := make([]server.ServerTool, 0, len(s.list))
	for _, t := range s.list {
		tools = append(tools, server.ServerTool{Tool: t.MCPTool(), Handler: inv.Handler(t)})
	}
	if s.discoveryMode() {
		tools = s.discoveryTools()
	}
	s.mcp = s.newMCPServer(o.Version)
	s.mcp.SetTools(tools...)
	s.stream = server.NewStreamableHTTPServer(s.mcp,
		server.WithStateLess(true),
		// Host and Origin are checked by the gateway's own guard, which
		// also knows the configured public host.
		server.WithDisableLocalhostProtection(true),
		server.WithHTTPContextFunc(func(ctx context.Context, _ *http.Request) context.Context { return ctx }),
		server.WithStreamableHTTPLogger(s.log.With("component", "mcp")),
	)
	return nil
}

func (s *Snapshot) newMCPServer(version string) *server.MCPServer {
	opts := []server.ServerOption{
		server.WithToolCapabilities(true),
		server.WithRecovery(),
		server.WithHooks(&server.Hooks{}),
		server.WithInstructions(s.instructions()),
		server.WithToolFilter(spliceFilter),
	}
	if s.policy != nil {
		opts = append(opts,
			server.WithToolFilter(s.filterTools),
			server.WithMethodCacheHints(mcp.MethodToolsList, 60_000, mcp.CacheScopePrivate),
		)
	} else {
		opts = append(opts, server.WithMethodCacheHints(mcp.MethodToolsList, 60_000, mcp.CacheScopePublic))
	}
	return server.NewMCPServer(s.name, version, opts...)
}

// missingCredentials stands for credentials an offline build skipped.
type missingCredentials struct{}

// Apply always fails: the build skipped the credentials.
func (missingCredentials) Apply(context.Context, *http.Request, *authbridge.Principal, []string) error {
	return errors.New("upstream credentials were not built (offline build)")
}
