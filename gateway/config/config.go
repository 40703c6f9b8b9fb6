// Package config is the rest2mcp configuration file model: one YAML file,
// decoded strictly (unknown keys are errors), overlaid with a documented set
// of REST2MCP_* environment variables and validated in one pass that reports
// every problem with its YAML path.
//
// It does no I/O beyond reading the file it is given; environment access
// goes through an injected lookup function.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/internal/loopback"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/policies"
)

// Defaults applied by [Config.ApplyDefaults].
const (
	DefaultListen       = "127.0.0.1:8080"
	DefaultMaxBodyBytes = 4 << 20
	// DefaultMaxTotalBodyBytes bounds the request bodies held in memory at
	// once across all requests.
	DefaultMaxTotalBodyBytes = 32 << 20
	DefaultShutdownGrace     = 10 * time.Second
	DefaultTimeout           = 30 * time.Second
	DefaultMaxResponse       = 1 << 20
)

// MinReloadInterval is the shortest accepted [Config.ReloadInterval].
const MinReloadInterval = time.Second

// Config is the whole configuration file.
type Config struct {
	// Listen is the address to listen on (default 127.0.0.1:8080).
	Listen string `json:"listen,omitempty"`
	// PublicURL is the externally visible base URL of the gateway; the
	// protected resource of API x is PublicURL + "/mcp/x". Required when
	// any API has an auth section. Defaults to http://<listen>.
	PublicURL string `json:"publicURL,omitempty"`
	// AllowedOrigins lists the browser origins allowed to call the MCP
	// endpoints. Requests carrying any other Origin are refused with 403.
	// The public URL's own origin is always allowed.
	AllowedOrigins []string `json:"allowedOrigins,omitempty"`
	// InsecureNoAuth allows serving APIs without an auth section on a
	// non-loopback listener. Never use it in production.
	InsecureNoAuth bool `json:"insecureNoAuth,omitempty"`
	// MaxBodyBytes caps MCP request bodies (default 4 MiB).
	MaxBodyBytes int64 `json:"maxBodyBytes,omitempty"`
	// MaxTotalBodyBytes bounds the MCP request bodies held in memory at
	// once, across all requests (default 32 MiB, at least MaxBodyBytes).
	// A request whose body does not fit is answered 503 with Retry-After
	// before its body is read.
	MaxTotalBodyBytes int64 `json:"maxTotalBodyBytes,omitempty"`
	// ShutdownGrace is how long in-flight requests may run on shutdown
	// (default 10s).
	ShutdownGrace Duration `json:"shutdownGrace,omitempty"`
	// ReloadInterval, when set, makes the gateway check every API's spec
	// and policy file this often and reload the APIs whose files changed
	// (size or modification time of the root spec file and the policy
	// file). Specs given as URLs are not polled; SIGHUP reloads them.
	// Zero (the default) turns polling off; otherwise at least 1s.
	ReloadInterval Duration `json:"reloadInterval,omitempty"`
	// SpecHosts lists hosts from which specs and external $refs may be
	// fetched in addition to each spec URL's own host.
	SpecHosts []string `json:"specHosts,omitempty"`
	// CacheDir holds compiled specs so that restarts skip parsing them
	// (GitHub's 13 MB description: ~2 s → ~0.2 s). Empty means the
	// user cache directory (set by the command line); "off" disables the
	// cache. Entries are keyed by the spec's bytes and this build, so a
	// changed spec or binary never sees a stale entry.
	CacheDir string `json:"cacheDir,omitempty"`
	// Metrics serves Prometheus metrics at GET /metrics (default off).
	// They are served on MetricsListen when it is set, else on the main
	// listener, which must then be loopback: the MCP listener is often
	// public, and metrics are for operators only.
	Metrics bool `json:"metrics,omitempty"`
	// MetricsListen is a separate host:port serving only /metrics, e.g.
	// 127.0.0.1:9090, or 0.0.0.0:9090 on a port not exposed publicly. It
	// needs Metrics, and is required with Metrics when Listen is not
	// loopback.
	MetricsListen string `json:"metricsListen,omitempty"`
	// Tracing turns OpenTelemetry tracing on (see [Tracing]).
	Tracing *Tracing `json:"tracing,omitempty"`
	// AuditLog sends audit records to their own sink (see [AuditLog]).
	AuditLog *AuditLog `json:"auditLog,omitempty"`
	// APIs are the REST APIs to serve; at least one unless Store is set.
	APIs []API `json:"apis"`
	// Store turns on the registry (web UI at /, admin API under
	// /admin/api/) and says where it keeps its APIs: a PostgreSQL URL
	// (postgres://…, for several replicas) or the path of a SQLite file.
	// Overridden by REST2MCP_STORE and the --store/--data-dir flags.
	Store string `json:"store,omitempty"`
	// AdminListen is a separate host:port for the web UI and the admin
	// API; when set, the main listener does not serve them (see admin.go).
	AdminListen string `json:"adminListen,omitempty"`
	// Admin configures sign-in to the web UI (see [Admin]).
	Admin *Admin `json:"admin,omitempty"`

	// publicURLDefaulted records that PublicURL was derived from Listen.
	publicURLDefaulted bool
}

// API is one REST API served as one MCP endpoint.
type API struct {
	// Name is the endpoint name: the API is served at /mcp/<name>.
	Name string `json:"name"`
	// Spec is the OpenAPI document: a file path (relative to the config
	// file) or an http(s) URL.
	Spec string `json:"spec"`
	// Upstream overrides the spec's server URL.
	Upstream string `json:"upstream,omitempty"`
	// ServerVariables set server URL template variables.
	ServerVariables map[string]string `json:"serverVariables,omitempty"`
	// ToolPrefix is prepended to every tool name.
	ToolPrefix string `json:"toolPrefix,omitempty"`
	// Timeout bounds each upstream call (default 30s).
	Timeout Duration `json:"timeout,omitempty"`
	// MaxResponseBytes caps what an upstream response may put in front of
	// the model (default 1 MiB).
	MaxResponseBytes int64 `json:"maxResponseBytes,omitempty"`
	// Response shapes JSON results for the model: a size limit with
	// structured truncation (default 64 KiB) and optional field
	// projection, per API and per operation (see [Response]).
	Response *Response `json:"response,omitempty"`
	// MaxOutputSchema bounds each tool's output schema in bytes (default
	// 8 KiB; -1 = unlimited); larger ones keep only their top level.
	MaxOutputSchema int `json:"maxOutputSchema,omitempty"`
	// Mode is how the operations are offered: "tools" (the default, one
	// tool per operation) or "discovery" (four tools that search,
	// describe and call the operations; see ModeDiscovery).
	Mode string `json:"mode,omitempty"`
	// Toolsets also serves the API split into toolsets, each at
	// /mcp/<name>/<toolset> with a read-only variant at
	// /mcp/<name>/<toolset>-readonly: "auto" (at most 100 tools each) or
	// a list of {name, include, exclude}.
	Toolsets *Toolsets `json:"toolsets,omitempty"`
	// Include and Exclude select operations (empty Include = all).
	Include *mcpgen.Selector `json:"include,omitempty"`
	Exclude *mcpgen.Selector `json:"exclude,omitempty"`
	// Auth protects the endpoint (OAuth 2.1 resource server).
	Auth *authbridge.Config `json:"auth,omitempty"`
	// Policy holds per-operation authorization rules.
	Policy *policies.Config `json:"policy,omitempty"`
	// PolicyFile names a YAML policy file (instead of Policy).
	PolicyFile string `json:"policyFile,omitempty"`
	// UpstreamAuth says how the gateway authenticates to the upstream.
	UpstreamAuth *authbridge.UpstreamAuthConfig `json:"upstreamAuth,omitempty"`
	// OperationUpstreamAuth overrides UpstreamAuth per operationId.
	OperationUpstreamAuth map[string]*authbridge.UpstreamAuthConfig `json:"operationUpstreamAuth,omitempty"`
}

// Duration is a time.Duration written as a Go duration string ("30s"); it
// is the same type as the auth sections use.
type Duration = authbridge.Duration

// Load reads, decodes strictly, overlays the environment and applies
// defaults. It does not validate; call [Config.Validate].
func Load(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.ApplyEnv(lookupEnv); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.ResolvePaths(dirOf(path))
	c.ApplyDefaults()
	return c, nil
}

// Parse decodes YAML or JSON strictly: unknown keys are errors.
func Parse(b []byte) (*Config, error) {
	var c Config
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty configuration")
	}
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			if where := unknownField(b, &c); where != "" {
				return nil, fmt.Errorf("YAML: %s", where)
			}
		}
		return nil, fmt.Errorf("YAML: %w%s", err, locateField(b, err))
	}
	return &c, nil
}

var unknownFieldRE = regexp.MustCompile(`unknown field "([^"]+)"`)

// locateField names the lines of an unknown field, since the YAML decoder
// reports only its name.
func locateField(b []byte, err error) string {
	m := unknownFieldRE.FindStringSubmatch(err.Error())
	if m == nil {
		return ""
	}
	keyRE := regexp.MustCompile(`^[\s-]*"?` + regexp.QuoteMeta(m[1]) + `"?\s*:`)
	var lines []string
	for i, l := range strings.Split(string(b), "\n") {
		if keyRE.MatchString(l) {
			lines = append(lines, strconv.Itoa(i+1))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return " (line " + strings.Join(lines, ", ") + ")"
}

// EnvOverrides documents the environment variables that override fields.
var EnvOverrides = []struct{ Name, Field string }{
	{"REST2MCP_LISTEN", "listen"},
	{"REST2MCP_PUBLIC_URL", "publicURL"},
	{"REST2MCP_ALLOWED_ORIGINS", "allowedOrigins (comma-separated)"},
	{"REST2MCP_INSECURE_NO_AUTH", "insecureNoAuth (true/false)"},
	{"REST2MCP_MAX_BODY_BYTES", "maxBodyBytes"},
	{"REST2MCP_CACHE_DIR", "cacheDir (\"off\" disables)"},
	{"REST2MCP_RELOAD_INTERVAL", "reloadInterval (a duration such as 30s; 0 turns polling off)"},
	{"REST2MCP_<API>_UPSTREAM", "apis[name=<api>].upstream (API name upper-cased, - replaced by _)"},
	{"REST2MCP_<API>_SPEC", "apis[name=<api>].spec"},
}

// ApplyEnv overlays the REST2MCP_* variables listed in [EnvOverrides].
func (c *Config) ApplyEnv(lookupEnv func(string) (string, bool)) error {
	if lookupEnv == nil {
		return nil
	}
	get := func(k string) (string, bool) {
		v, ok := lookupEnv(k)
		return v, ok && v != ""
	}
	if v, ok := get("REST2MCP_LISTEN"); ok {
		c.Listen = v
	}
	if v, ok := get("REST2MCP_PUBLIC_URL"); ok {
		c.PublicURL = v
	}
	if v, ok := get("REST2MCP_ALLOWED_ORIGINS"); ok {
		c.AllowedOrigins = splitList(v)
	}
	if v, ok := get("REST2MCP_INSECURE_NO_AUTH"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("REST2MCP_INSECURE_NO_AUTH: %w", err)
		}
		c.InsecureNoAuth = b
	}
	if v, ok := get("REST2MCP_CACHE_DIR"); ok {
		c.CacheDir = v
	}
	if v, ok := get("REST2MCP_MAX_BODY_BYTES"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("REST2MCP_MAX_BODY_BYTES: %w", err)
		}
		c.MaxBodyBytes = n
	}
	if v, ok := get("REST2MCP_RELOAD_INTERVAL"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("REST2MCP_RELOAD_INTERVAL: must be a duration such as 30s: %w", err)
		}
		c.ReloadInterval = Duration(d)
	}
	for i := range c.APIs {
		key := "REST2MCP_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(c.APIs[i].Name))
		if v, ok := get(key + "_UPSTREAM"); ok {
			c.APIs[i].Upstream = v
		}
		if v, ok := get(key + "_SPEC"); ok {
			c.APIs[i].Spec = v
		}
	}
	return nil
}

// ResolvePaths makes relative spec and policy file paths relative to dir.
func (c *Config) ResolvePaths(dir string) {
	for i := range c.APIs {
		a := &c.APIs[i]
		if a.Spec != "" && !isURL(a.Spec) && !isAbs(a.Spec) {
			a.Spec = joinPath(dir, a.Spec)
		}
		if a.PolicyFile != "" && !isAbs(a.PolicyFile) {
			a.PolicyFile = joinPath(dir, a.PolicyFile)
		}
	}
	if c.AuditLog.isFile() && !isAbs(c.AuditLog.Output) {
		c.AuditLog.Output = joinPath(dir, c.AuditLog.Output)
	}
	if c.SpecCacheDir() != "" && !isAbs(c.CacheDir) {
		c.CacheDir = joinPath(dir, c.CacheDir)
	}
}

// ApplyDefaults fills zero values with defaults.
func (c *Config) ApplyDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Listen
		c.publicURLDefaulted = true
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxTotalBodyBytes == 0 {
		c.MaxTotalBodyBytes = max(DefaultMaxTotalBodyBytes, c.MaxBodyBytes)
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = Duration(DefaultShutdownGrace)
	}
	for i := range c.APIs {
		a := &c.APIs[i]
		if a.Timeout == 0 {
			a.Timeout = Duration(DefaultTimeout)
		}
		if a.MaxResponseBytes == 0 {
			a.MaxResponseBytes = DefaultMaxResponse
		}
	}
}

// SpecCacheDir returns the directory for compiled specs, or "" when the
// cache is off. YAML's unquoted off and false decode as "false", so that
// value disables the cache too.
func (c *Config) SpecCacheDir() string {
	if c.CacheDir == CacheOff || c.CacheDir == "false" {
		return ""
	}
	return c.CacheDir
}

// anyAuth reports whether any API is protected.
func (c *Config) anyAuth() bool {
	for _, a := range c.APIs {
		if a.Auth != nil {
			return true
		}
	}
	return false
}

// CacheOff is the [Config.CacheDir] value that disables the spec cache.
const CacheOff = "off"

// ResourceURL is the protected resource identifier (and MCP endpoint URL)
// of the API named name.
func (c *Config) ResourceURL(name string) string { return c.PublicURL + "/mcp/" + name }

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks the whole configuration without I/O and returns every
// problem, one per line, with its YAML path.
func (c *Config) Validate() error {
	var p problems
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		p.add("listen", "must be host:port, got %q", c.Listen)
	}
	pub, err := url.Parse(c.PublicURL)
	switch {
	case err != nil || pub.Host == "" || (pub.Scheme != "http" && pub.Scheme != "https"):
		p.add("publicURL", "must be an absolute http(s) URL, got %q", c.PublicURL)
	case pub.RawQuery != "" || pub.Fragment != "":
		p.add("publicURL", "must not have a query or fragment")
	case c.publicURLDefaulted && !c.ListenIsLoopback() && c.anyAuth():
		p.add("publicURL", "required when listen (%s) is not a loopback address: set the https URL clients use (publicURL, --public-url or REST2MCP_PUBLIC_URL)", c.Listen)
	case pub.Scheme == "http" && !loopback.Host(pub.Hostname()) && c.anyAuth():
		p.add("publicURL", "must be https when APIs are protected (http is accepted only for loopback addresses), got %q", c.PublicURL)
	}
	for i, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			p.add(fmt.Sprintf("allowedOrigins[%d]", i), "must be an origin like https://app.example.com, got %q", o)
		}
	}
	if c.MaxBodyBytes < 1024 {
		p.add("maxBodyBytes", "must be at least 1024")
	}
	if c.MaxTotalBodyBytes != 0 && c.MaxTotalBodyBytes < c.MaxBodyBytes {
		p.add("maxTotalBodyBytes", "must be at least maxBodyBytes (%d), got %d", c.MaxBodyBytes, c.MaxTotalBodyBytes)
	}
	if d := c.ReloadInterval.D(); d != 0 && d < MinReloadInterval {
		p.add("reloadInterval", "must be at least %s (or 0 to turn polling off), got %s", MinReloadInterval, d)
	}
	c.validateMetrics(&p)
	c.validateObservability(&p)
	c.validateAdmin(&p)
	if len(c.APIs) == 0 && c.Store == "" {
		p.add("apis", "at least one API is required (or a registry store)")
	}
	loopback := c.ListenIsLoopback()
	seen := map[string]bool{}
	for i := range c.APIs {
		a := &c.APIs[i]
		at := fmt.Sprintf("apis[%d]", i)
		if !nameRE.MatchString(a.Name) {
			p.add(at+".name", "must match %s (it becomes the path /mcp/<name>), got %q", nameRE, a.Name)
		} else if seen[a.Name] {
			p.add(at+".name", "duplicate API name %q", a.Name)
		}
		seen[a.Name] = true
		if a.Spec == "" {
			p.add(at+".spec", "required (file path or http(s) URL)")
		}
		if a.Upstream != "" {
			if err := c.CheckUpstream(a.Upstream); err != nil {
				p.add(at+".upstream", "%v", err)
			}
		}
		// include, exclude and every policy rule's match use one matcher,
		// openapi.OperationFilter: globs ("*", "?") in every field,
		// operationIds and tags case-sensitive, methods case-insensitive,
		// paths segment by segment with "**" for zero or more segments.
		for _, sel := range []struct {
			name string
			s    *mcpgen.Selector
		}{{"include", a.Include}, {"exclude", a.Exclude}} {
			if sel.s != nil {
				if err := sel.s.Validate(); err != nil {
					p.addErr(at+"."+sel.name, err)
				}
			}
		}
		if a.Timeout < 0 {
			p.add(at+".timeout", "must not be negative")
		}
		a.Response.validate(&p, at+".response")
		if err := ValidateMode(a.Mode); err != nil {
			p.addErr(at+".mode", err)
		}
		if err := a.Toolsets.Validate(); err != nil {
			p.addErr(at+".toolsets", err)
		}
		if a.Auth == nil && !loopback && !c.InsecureNoAuth {
			p.add(at+".auth", "required: the listener %s is not loopback, so every API must be protected (add an auth section, or set insecureNoAuth: true for a trusted network only)", c.Listen)
		}
		if a.Auth != nil {
			if err := a.Auth.Validate(c.ResourceURL(a.Name)); err != nil {
				p.addErr(at+".auth", err)
			}
		}
		if a.Policy != nil && a.PolicyFile != "" {
			p.add(at+".policyFile", "set either policy (inline) or policyFile (%s), not both: remove one", a.PolicyFile)
		}
		if a.Policy != nil {
			if err := a.Policy.Validate(); err != nil {
				p.addErr(at+".policy", err)
			}
		}
		if a.UpstreamAuth != nil {
			if err := a.UpstreamAuth.Validate(); err != nil {
				p.addErr(at+".upstreamAuth", err)
			}
			if a.Auth == nil && NeedsInboundToken(a.UpstreamAuth.Type) {
				p.add(at+".upstreamAuth.type", "%s needs the caller's verified token: add an auth section", a.UpstreamAuth.Type)
			}
		}
		for op, ua := range a.OperationUpstreamAuth {
			if ua == nil {
				continue
			}
			if err := ua.Validate(); err != nil {
				p.addErr(fmt.Sprintf("%s.operationUpstreamAuth[%s]", at, op), err)
			}
		}
	}
	return p.err()
}

// NeedsInboundToken reports whether the upstream-auth type t exchanges the
// caller's verified token, so that the API needs an auth section.
func NeedsInboundToken(t string) bool { return t == "tokenExchange" || t == "entraOBO" }

// ListenIsLoopback reports whether the listen address is a loopback one.
func (c *Config) ListenIsLoopback() bool {
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return false
	}
	return loopback.Host(host)
}

// MetricsOnMainListener reports whether /metrics is served on the main
// listener: metrics are on, no MetricsListen is set, and the main
// listener is loopback.
func (c *Config) MetricsOnMainListener() bool {
	return c.Metrics && c.MetricsListen == "" && c.ListenIsLoopback()
}

// validateMetrics checks Metrics and MetricsListen.
func (c *Config) validateMetrics(p *problems) {
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			p.add("metricsListen", "must be host:port, got %q", c.MetricsListen)
		}
		if !c.Metrics {
			p.add("metricsListen", "is set but metrics is false; set metrics: true")
		}
		if c.MetricsListen == c.Listen {
			p.add("metricsListen", "must differ from listen (%s); leave it empty to serve /metrics on a loopback main listener", c.Listen)
		}
		return
	}
	if c.Metrics && !c.ListenIsLoopback() {
		p.add("metricsListen", "required with metrics: the listener %s is not loopback, and /metrics is not served next to the MCP endpoints there (set e.g. 127.0.0.1:9090)", c.Listen)
	}
}

type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

// addErr adds each line of err, prefixed with path unless the line already
// names a path below it.
func (p *problems) addErr(path string, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		if line == "" {
			continue
		}
		sect := path[strings.LastIndex(path, ".")+1:]
		if strings.HasPrefix(line, sect+".") || strings.HasPrefix(line, sect+"[") {
			*p = append(*p, strings.TrimSuffix(path, sect)+line)
			continue
		}
		*p = append(*p, path+": "+line)
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// ValidationError lists every configuration problem.
type ValidationError struct{ Problems []string }

// Error formats the problems as an indented list.
func (e *ValidationError) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
