package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/ssrf"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/policies"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// The registry serves the APIs kept in a [store.Store] beside the ones of
// the configuration file: uploads, new spec versions, per-operation edits
// and rollbacks are built off to the side with the one API builder
// ([BuildAPI]), stored, and only then swapped in; a spec that fails to
// build changes nothing. Changes committed by other replicas arrive on the
// store's change feed and are rebuilt and swapped the same way.
//
// Stored APIs share one auth section ([RegistryOptions.Auth]); without it
// they are served without authorization. Who may use the UI and admin API
// is decided in adminauth.go (OIDC sign-in, admin token, or loopback only).

// RegistryOptions configure the registry of a [Gateway].
type RegistryOptions struct {
	// Store keeps the registry's APIs (required).
	Store store.Store
	// SpecClient fetches spec URLs given to the admin API; nil refuses
	// private, loopback, link-local and metadata addresses (SSRF guard)
	// and follows no redirects.
	SpecClient *http.Client
	// MaxSpecBytes bounds an uploaded or fetched spec; zero means the
	// loader's limit ([openapi.DefaultMaxBytes]).
	MaxSpecBytes int64
	// Auth protects every stored API (OAuth 2.1 resource server, like an
	// API's auth section): its policy and the scopes set per operation are
	// then enforced. Nil serves stored APIs without authorization, which
	// needs a loopback listener or insecureNoAuth, as for configured APIs.
	Auth *authbridge.Config
	// AdminToken, when set, is accepted as "Authorization: Bearer <token>"
	// by the admin API (compared in constant time) and lets the admin API
	// run on a non-loopback listener; the web UI is served there only with
	// OIDC sign-in (config admin.oidc). Without either, the UI and an open
	// admin API are served on loopback listeners only (adminauth.go).
	AdminToken string
	// Seed are APIs uploaded when the registry opens, through the same
	// path as an upload in the UI, unless the store already holds an API
	// of that name (rest2mcp demo seeds the Petstore: it is then a stored
	// API like any other, editable in the UI).
	Seed []SeedAPI
}

// SeedAPI is an API the registry uploads when it opens (see
// [RegistryOptions.Seed]).
type SeedAPI struct {
	// Name is the API's name; Upstream its upstream URL ("" = the spec's
	// servers).
	Name, Upstream string
	// FileName names the spec in the API's source; Spec is its bytes.
	FileName string
	Spec     []byte
}

// registry is the gateway's registry service; it implements web.Registry
// and backs the admin API.
type registry struct {
	g          *Gateway
	st         store.Store
	log        *slog.Logger
	specClient *http.Client
	maxSpec    int64
	auth       *authbridge.Config
	adminToken string
	// ui reports whether the web UI is served: on a loopback admin
	// listener, or anywhere with OIDC sign-in (adminauth.go).
	ui bool
	// signin is the UI's OIDC sign-in; nil without admin.oidc.
	signin *oidcSignIn

	// writeMu serialises this process's builds-and-writes, so that two
	// admin requests do not build the same API twice; other replicas are
	// kept apart by the store's optimistic concurrency.
	writeMu sync.Mutex

	// refs caches the tools of stored versions for diffs.
	refsMu sync.Mutex
	refs   map[string][]*toolRef

	mu     sync.RWMutex
	served map[string]*storedAPI
	failed map[string]string // stored APIs that did not build: why
}

// storedAPI is a stored API being served.
type storedAPI struct {
	api     *API
	version int64
	record  *store.API
	// toolsets are the API's toolset endpoints, by toolset name.
	toolsets map[string]*API
}

var _ web.Registry = (*registry)(nil)

func newRegistry(g *Gateway, o RegistryOptions) *registry {
	r := &registry{
		g: g, st: o.Store, log: g.log.With("component", "registry"),
		specClient: o.SpecClient, maxSpec: o.MaxSpecBytes, auth: o.Auth, adminToken: o.AdminToken,
		ui:     g.cfg.AdminListenIsLoopback() || (g.cfg.Admin != nil && g.cfg.Admin.OIDC != nil),
		served: map[string]*storedAPI{}, failed: map[string]string{},
	}
	if r.specClient == nil {
		r.specClient = &http.Client{
			Timeout:   30 * time.Second,
			Transport: ssrf.Policy{BlockPrivate: true, BlockLoopback: true}.Transport(),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return errors.New("redirects are not followed for spec URLs")
			},
		}
	}
	if r.maxSpec <= 0 {
		r.maxSpec = openapi.DefaultMaxBytes
	}
	return r
}

// byPRMPath returns the served stored API whose protected resource
// metadata is at path.
func (r *registry) byPRMPath(path string) *API {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.served {
		if authbridge.PRMPath(s.api.resource) == path {
			return s.api
		}
		for _, t := range s.toolsets {
			if authbridge.PRMPath(t.resource) == path {
				return t
			}
		}
	}
	return nil
}

// lookup returns the served stored API named name, or the toolset
// endpoint named "<api>/<toolset>".
func (r *registry) lookup(name string) (*API, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	api, toolset, isToolset := strings.Cut(name, "/")
	s, ok := r.served[api]
	if !ok {
		return nil, false
	}
	if isToolset {
		t, ok := s.toolsets[toolset]
		return t, ok
	}
	return s.api, true
}

// loadAll builds every stored API (at start and after a resync). APIs
// that fail are logged and reported as unhealthy; the others are served.
func (r *registry) loadAll(ctx context.Context) error {
	heads, err := r.st.List(ctx)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	seen := map[string]bool{}
	for _, h := range heads {
		seen[h.Name] = true
		r.refresh(ctx, h.Name, h.Version)
	}
	r.mu.Lock()
	for name := range r.served {
		if !seen[name] {
			delete(r.served, name)
		}
	}
	for name := range r.failed {
		if !seen[name] {
			delete(r.failed, name)
		}
	}
	r.mu.Unlock()
	return nil
}

// refresh rebuilds the stored API name unless version is already served.
// It reports false when the store could not be read (to be retried).
func (r *registry) refresh(ctx context.Context, name string, version int64) bool {
	r.mu.RLock()
	cur := r.served[name]
	r.mu.RUnlock()
	if cur != nil && version > 0 && cur.version >= version {
		return true
	}
	rec, err := r.st.Get(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		r.remove(name)
		return true
	}
	if err != nil {
		r.log.ErrorContext(ctx, "read stored API", "api", name, "err", err)
		return false
	}
	if _, clash := r.g.apis[name]; clash {
		r.setFailed(name, "a configured API has the same name")
		return true
	}
	a, _, subs, err := r.build(ctx, rec)
	if err != nil {
		r.log.ErrorContext(ctx, "stored API does not build; not served", "api", name, "version", rec.Version, "err", err)
		r.setFailed(name, "build failed: "+err.Error())
		return true
	}
	r.swap(rec, a, subs)
	return true
}

func (r *registry) setFailed(name, why string) {
	r.mu.Lock()
	r.failed[name] = why
	r.mu.Unlock()
}

func (r *registry) remove(name string) {
	r.mu.Lock()
	delete(r.served, name)
	delete(r.failed, name)
	r.mu.Unlock()
}

// swap serves a (built from rec) in place of the API's current version.
func (r *registry) swap(rec *store.API, a *API, toolsets map[string]*API) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur := r.served[rec.Name]; cur != nil && cur.version > rec.Version {
		return // a newer version got here first
	}
	r.served[rec.Name] = &storedAPI{api: a, version: rec.Version, record: rec, toolsets: toolsets}
	delete(r.failed, rec.Name)
	r.log.Info("serving stored API", "api", rec.Name, "version", rec.Version, "tools", len(a.Snapshot().list))
}

// follow applies the store's change feed until ctx is done: every change,
// by this process or another replica, is rebuilt and swapped.
// A change whose API could not be read (the store went away between the
// notification and the read) is retried every catchUpInterval until it
// is served. The lag from each change's commit to its application here
// is a metric (see catchUp).
func (r *registry) follow(ctx context.Context, changes <-chan store.Change) {
	c := newCatchUp(r)
	defer c.stop()
	for {
		select {
		case ch, ok := <-changes:
			if !ok {
				return
			}
			c.apply(ctx, ch)
		case <-c.tick():
			c.retry(ctx)
		}
	}
}

// apiConfig is the configuration of a stored API for the builder. The
// tool prefix is applied by the registry after naming (see editTools).
// With auth, the stored policy applies, after one rule per operation whose
// scopes the admin set (allow rules are checked in order: these win).
func apiConfig(rec *store.API, auth *authbridge.Config) (config.API, error) {
	s := rec.Settings
	c := config.API{
		Name:             rec.Name,
		Upstream:         s.Upstream,
		ServerVariables:  s.ServerVariables,
		Timeout:          config.Duration(s.Timeout),
		MaxResponseBytes: s.MaxResponseBytes,
		MaxOutputSchema:  s.MaxOutputSchema,
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = config.DefaultMaxResponse
	}
	if s.MaxResultBytes != 0 || len(s.ResultFields) > 0 {
		c.Response = &config.Response{ResponseShape: config.ResponseShape{MaxBytes: s.MaxResultBytes, Fields: s.ResultFields}}
	}
	if s.Include != nil {
		c.Include = &mcpgen.Selector{OperationIDs: s.Include.OperationIDs, Tags: s.Include.Tags, Methods: s.Include.Methods, Paths: s.Include.Paths}
	}
	if s.Exclude != nil {
		c.Exclude = &mcpgen.Selector{OperationIDs: s.Exclude.OperationIDs, Tags: s.Exclude.Tags, Methods: s.Exclude.Methods, Paths: s.Exclude.Paths}
	}
	if err := config.ValidateMode(s.Mode); err != nil {
		return c, fmt.Errorf("%w: mode: %v", store.ErrInvalid, err)
	}
	c.Mode = s.Mode
	if t := bytes.TrimSpace(s.Toolsets); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		var ts config.Toolsets
		if err := json.Unmarshal(t, &ts); err != nil {
			return c, fmt.Errorf("%w: %v", store.ErrInvalid, err)
		}
		if err := ts.Validate(); err != nil {
			return c, fmt.Errorf("%w: toolsets: %v", store.ErrInvalid, err)
		}
		c.Toolsets = &ts
	}
	ua, err := upstreamAuthConfig(rec.UpstreamAuth)
	if err != nil {
		return c, err
	}
	if ua != nil && auth == nil && config.NeedsInboundToken(ua.Type) {
		return c, fmt.Errorf("%w: upstreamAuth: %s needs the caller's verified token, but stored APIs are served without authorization (start the gateway with --issuer)", store.ErrInvalid, ua.Type)
	}
	c.UpstreamAuth = ua
	if auth == nil {
		return c, nil
	}
	a := *auth
	c.Auth = &a
	pc := &policies.Config{}
	if len(bytes.TrimSpace(rec.Policy)) > 0 {
		p, err := policies.Parse(rec.Policy)
		if err != nil {
			return c, fmt.Errorf("policy: %w", err)
		}
		pc = p
	}
	var rules []policies.Rule
	keys := slices.Sorted(maps.Keys(rec.Operations))
	for _, k := range keys {
		o := rec.Operations[k]
		if o.Scopes == nil {
			continue
		}
		m, p, _ := store.SplitOperationKey(k)
		rules = append(rules, policies.Rule{Name: "set in the registry for " + k, Match: policies.Match{Methods: []string{m}, Paths: []string{p}}, AllOf: o.Scopes})
	}
	pc.Rules = append(rules, pc.Rules...)
	c.Policy = pc
	return c, nil
}

// upstreamAuthConfig reads a stored upstream-auth section (the shape of
// the configuration file's upstreamAuth; nil when empty). Its secrets must
// be references, which the builder resolves like the configuration
// file's: a value is refused, never used.
func upstreamAuthConfig(raw json.RawMessage) (*authbridge.UpstreamAuthConfig, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil, nil
	}
	if err := store.CheckSecretRefs(raw); err != nil {
		return nil, fmt.Errorf("%w: upstreamAuth: %w", store.ErrInvalid, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var ua authbridge.UpstreamAuthConfig
	if err := dec.Decode(&ua); err != nil {
		return nil, fmt.Errorf("%w: upstreamAuth: %v", store.ErrInvalid, err)
	}
	if err := ua.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	return &ua, nil
}

// toolNameRE is the MCP tool-name rule the generator follows.
var toolNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// editTools applies rec's stable tool names, the admin's overrides and the
// tool prefix to the generated tools, and records the new name mapping in
// *names.
func editTools(rec *store.API, names *[]store.ToolName) func([]*mcpgen.Tool) ([]*mcpgen.Tool, error) {
	return func(tools []*mcpgen.Tool) ([]*mcpgen.Tool, error) {
		ops := make([]store.NamedOperation, len(tools))
		for i, t := range tools {
			key := store.OperationKey(t.Operation.Method, t.Operation.Path)
			ops[i] = store.NamedOperation{Key: key, OperationID: t.Operation.ID, Generated: t.Name, Override: rec.Operations[key].ToolName}
		}
		assigned := store.AssignToolNames(rec.ToolNames, ops)
		byKey := make(map[string]string, len(assigned))
		for _, n := range assigned {
			byKey[n.Key] = n.Name
		}
		*names = assigned
		out := tools[:0:0]
		seen := map[string]string{}
		for _, t := range tools {
			key := store.OperationKey(t.Operation.Method, t.Operation.Path)
			o := rec.Operations[key]
			if o.Enabled != nil && !*o.Enabled {
				continue
			}
			c := *t
			c.Name = rec.Settings.ToolPrefix + byKey[key]
			if !toolNameRE.MatchString(c.Name) {
				return nil, fmt.Errorf("%w: tool name %q of %s: use 1 to 64 letters, digits, _ and -", store.ErrInvalid, c.Name, key)
			}
			if other, dup := seen[c.Name]; dup {
				return nil, fmt.Errorf("%w: tool name %q is given to both %s and %s", store.ErrInvalid, c.Name, other, key)
			}
			seen[c.Name] = key
			if o.Description != "" {
				c.Description = o.Description
			}
			if h := o.Annotations; h != nil {
				for _, p := range []struct {
					dst *bool
					src *bool
				}{{&c.Annotations.ReadOnly, h.ReadOnly}, {&c.Annotations.Destructive, h.Destructive}, {&c.Annotations.Idempotent, h.Idempotent}, {&c.Annotations.OpenWorld, h.OpenWorld}} {
					if p.src != nil {
						*p.dst = *p.src
					}
				}
			}
			out = append(out, &c)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: every operation is disabled, so there is nothing to serve", store.ErrInvalid)
		}
		return out, nil
	}
}

// build builds rec into a new, unpublished *API (with its toolset
// endpoints, keyed by toolset name) and returns the tool-name mapping the
// build assigned. It changes nothing that is served.
func (r *registry) build(ctx context.Context, rec *store.API) (*API, []store.ToolName, map[string]*API, error) {
	c, err := apiConfig(rec, r.auth)
	if errors.Is(err, store.ErrInvalid) {
		return nil, nil, nil, err
	}
	if err != nil {
		return nil, nil, nil, &web.SpecError{Err: err, Diagnostics: []web.Diagnostic{{Severity: "error", Code: "policy", Message: err.Error()}}}
	}
	var names []store.ToolName
	doc := compiledDoc(rec)
	a, err := r.buildOne(ctx, rec, c, doc, &names)
	if err != nil {
		return nil, nil, nil, err
	}
	snap := a.Snapshot()
	if doc == nil {
		rec.Compiled = compiledForm(rec.Spec.Data, snap.doc)
	}
	cfgs, err := toolsetConfigs(c, snap.list)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	var subs map[string]*API
	for _, sc := range cfgs {
		var ignored []store.ToolName
		sub, err := r.buildOne(ctx, rec, sc, snap.doc, &ignored)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("toolset %s: %w", strings.TrimPrefix(sc.Name, rec.Name+"/"), err)
		}
		if subs == nil {
			subs = map[string]*API{}
		}
		subs[strings.TrimPrefix(sc.Name, rec.Name+"/")] = sub
	}
	return a, names, subs, nil
}

// buildOne builds one endpoint of rec configured as c (the API itself or
// one of its toolsets) with the one builder, the stored tool names and
// overrides applied; doc, when set, is the loaded spec.
func (r *registry) buildOne(ctx context.Context, rec *store.API, c config.API, doc *openapi.Document, names *[]store.ToolName) (*API, error) {
	g := r.g
	a := &API{
		name:     c.Name,
		resource: g.cfg.ResourceURL(c.Name),
		cfg:      c,
		gw:       g,
		log:      g.log.With("api", c.Name),
		metrics:  g.metrics.forAPI(c.Name, c.Auth != nil),
	}
	opts := a.buildOptions()
	opts.Source = openapi.Source{Data: rec.Spec.Data, Name: sourceLabel(rec)}
	opts.Document = doc
	opts.EditTools = editTools(rec, names)
	snap, err := BuildAPI(ctx, c, opts)
	if err != nil {
		return nil, err
	}
	a.snap.Store(snap)
	if c.Auth != nil {
		v, err := authbridge.NewVerifier(ctx, authbridge.VerifierOptions{
			Resource: a.resource, Config: *c.Auth, HTTPClient: g.outboundClient, Logger: g.log, LookupEnv: g.lookupEnv,
		})
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		a.verifier = v
		if c.Auth.RateLimit != nil {
			a.limiter = authbridge.NewRateLimiter(*c.Auth.RateLimit, &authbridge.RateLimiterOptions{Logger: a.log})
		}
		a.prm = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.snap.Load().prm.ServeHTTP(w, r) })
	}
	a.stream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.current(r.Context()).stream.ServeHTTP(w, r) })
	a.handler = a.chain()
	return a, nil
}

// The compiled form stored with a version is the SHA-256 of the spec it
// was loaded from followed by [openapi.MarshalCompiled], so that a form
// carried over to a version with another spec, or written by another
// build, is never used.

// compiledForm returns the compiled form of doc loaded from spec (nil
// when it cannot be encoded: the spec is then loaded at each start).
func compiledForm(spec []byte, doc *openapi.Document) []byte {
	b, err := openapi.MarshalCompiled(doc)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(spec)
	return append(sum[:], b...)
}

// compiledDoc returns the document of rec's compiled form, or nil when it
// has none that fits its spec and this build.
func compiledDoc(rec *store.API) *openapi.Document {
	sum := sha256.Sum256(rec.Spec.Data)
	if len(rec.Compiled) < len(sum) || !bytes.Equal(rec.Compiled[:len(sum)], sum[:]) {
		return nil
	}
	doc, err := openapi.UnmarshalCompiled(rec.Compiled[len(sum):])
	if err != nil {
		return nil
	}
	return doc
}

func sourceLabel(rec *store.API) string {
	if rec.Spec.Source.Location != "" {
		return rec.Spec.Source.Location
	}
	return rec.Name + " (uploaded)"
}

// specError turns a build failure into the registry's error: a
// [web.SpecError] with the diagnostics (422), or the store error the
// overrides broke (400).
func specError(err error) error {
	var already *web.SpecError
	if errors.Is(err, store.ErrInvalid) || errors.As(err, &already) {
		return err
	}
	se := &web.SpecError{Err: err}
	var be *BuildError
	if errors.As(err, &be) {
		se.Err = be.Err
		se.Diagnostics = diagnostics(be.Diagnostics)
		for _, p := range be.Problems {
			se.Diagnostics = append(se.Diagnostics, web.Diagnostic{Severity: "error", Code: "policy", Message: fmt.Sprint(p)})
		}
	}
	if len(se.Diagnostics) == 0 {
		se.Diagnostics = []web.Diagnostic{{Severity: "error", Message: se.Err.Error()}}
	}
	return se
}

func diagnostics(ds openapi.Diagnostics) []web.Diagnostic {
	out := make([]web.Diagnostic, 0, len(ds))
	for _, d := range ds {
		loc := d.Pointer
		if d.Line > 0 {
			loc = fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column)
			if d.File == "" {
				loc = fmt.Sprintf("line %d, column %d", d.Line, d.Column)
			}
		}
		out = append(out, web.Diagnostic{Severity: d.Severity.String(), Code: d.Code, Location: loc, Message: d.Message})
	}
	return out
}

// fetchSpec reads a spec URL through the SSRF-guarded client, bounded.
func (r *registry) fetchSpec(ctx context.Context, raw string) ([]byte, error) {
	if !openapi.IsURL(raw) {
		return nil, fmt.Errorf("%w: spec URL %q: want an http or https URL", store.ErrInvalid, raw)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: spec URL %q: %v", store.ErrInvalid, raw, err)
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")
	resp, err := r.specClient.Do(req)
	if err != nil {
		var be *ssrf.BlockedError
		if errors.As(err, &be) {
			return nil, fmt.Errorf("%w: spec URL %q: %v", errRefusedURL, raw, be)
		}
		return nil, fmt.Errorf("%w: fetch spec URL %q: %v", store.ErrInvalid, raw, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: fetch spec URL %q: %s", store.ErrInvalid, raw, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, r.maxSpec+1))
	if err != nil {
		return nil, fmt.Errorf("%w: fetch spec URL %q: %v", store.ErrInvalid, raw, err)
	}
	if int64(len(b)) > r.maxSpec {
		return nil, fmt.Errorf("%w: %q is larger than %s", web.ErrTooLarge, raw, web.FormatSize(r.maxSpec))
	}
	return b, nil
}

// errRefusedURL marks a spec URL refused by the SSRF guard (400).
var errRefusedURL = fmt.Errorf("%w: address refused (private, loopback, link-local or metadata addresses cannot be fetched)", store.ErrInvalid)

// specOf returns the spec bytes and source of an upload.
func (r *registry) specOf(ctx context.Context, req web.UploadRequest) ([]byte, store.Source, error) {
	if req.SpecURL != "" {
		b, err := r.fetchSpec(ctx, req.SpecURL)
		return b, store.Source{Kind: store.SourceURL, Location: req.SpecURL}, err
	}
	if len(req.Spec) == 0 {
		return nil, store.Source{}, fmt.Errorf("%w: no spec: upload a file or give specURL", store.ErrInvalid)
	}
	if int64(len(req.Spec)) > r.maxSpec {
		return nil, store.Source{}, fmt.Errorf("%w: the spec has %d bytes, larger than %s", web.ErrTooLarge, len(req.Spec), web.FormatSize(r.maxSpec))
	}
	return req.Spec, store.Source{Kind: store.SourceUpload, Location: req.FileName}, nil
}

// Upload builds, stores and serves a new API (see [web.Registry]).
func (r *registry) Upload(ctx context.Context, req web.UploadRequest) (*web.UploadResult, error) {
	if err := store.ValidName(req.Name); err != nil {
		return nil, err
	}
	if _, clash := r.g.apis[req.Name]; clash {
		return nil, fmt.Errorf("API %q: %w (defined in the configuration file)", req.Name, store.ErrAlreadyExists)
	}
	if err := r.checkUpstream(req.Upstream); err != nil {
		return nil, err
	}
	data, src, err := r.specOf(ctx, req)
	if err != nil {
		return nil, err
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if !req.DryRun {
		if _, err := r.st.Get(ctx, req.Name); err == nil {
			return nil, fmt.Errorf("API %q: %w", req.Name, store.ErrAlreadyExists)
		}
	}
	rec := &store.API{Name: req.Name, Message: "upload", Spec: store.Spec{Data: data, Source: src}, Settings: store.Settings{Upstream: req.Upstream}}
	a, names, subs, err := r.build(ctx, rec)
	if err != nil {
		return nil, specError(err)
	}
	rec.ToolNames = names
	res := r.result(rec, a)
	if req.DryRun {
		return res, nil
	}
	stored, err := r.st.Create(ctx, rec)
	if err != nil {
		return nil, err
	}
	r.swap(stored, a, subs)
	r.auditChange(ctx, "upload", stored.Name, stored.Version)
	res.Version = stored.Version
	return res, nil
}

// auditChange records an admin change in the audit log.
func (r *registry) auditChange(ctx context.Context, action, name string, version int64) {
	r.g.audit.InfoContext(ctx, "registry change", "action", action, "api", name, "version", version, "admin", adminSubject(ctx))
}

func (r *registry) result(rec *store.API, a *API) *web.UploadResult {
	snap := a.Snapshot()
	res := &web.UploadResult{Name: rec.Name, Version: rec.Version, Tools: len(snap.list), Endpoint: a.resource, Diagnostics: diagnostics(snap.diags)}
	for _, t := range snap.list {
		res.ToolNames = append(res.ToolNames, t.Name)
	}
	return res
}

// change builds a new version of the stored API name from its latest
// version edited by edit, stores it (failing with store.ErrConflict when
// ifVersion is stale) and serves it. Nothing changes when any step fails.
func (r *registry) change(ctx context.Context, name string, ifVersion int64, message string, edit func(*store.API) error) (*store.API, *API, *store.API, error) {
	if _, clash := r.g.apis[name]; clash {
		return nil, nil, nil, fmt.Errorf("API %q is defined in the configuration file: %w", name, store.ErrReadOnly)
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	head, err := r.st.Get(ctx, name)
	if err != nil {
		return nil, nil, nil, err
	}
	if ifVersion > 0 && head.Version != ifVersion {
		return nil, nil, nil, fmt.Errorf("API %q: based on version %d, latest is %d: %w", name, ifVersion, head.Version, store.ErrConflict)
	}
	next := head.Clone()
	if err := edit(next); err != nil {
		return nil, nil, nil, err
	}
	next.Message = message
	a, names, subs, err := r.build(ctx, next)
	if err != nil {
		return nil, nil, nil, specError(err)
	}
	next.ToolNames = names
	stored, err := r.st.Update(ctx, name, head.Version, func(cur *store.API) error {
		*cur = *next.Clone()
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	r.swap(stored, a, subs)
	r.auditChange(ctx, message, name, stored.Version)
	return head, a, stored, nil
}

var _ web.Editor = (*registry)(nil)

// UpdateSettings changes the upstream, tool prefix, timeout, mode,
// toolsets and upstream auth of a stored API as a new version (see
// [web.Editor]).
func (r *registry) UpdateSettings(ctx context.Context, name string, ifVersion int64, s web.Settings) error {
	timeout, err := parseTimeout(strings.TrimSpace(s.Timeout))
	if err == nil {
		err = r.checkUpstream(strings.TrimSpace(s.Upstream))
	}
	if err != nil {
		return err
	}
	mode := strings.TrimSpace(s.Mode)
	if mode == config.ModeTools {
		mode = ""
	}
	var ua, ts json.RawMessage
	if t := strings.TrimSpace(s.UpstreamAuth); t != "" {
		ua = json.RawMessage(t)
	}
	if t := strings.TrimSpace(s.Toolsets); t != "" {
		ts = json.RawMessage(t)
		if !json.Valid(ts) {
			return fmt.Errorf("%w: toolsets: not valid JSON (give \"auto\" with its quotes, or a list)", store.ErrInvalid)
		}
	}
	_, _, _, err = r.change(ctx, name, ifVersion, "settings", func(rec *store.API) error {
		rec.Settings.Upstream = strings.TrimSpace(s.Upstream)
		rec.Settings.ToolPrefix = strings.TrimSpace(s.ToolPrefix)
		rec.Settings.Timeout = timeout
		rec.Settings.Mode = mode
		rec.Settings.Toolsets = ts
		rec.UpstreamAuth = ua
		return nil
	})
	return err
}

// PutSpec builds, stores and serves a new spec version (see [web.Editor]).
func (r *registry) PutSpec(ctx context.Context, name string, ifVersion int64, req web.UploadRequest) (*web.SpecChange, error) {
	data, src, err := r.specOf(ctx, req)
	if err != nil {
		return nil, err
	}
	var old []*toolRef
	if sa, ok := r.servedAPI(name); ok {
		old = toolRefs(sa.api)
	}
	_, a, stored, err := r.change(ctx, name, ifVersion, "new spec", func(rec *store.API) error {
		rec.Spec = store.Spec{Data: data, Source: src}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d := diffTools(old, toolRefs(a))
	return &web.SpecChange{Version: stored.Version, Tools: len(a.Snapshot().list), Added: d.Added, Removed: d.Removed,
		Changed: d.Changed, Breaking: d.Breaking, Diagnostics: diagnostics(a.Snapshot().diags)}, nil
}

// Delete removes a stored API (see [web.Editor]).
func (r *registry) Delete(ctx context.Context, name string, ifVersion int64) error {
	if _, clash := r.g.apis[name]; clash {
		return fmt.Errorf("API %q is defined in the configuration file: %w", name, store.ErrReadOnly)
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if err := r.st.Delete(ctx, name, ifVersion); err != nil {
		return err
	}
	r.remove(name)
	r.auditChange(ctx, "delete", name, 0)
	return nil
}

// rollback writes a new version of the API copying version to, builds
// and serves it.
func (r *registry) rollback(ctx context.Context, name string, to, ifVersion int64) (*API, *store.API, error) {
	old, err := r.st.GetVersion(ctx, name, to)
	if err != nil {
		return nil, nil, err
	}
	_, a, stored, err := r.change(ctx, name, ifVersion, "rollback to "+strconv.FormatInt(to, 10), func(rec *store.API) error {
		o := old.Clone()
		o.Name, o.Version, o.CreatedAt = rec.Name, rec.Version, rec.CreatedAt
		*rec = *o
		return nil
	})
	return a, stored, err
}

// Rollback rolls the API back to version to (see [web.Registry]).
func (r *registry) Rollback(ctx context.Context, name string, to, ifVersion int64) error {
	_, _, err := r.rollback(ctx, name, to, ifVersion)
	return err
}

// maxVersionsShown bounds the versions the UI lists (each is read with
// its tool names).
const maxVersionsShown = 20

// Versions lists the API's latest versions, newest first, each with the
// tools it added and removed (see [web.Registry]).
func (r *registry) Versions(ctx context.Context, name string) ([]web.Version, error) {
	if _, clash := r.g.apis[name]; clash {
		return nil, fmt.Errorf("API %q is defined in the configuration file and has no versions: %w", name, store.ErrReadOnly)
	}
	vs, err := r.st.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	first := max(0, len(vs)-maxVersionsShown-1) // one more, to diff the oldest shown
	var prev *store.API
	var out []web.Version
	for _, vi := range vs[first:] {
		rec, err := r.st.GetVersion(ctx, name, vi.Version)
		if err != nil {
			return nil, err
		}
		v := web.Version{Version: vi.Version, CreatedAt: vi.CreatedAt, Message: vi.Message, Tools: enabledTools(rec)}
		if prev != nil {
			d, note := r.diffVersions(ctx, prev, rec)
			v.Added, v.Removed, v.Changed, v.Breaking, v.DiffNote = d.Added, d.Removed, d.Changed, d.Breaking, note
		}
		if prev != nil || first == 0 {
			out = append(out, v)
		}
		prev = rec
	}
	slices.Reverse(out)
	return out, nil
}

// enabledTools counts the tools of a version that are not disabled.
func enabledTools(rec *store.API) int {
	n := 0
	for _, t := range rec.ToolNames {
		if o := rec.Operations[t.Key]; o.Enabled == nil || *o.Enabled {
			n++
		}
	}
	return n
}

// List returns the configured and stored APIs, sorted by name.
func (r *registry) List(ctx context.Context) ([]web.APISummary, error) {
	var out []web.APISummary
	for _, a := range r.g.APIs() {
		out = append(out, web.APISummary{Name: a.name, Endpoint: a.resource, Tools: len(a.Tools()), Version: 1, ReadOnly: true, Health: "serving"})
	}
	heads, err := r.st.List(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	for _, h := range heads {
		if _, clash := r.g.apis[h.Name]; clash {
			continue
		}
		s := web.APISummary{Name: h.Name, Endpoint: r.g.cfg.ResourceURL(h.Name), Version: h.Version, Health: "serving"}
		switch sa := r.served[h.Name]; {
		case sa != nil:
			s.Tools = len(sa.api.Snapshot().list)
			if sa.version < h.Version {
				s.Health = fmt.Sprintf("serving version %d", sa.version)
			}
		case r.failed[h.Name] != "":
			s.Health = r.failed[h.Name]
		default:
			s.Health = "starting"
		}
		out = append(out, s)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// served returns the served stored API and its record.
func (r *registry) servedAPI(name string) (*storedAPI, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.served[name]
	return s, ok
}

// Get returns one API with its operations.
func (r *registry) Get(ctx context.Context, name string) (*web.APIDetail, error) {
	if a, ok := r.g.apis[name]; ok {
		d := r.detail(a, nil)
		d.ReadOnly = true
		d.Source = a.cfg.Spec
		return d, nil
	}
	sa, ok := r.servedAPI(name)
	if !ok {
		if _, err := r.st.Get(ctx, name); err != nil {
			return nil, err
		}
		r.refresh(ctx, name, 0)
		if sa, ok = r.servedAPI(name); !ok {
			r.mu.RLock()
			why := r.failed[name]
			r.mu.RUnlock()
			return nil, fmt.Errorf("API %q is stored but not served: %s", name, why)
		}
	}
	d := r.detail(sa.api, sa.record)
	d.Version = sa.version
	d.Settings = web.Settings{Upstream: sa.record.Settings.Upstream, ToolPrefix: sa.record.Settings.ToolPrefix, Mode: sa.record.Settings.Mode,
		Toolsets: string(sa.record.Settings.Toolsets)}
	if len(sa.record.UpstreamAuth) > 0 {
		var b bytes.Buffer
		if json.Indent(&b, sa.record.UpstreamAuth, "", "  ") == nil {
			d.Settings.UpstreamAuth = b.String()
		}
	}
	if t := sa.record.Settings.Timeout; t > 0 {
		d.Settings.Timeout = t.String()
	}
	d.Source = string(sa.record.Spec.Source.Kind)
	if l := sa.record.Spec.Source.Location; l != "" {
		d.Source += " " + l
	}
	return d, nil
}

// detail describes a served API; rec is its stored record (nil for a
// configured API).
func (r *registry) detail(a *API, rec *store.API) *web.APIDetail {
	snap := a.Snapshot()
	d := &web.APIDetail{
		APISummary: web.APISummary{Name: a.name, Endpoint: a.resource, Tools: len(snap.list), Version: 1, Health: "serving"},
		Upstream:   a.cfg.Upstream,
		Diagnostics: diagnostics(slices.DeleteFunc(slices.Clone(snap.diags), func(d openapi.Diagnostic) bool {
			return d.Severity == openapi.SeverityInfo
		})),
	}
	if snap.prm != nil {
		d.PRMURL = a.prmURL()
	}
	byOp := map[*openapi.Operation]*mcpgen.Tool{}
	for _, t := range snap.list {
		byOp[t.Operation] = t
	}
	names := map[string]string{}
	var ov map[string]store.Operation
	if rec != nil {
		for _, n := range rec.ToolNames {
			names[n.Key] = rec.Settings.ToolPrefix + n.Name
		}
		ov = rec.Operations
	}
	for _, op := range snap.doc.Operations {
		key := store.OperationKey(op.Method, op.Path)
		o := web.Operation{Key: key, Method: op.Method, Path: op.Path, OperationID: op.ID, Description: op.Summary}
		if t := byOp[op]; t != nil {
			o.Enabled, o.ToolName = true, t.Name
			o.Annotations = web.Hints{ReadOnly: t.Annotations.ReadOnly, Destructive: t.Annotations.Destructive, Idempotent: t.Annotations.Idempotent, OpenWorld: t.Annotations.OpenWorld}
			o.InputSchema = t.InputSchema
			if o.Scopes = t.Scopes; len(o.Scopes) > 0 {
				o.ScopesFrom = "spec security"
			}
			if snap.policy != nil {
				o.Scopes, o.ScopesFrom = nil, "decided by "+snap.policy.DecidedBy(t.Name)
				if reqs := snap.policy.Requirements(t.Name); len(reqs) > 0 {
					o.Scopes = reqs[0]
					if len(reqs) > 1 {
						o.ScopesFrom += fmt.Sprintf(" (first of %d alternatives)", len(reqs))
					}
				}
			}
		} else {
			o.ToolName = names[key]
		}
		if s := ov[key].Scopes; s != nil {
			o.Scopes, o.ScopesFrom = s, "set here"
		}
		if snap.policy == nil && len(o.Scopes) > 0 {
			o.ScopesFrom += "; not enforced: the API is served without authorization"
		}
		d.Operations = append(d.Operations, o)
	}
	sort.SliceStable(d.Operations, func(i, j int) bool {
		if d.Operations[i].Path != d.Operations[j].Path {
			return d.Operations[i].Path < d.Operations[j].Path
		}
		return d.Operations[i].Method < d.Operations[j].Method
	})
	return d
}

// PatchOperation changes one operation's overrides as a new version.
func (r *registry) PatchOperation(ctx context.Context, name, key string, ifVersion int64, p web.OperationPatch) (*web.APIDetail, error) {
	if _, _, ok := store.SplitOperationKey(key); !ok {
		return nil, fmt.Errorf("%w: operation key %q", store.ErrInvalid, key)
	}
	_, _, _, err := r.change(ctx, name, ifVersion, "edit "+key, func(a *store.API) error {
		if !hasOperation(a, key) {
			return fmt.Errorf("API %q has no operation %s: %w", name, key, store.ErrNotFound)
		}
		o := a.Operations[key]
		if p.Enabled != nil {
			e := *p.Enabled
			o.Enabled = &e
		}
		if p.ToolName != nil {
			o.ToolName = strings.TrimSpace(*p.ToolName)
			if o.ToolName != "" && !toolNameRE.MatchString(o.ToolName) {
				return fmt.Errorf("%w: tool name %q: use 1 to 64 letters, digits, _ and -", store.ErrInvalid, o.ToolName)
			}
			// Taking another operation's name would silently rename that
			// tool (to name_2) under its callers.
			for _, n := range a.ToolNames {
				if n.Key != key && n.Name == o.ToolName {
					return fmt.Errorf("%w: tool name %q is taken by %s; rename that operation first", store.ErrInvalid, o.ToolName, n.Key)
				}
			}
		}
		if p.Description != nil {
			o.Description = *p.Description
		}
		if p.Annotations != nil {
			o.Annotations = p.Annotations
			if *o.Annotations == (store.Annotations{}) {
				o.Annotations = nil
			}
		}
		if p.Scopes != nil {
			o.Scopes = slices.Clone(*p.Scopes)
			if o.Scopes == nil {
				o.Scopes = []string{}
			}
		}
		if a.Operations == nil {
			a.Operations = map[string]store.Operation{}
		}
		a.Operations[key] = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, name)
}

// hasOperation reports whether the spec of a has the operation key (by the
// served version's document, or the stored mapping).
func hasOperation(a *store.API, key string) bool {
	for _, n := range a.ToolNames {
		if n.Key == key {
			return true
		}
	}
	return false
}

// specDiff is the tool-level difference between two versions.
type specDiff struct {
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
	Changed  []string `json:"changed"`
	Breaking []string `json:"breaking"`
}

// diffTools compares two builds' tools by name: a tool is changed when its
// description or schemas differ, and breaking when it was removed or its
// input schema changed.
func diffTools(old, cur []*toolRef) specDiff {
	d := specDiff{Added: []string{}, Removed: []string{}, Changed: []string{}, Breaking: []string{}}
	om := map[string]*toolRef{}
	for _, t := range old {
		om[t.name] = t
	}
	cm := map[string]bool{}
	for _, t := range cur {
		cm[t.name] = true
		o, ok := om[t.name]
		switch {
		case !ok:
			d.Added = append(d.Added, t.name)
		case !bytes.Equal(o.in, t.in):
			d.Changed = append(d.Changed, t.name)
			d.Breaking = append(d.Breaking, t.name)
		case o.desc != t.desc || !bytes.Equal(o.out, t.out):
			d.Changed = append(d.Changed, t.name)
		}
	}
	for _, t := range old {
		if !cm[t.name] {
			d.Removed = append(d.Removed, t.name)
			d.Breaking = append(d.Breaking, t.name)
		}
	}
	for _, s := range [][]string{d.Added, d.Removed, d.Changed, d.Breaking} {
		sort.Strings(s)
	}
	return d
}

// etag is the entity tag of a version; parseIfMatch reads it back ("" or
// "*" = no precondition).
func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

func parseIfMatch(h string) (int64, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%w: If-Match %q: want the version's ETag, e.g. \"3\"", store.ErrInvalid, h)
	}
	return v, nil
}

// openRegistry starts the registry: it subscribes to the store's change
// feed (before reading, so that nothing is missed), then builds every
// stored API. Stored APIs that fail to build are reported, not fatal.
func (g *Gateway) openRegistry(ctx context.Context, o RegistryOptions) error {
	if o.Store == nil {
		return errors.New("registry: no store")
	}
	signedIn := g.cfg.Admin != nil && g.cfg.Admin.OIDC != nil
	if !g.cfg.AdminListenIsLoopback() && o.AdminToken == "" && !signedIn {
		addr := g.cfg.Listen
		if g.cfg.AdminListen != "" {
			addr = g.cfg.AdminListen
		}
		return fmt.Errorf("registry: the UI and admin API would listen on %s, not loopback: they need OIDC sign-in (admin.oidc) or an admin token there (REST2MCP_ADMIN_TOKEN, --admin-token-file or --admin-token), or set adminListen to a loopback address", addr)
	}
	if !g.cfg.ListenIsLoopback() && o.Auth == nil && !g.cfg.InsecureNoAuth {
		return fmt.Errorf("registry: listen is %s, not loopback: stored APIs need authorization there (--issuer), or insecureNoAuth on a trusted network", g.cfg.Listen)
	}
	r := newRegistry(g, o)
	signin, err := newOIDCSignIn(g)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	r.signin = signin
	wctx, cancel := context.WithCancel(context.Background())
	changes, err := o.Store.Watch(wctx)
	if err != nil {
		cancel()
		return fmt.Errorf("registry: %w", err)
	}
	if err := r.loadAll(ctx); err != nil {
		cancel()
		return err
	}
	for _, sd := range o.Seed {
		_, err := r.Upload(ctx, web.UploadRequest{Name: sd.Name, Upstream: sd.Upstream, FileName: sd.FileName, Spec: sd.Spec})
		if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			cancel()
			return fmt.Errorf("registry: seed API %s: %w", sd.Name, err)
		}
	}
	g.reg, g.regChanges, g.stopFeed = r, changes, cancel
	return nil
}

// mountRegistry mounts the UI at /, the admin API under /admin/api/ and
// the MCP Registry read API under /v0.1/servers.
func (g *Gateway) mountRegistry(e *echo.Echo) {
	if g.reg == nil {
		return
	}
	// The UI, sign-in and admin API (adminauth.go).
	g.mountAdmin(e)
	// Protected resource metadata of stored APIs (the configured ones have
	// static routes, which echo prefers).
	e.Any(authbridge.WellKnownPRMPath+"/*", func(c echo.Context) error {
		if a := g.reg.byPRMPath(c.Request().URL.EscapedPath()); a != nil && a.prm != nil {
			a.prm.ServeHTTP(c.Response(), c.Request())
			return nil
		}
		return echo.NewHTTPError(http.StatusNotFound, "no protected resource here")
	})
	reg := echo.WrapHandler(g.reg.mcpRegistryHandler())
	e.GET(mcpRegistryPrefix, reg)
	e.GET(mcpRegistryPrefix+"/*", reg)
}
