package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/examples"
	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type serveFlags struct {
	config, spec, name, upstream, listen, publicURL string
	issuers, audiences                              multiFlag
	insecureNoAuth                                  bool
	cacheDir                                        string
	metrics                                         bool
	metricsListen                                   string
	logLevel, logFormat                             string
	selection                                       selectionFlags
	mode, toolsets                                  string
	registry                                        registryFlags
	// seed are APIs the registry uploads at start (rest2mcp demo); not a
	// flag.
	seed []gateway.SeedAPI
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "configuration file (YAML)")
	fs.StringVar(&f.spec, "spec", "", "OpenAPI document (path or URL) for zero-config serving")
	fs.StringVar(&f.name, "name", "", "API name (endpoint /mcp/<name>); default: a slug of the spec title")
	fs.StringVar(&f.upstream, "upstream", "", "upstream base URL (overrides the spec's servers)")
	fs.StringVar(&f.listen, "listen", "", "listen address (default 127.0.0.1:8080)")
	fs.StringVar(&f.publicURL, "public-url", "", "public base URL of the gateway (resource URLs derive from it)")
	fs.Var(&f.issuers, "issuer", "trusted token issuer (repeatable); enables OAuth protection")
	fs.Var(&f.audiences, "audience", "extra accepted token audience (repeatable)")
	fs.BoolVar(&f.insecureNoAuth, "insecure-no-auth", false, "serve without authorization on a non-loopback listener (trusted networks only)")
	fs.StringVar(&f.cacheDir, "cache-dir", "", `directory for compiled specs (default: the user cache directory; "off" disables)`)
	fs.BoolVar(&f.metrics, "metrics", false, "serve Prometheus metrics at /metrics (on --metrics-listen, else on a loopback --listen)")
	fs.StringVar(&f.metricsListen, "metrics-listen", "", "separate address for /metrics, e.g. 127.0.0.1:9090 (implies --metrics)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "text or json")
	f.registerShape(fs)
	f.registry.register(fs)
}

// registerShape registers the flags that shape the served tools: the
// operation selection, --toolsets and --mode (serve and dev).
func (f *serveFlags) registerShape(fs *flag.FlagSet) {
	f.selection.register(fs)
	fs.StringVar(&f.toolsets, "toolsets", "", `"auto": also serve each toolset of at most 100 tools at /mcp/<api>/<toolset> (and <toolset>-readonly); with --config, for every API`)
	fs.StringVar(&f.mode, "mode", "", `"tools" (one tool per operation, the default) or "discovery" (search_operations, describe_operation, call_operation, call_read_operation); with --config, for every API`)
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rest2mcp serve: unexpected argument %q (did you mean --spec %s?)\n", fs.Arg(0), fs.Arg(0))
		return exitError{2}
	}
	cfg, docs, err := f.loadConfig(ctx, lookupEnv)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, docs, f, stderr, lookupEnv, nil)
}

// serve builds the gateway and runs it until ctx ends. docs are specs
// already loaded, by API name (nil: none). ready, when set, is called once
// the listener is bound.
func serve(ctx context.Context, cfg *config.Config, docs map[string]*openapi.Document, f serveFlags, stderr io.Writer, lookupEnv func(string) (string, bool), ready func(net.Addr)) error {
	log, err := newLogger(stderr, f.logLevel, f.logFormat)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	reg, closeStore, err := registryOptions(ctx, cfg, f, lookupEnv)
	if err != nil {
		return err
	}
	defer closeStore()
	if f.registry.adminTokenValue != "" {
		log.Warn("--admin-token shows the token to every user of this machine (ps, /proc); prefer --admin-token-file or REST2MCP_ADMIN_TOKEN")
	}
	g, err := gateway.New(ctx, gateway.Options{Config: cfg, Logger: log, LookupEnv: lookupEnv, Version: version, Documents: docs, Registry: reg})
	if err != nil {
		return err
	}
	if reg != nil {
		log.Info("registry", "ui", cfg.AdminPublicURL()+"/", "admin_api", cfg.AdminPublicURL()+"/admin/api/", "store", redactDSN(cfg.Store))
	}
	logServing(log, cfg, g.APIs())
	go reloadOnHangup(ctx, g, log)
	return g.Run(ctx, ready)
}

// logServing logs each endpoint, then warns (see [warnAPIs]).
func logServing(log *slog.Logger, cfg *config.Config, apis []*gateway.API) {
	for _, a := range apis {
		attrs := []any{"api", a.Name(), "endpoint", a.ResourceURL(), "tools", len(a.Tools())}
		if m := a.Snapshot().Mode(); m != config.ModeTools {
			attrs = append(attrs, "mode", m)
		}
		if n := len(a.Diagnostics()); n > 0 {
			attrs = append(attrs, "spec_diagnostics", n, "details", "rest2mcp validate --spec "+a.Spec())
		}
		log.Info("serving", attrs...)
	}
	warnAPIs(log, cfg, apis)
}

// warnAPIs warns, once per API (not per toolset endpoint), about a
// selection that matches nothing, too many tools for VS Code and Copilot,
// and a missing authorization. serve and dev share it.
func warnAPIs(log *slog.Logger, cfg *config.Config, apis []*gateway.API) {
	for _, a := range apis {
		if strings.Contains(a.Name(), "/") {
			continue // a toolset endpoint: warned about with its API
		}
		ac := configuredAPI(cfg, a.Name())
		if ac != nil {
			for _, w := range mcpgen.SelectionProblems(ac.Include, ac.Exclude, a.Snapshot().Document().Operations) {
				log.Warn("selection matches nothing", "api", a.Name(), "problem", w)
			}
		}
		if n := len(a.Tools()); n > maxClientTools && a.Snapshot().Mode() != config.ModeDiscovery {
			log.Warn("endpoint lists too many tools for VS Code and Copilot", "api", a.Name(), "tools", n, "fix", tooManyToolsHint(a.Tools(), ac != nil && ac.Toolsets != nil))
		}
		if !a.Protected() {
			log.Warn("API served WITHOUT authorization", "api", a.Name(), "listen", cfg.Listen)
		}
	}
}

// configuredAPI is the configuration of API name; nil for a stored API.
func configuredAPI(cfg *config.Config, name string) *config.API {
	for i := range cfg.APIs {
		if cfg.APIs[i].Name == name {
			return &cfg.APIs[i]
		}
	}
	return nil
}

// reloadOnHangup rebuilds every API's specs and policies on SIGHUP. A
// failed rebuild keeps the APIs serving their previous snapshot.
func reloadOnHangup(ctx context.Context, g *gateway.Gateway, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			log.Info("reloading specs and policies (SIGHUP)")
			if err := g.Reload(ctx); err != nil {
				log.Error("reload failed; previous snapshots stay in service", "err", err)
			}
		}
	}
}

// buildConfig reads --config, or builds a one-API configuration from the
// zero-config flags (see [serveFlags.loadConfig]).
func (f *serveFlags) buildConfig(ctx context.Context, lookupEnv func(string) (string, bool)) (*config.Config, error) {
	cfg, _, err := f.loadConfig(ctx, lookupEnv)
	return cfg, err
}

// loadConfig reads --config, or builds a one-API configuration from the
// zero-config flags. Flags given with --config override the file. Without
// --name, the spec is loaded (once, through the gateway's SSRF-guarded
// loader) to name the API after its title; the document is returned by
// API name (for gateway.Options.Documents) so that the gateway does not
// load it again.
func (f *serveFlags) loadConfig(ctx context.Context, lookupEnv func(string) (string, bool)) (*config.Config, map[string]*openapi.Document, error) {
	var (
		cfg  *config.Config
		docs map[string]*openapi.Document
	)
	switch {
	case f.config != "" && f.spec != "":
		return nil, nil, errors.New("use either --config or --spec, not both")
	case f.config != "" && f.selection.isSet():
		return nil, nil, errors.New("--include-* and --exclude-method select operations for --spec; with --config, set include/exclude on the API in the config file")
	case f.config != "":
		c, err := config.Load(f.config, lookupEnv)
		if err != nil {
			return nil, nil, err
		}
		cfg = c
	case f.spec != "":
		spec := f.spec
		if !openapi.IsURL(spec) {
			if abs, err := filepath.Abs(spec); err == nil {
				spec = abs
			}
		}
		name := f.name
		var doc *openapi.Document
		if name == "" {
			d, err := gateway.LoadSpec(ctx, openapi.SourceFor(spec), gateway.BuildOptions{Config: &config.Config{CacheDir: f.specCacheDir()}})
			if err != nil {
				return nil, nil, fmt.Errorf("spec %s: %w", f.spec, err)
			}
			doc, name = d, slug(d.Title)
		}
		api := config.API{Name: name, Spec: spec, Upstream: f.upstream}
		if f.selection.isSet() {
			include, exclude, err := f.selection.selectors()
			if err != nil {
				return nil, nil, err
			}
			if !include.IsZero() {
				api.Include = &include
			}
			if !exclude.IsZero() {
				api.Exclude = &exclude
			}
		}
		if len(f.issuers) > 0 {
			api.Auth = &authbridge.Config{}
			for _, iss := range f.issuers {
				api.Auth.Issuers = append(api.Auth.Issuers, authbridge.IssuerConfig{Issuer: iss, Audiences: f.audiences})
			}
		} else if len(f.audiences) > 0 {
			return nil, nil, errors.New("--audience needs --issuer")
		}
		cfg = &config.Config{APIs: []config.API{api}, InsecureNoAuth: f.insecureNoAuth}
		if err := cfg.ApplyEnv(lookupEnv); err != nil {
			return nil, nil, err
		}
		// REST2MCP_<API>_SPEC may have replaced the spec just loaded.
		if doc != nil && cfg.APIs[0].Spec == spec {
			docs = map[string]*openapi.Document{name: doc}
		}
	default:
		// Neither: the registry alone (see resolveStore).
		cfg = &config.Config{}
		if err := cfg.ApplyEnv(lookupEnv); err != nil {
			return nil, nil, err
		}
	}
	if err := f.registry.resolveStore(cfg, f.config == "" && f.spec == "", lookupEnv); err != nil {
		return nil, nil, err
	}
	for i := range cfg.APIs {
		if f.mode != "" {
			cfg.APIs[i].Mode = f.mode
		}
		if f.toolsets != "" {
			cfg.APIs[i].Toolsets = &config.Toolsets{Auto: f.toolsets == config.ToolsetsAuto}
			if f.toolsets != config.ToolsetsAuto {
				return nil, nil, fmt.Errorf("--toolsets must be %q, got %q (list toolsets by hand in a config file)", config.ToolsetsAuto, f.toolsets)
			}
		}
	}
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	if f.publicURL != "" {
		cfg.PublicURL = f.publicURL
	}
	if f.insecureNoAuth {
		cfg.InsecureNoAuth = true
	}
	if f.metrics || f.metricsListen != "" {
		cfg.Metrics = true
	}
	if f.metricsListen != "" {
		cfg.MetricsListen = f.metricsListen
	}
	if f.cacheDir != "" {
		cfg.CacheDir = f.cacheDir
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = openapi.DefaultCacheDir()
	}
	cfg.ApplyDefaults()
	return cfg, docs, nil
}

// specCacheDir is the cache directory the flags ask for, before any
// configuration is built ("" when off).
func (f *serveFlags) specCacheDir() string {
	switch f.cacheDir {
	case config.CacheOff:
		return ""
	case "":
		return openapi.DefaultCacheDir()
	}
	return f.cacheDir
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// slug turns a title into an API name ("Swagger Petstore - OpenAPI 3.0" →
// "swagger-petstore-openapi-3-0").
func slug(s string) string {
	s = strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	if s == "" {
		return "api"
	}
	return s
}

// cmdDemo serves the example Petstore against the built-in demo upstream,
// so that a newcomer sees tools working without any other service.
func cmdDemo(ctx context.Context, args []string, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	fs.StringVar(&f.listen, "listen", config.DefaultListen, "listen address (loopback)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return runDemo(ctx, f, stderr, lookupEnv, nil)
}

// runDemo serves the demo; ready, when set, is called with the listener's
// address after the banner.
func runDemo(ctx context.Context, f serveFlags, stderr io.Writer, lookupEnv func(string) (string, bool), ready func(net.Addr)) error {
	demo, err := startDemoPetstore()
	if err != nil {
		return err
	}
	defer demo.close()
	// The Petstore is a stored API in a throwaway registry: the UI shows
	// it, edits it (tools, scopes, policy, versions) and takes uploads.
	cfg := &config.Config{Listen: f.listen, Store: filepath.Join(filepath.Dir(demo.spec), "registry.db")}
	f.seed = []gateway.SeedAPI{{Name: "petstore", Upstream: demo.upstream, FileName: "petstore.yaml", Spec: examples.PetstoreSpec}}
	cfg.ApplyDefaults()
	banner := func(net.Addr) {
		u := cfg.ResourceURL("petstore")
		fmt.Fprintf(stderr, "\nrest2mcp demo: Petstore tools at %s (demo upstream on %s)\n", u, demo.upstream)
		fmt.Fprintf(stderr, "  web UI:          %s/ (upload an OpenAPI file, see and tune its tools, connect VS Code)\n", cfg.PublicURL)
		fmt.Fprintf(stderr, "  list the tools:  curl -s %s -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n", u)
		fmt.Fprintf(stderr, "                     -H 'Mcp-Protocol-Version: 2025-11-25' -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}'\n")
		fmt.Fprintf(stderr, "  call one:        ... -d '{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"getPet\",\"arguments\":{\"petId\":1}}}'\n")
		fmt.Fprintf(stderr, "  or point an MCP client (VS Code: examples/vscode/) at %s\n\n", u)
	}
	if ready != nil {
		b := banner
		banner = func(a net.Addr) { b(a); ready(a) }
	}
	if err := serve(ctx, cfg, nil, f, stderr, lookupEnv, banner); err != nil {
		if strings.Contains(err.Error(), "address already in use") {
			return fmt.Errorf("%w (another process uses %s; pick another with --listen 127.0.0.1:PORT)", err, cfg.Listen)
		}
		return err
	}
	return nil
}

// demoPetstore is the example Petstore spec, written to a temporary file,
// and the built-in demo upstream serving it on loopback.
type demoPetstore struct {
	spec, upstream string
	close          func()
}

// startDemoPetstore starts the demo upstream; close stops it and removes
// the spec file.
func startDemoPetstore() (*demoPetstore, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo upstream: %w", err)
	}
	up := &http.Server{Handler: demoapi.New().Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = up.Serve(ln) }()
	dir, err := os.MkdirTemp("", "rest2mcp-demo-")
	if err != nil {
		up.Close()
		return nil, err
	}
	d := &demoPetstore{
		spec:     filepath.Join(dir, "petstore.yaml"),
		upstream: "http://" + ln.Addr().String() + "/v1",
		close:    func() { up.Close(); os.RemoveAll(dir) },
	}
	if err := os.WriteFile(d.spec, examples.PetstoreSpec, 0o600); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// cmdHealthcheck probes /healthz of a running gateway (for HEALTHCHECK in
// containers, where there is no curl).
func cmdHealthcheck(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	u := fs.String("url", "http://127.0.0.1:8080/healthz", "health URL")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: HTTP %d", resp.StatusCode)
	}
	return nil
}
