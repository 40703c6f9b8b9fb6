package gateway

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// The admin API: JSON under /admin/api/, over the same registry service
// as the UI. Errors are {"error": "...", "diagnostics": [...]} with the
// status of web.Status (the one mapping): 400 bad input or name, 404
// unknown API, 409 duplicate or read-only, 412 stale If-Match, 413 too
// large, 422 a spec that cannot be served.

const adminPrefix = "/admin/api"

// adminOpenAPI describes the admin API (served as JSON at
// /admin/api/openapi.json).
//
//go:embed admin_openapi.yaml
var adminOpenAPI []byte

func serveAdminOpenAPI(w http.ResponseWriter, _ *http.Request) {
	b, err := yaml.YAMLToJSON(adminOpenAPI)
	if err != nil { // the embedded document is tested
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// adminRoute is one route of the admin API (path below adminPrefix).
type adminRoute struct {
	method, path string
	h            http.HandlerFunc
}

// adminRoutes lists the admin API; admin_openapi.yaml describes each.
func (r *registry) adminRoutes() []adminRoute {
	return []adminRoute{
		{"GET", "/apis", r.apiList},
		{"POST", "/apis", r.apiCreate},
		{"GET", "/apis/{name}", r.apiGet},
		{"PATCH", "/apis/{name}", r.apiPatch},
		{"DELETE", "/apis/{name}", r.apiDelete},
		{"PUT", "/apis/{name}/spec", r.apiPutSpec},
		{"GET", "/apis/{name}/versions", r.apiVersions},
		{"GET", "/apis/{name}/diff", r.apiDiff},
		{"POST", "/apis/{name}/rollback", r.apiRollback},
		{"GET", "/apis/{name}/policy", r.apiGetPolicy},
		{"PUT", "/apis/{name}/policy", r.apiPutPolicy},
		{"GET", "/apis/{name}/operations/{operationId}", r.apiGetOperation},
		{"PATCH", "/apis/{name}/operations/{operationId}", r.apiPatchOperation},
	}
}

func (r *registry) adminHandler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /openapi.json", serveAdminOpenAPI)
	for _, rt := range r.adminRoutes() {
		m.HandleFunc(rt.method+" "+rt.path, rt.h)
	}
	cop := http.NewCrossOriginProtection()
	return http.StripPrefix(adminPrefix, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		if err := cop.Check(req); err != nil {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "cross-origin request refused"})
			return
		}
		req, ok := r.authorizeAdmin(w, req) // adminauth.go
		if !ok {
			return
		}
		m.ServeHTTP(w, req)
	}))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// storeUnavailableMessage answers a registry request while the store's
// database cannot be reached.
const storeUnavailableMessage = "the registry store (database) is unavailable: nothing was changed; this gateway keeps serving the APIs it has and catches up when the store returns; retry the change later"

// fail answers err with its status; internal errors are logged and
// answered generically.
func (r *registry) fail(w http.ResponseWriter, req *http.Request, err error) {
	st := web.Status(err)
	body := map[string]any{"error": err.Error()}
	var se *web.SpecError
	if errors.As(err, &se) {
		body["diagnostics"] = se.Diagnostics
	}
	if st == http.StatusServiceUnavailable {
		r.log.WarnContext(req.Context(), "admin API request failed: store unavailable", "method", req.Method, "path", req.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, st, map[string]any{"error": storeUnavailableMessage})
		return
	}
	if st >= 500 {
		r.log.ErrorContext(req.Context(), "admin API request failed", "method", req.Method, "path", req.URL.Path, "err", err)
		body = map[string]any{"error": "internal error; the gateway log has the details"}
	}
	writeJSON(w, st, body)
}

func (r *registry) ifMatch(w http.ResponseWriter, req *http.Request) (int64, bool) {
	v, err := parseIfMatch(req.Header.Get("If-Match"))
	if err != nil {
		r.fail(w, req, err)
		return 0, false
	}
	return v, true
}

func (r *registry) apiList(w http.ResponseWriter, req *http.Request) {
	list, err := r.List(req.Context())
	if err != nil {
		r.fail(w, req, err)
		return
	}
	type item struct {
		Name     string `json:"name"`
		Endpoint string `json:"endpoint"`
		Tools    int    `json:"tools"`
		Version  int64  `json:"version"`
		ReadOnly bool   `json:"readOnly,omitempty"`
		Health   string `json:"health"`
	}
	out := make([]item, 0, len(list))
	for _, a := range list {
		out = append(out, item{a.Name, a.Endpoint, a.Tools, a.Version, a.ReadOnly, a.Health})
	}
	writeJSON(w, http.StatusOK, map[string]any{"apis": out})
}

// uploadAnswer is the answer of POST /apis.
type uploadAnswer struct {
	Name        string           `json:"name"`
	Version     int64            `json:"version"`
	Tools       int              `json:"tools"`
	ToolNames   []string         `json:"toolNames,omitempty"`
	Endpoint    string           `json:"endpoint"`
	DryRun      bool             `json:"dryRun,omitempty"`
	Diagnostics []web.Diagnostic `json:"diagnostics"`
}

func (r *registry) apiCreate(w http.ResponseWriter, req *http.Request) {
	up, err := web.ReadUpload(w, req, r.maxSpec)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	res, err := r.Upload(req.Context(), up)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	ans := uploadAnswer{Name: res.Name, Version: res.Version, Tools: res.Tools, Endpoint: res.Endpoint, DryRun: up.DryRun, Diagnostics: nonNil(res.Diagnostics)}
	if up.DryRun {
		ans.ToolNames = res.ToolNames
		writeJSON(w, http.StatusOK, ans)
		return
	}
	w.Header().Set("Location", adminPrefix+"/apis/"+res.Name)
	w.Header().Set("ETag", etag(res.Version))
	writeJSON(w, http.StatusCreated, ans)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// apiRecord is the JSON form of a stored API.
type apiRecord struct {
	Name       string                     `json:"name"`
	Version    int64                      `json:"version"`
	Endpoint   string                     `json:"endpoint"`
	Tools      int                        `json:"tools"`
	Health     string                     `json:"health"`
	ReadOnly   bool                       `json:"readOnly,omitempty"`
	Source     string                     `json:"source,omitempty"`
	Settings   *settingsJSON              `json:"settings,omitempty"`
	Operations []web.Operation            `json:"operations"`
	Overrides  map[string]store.Operation `json:"overrides,omitempty"`
}

// settingsJSON is store.Settings with the timeout as a duration string.
type settingsJSON struct {
	Upstream         string            `json:"upstream,omitempty"`
	ServerVariables  map[string]string `json:"serverVariables,omitempty"`
	ToolPrefix       string            `json:"toolPrefix,omitempty"`
	Timeout          string            `json:"timeout,omitempty"`
	MaxResponseBytes int64             `json:"maxResponseBytes,omitempty"`
	MaxOutputSchema  int               `json:"maxOutputSchema,omitempty"`
	MaxResultBytes   int               `json:"maxResultBytes,omitempty"`
	ResultFields     []string          `json:"resultFields,omitempty"`
	Include          *store.Selector   `json:"include,omitempty"`
	Exclude          *store.Selector   `json:"exclude,omitempty"`
	Mode             string            `json:"mode,omitempty"`
	// Toolsets splits the API into toolset endpoints
	// (/mcp/<name>/<toolset>): "auto" or a list of {name, include,
	// exclude}, as in the configuration file.
	Toolsets json.RawMessage `json:"toolsets,omitempty"`
	// UpstreamAuth is the upstream-auth section (the configuration file's
	// shape, secrets as fromEnv/fromFile references only). In a PATCH,
	// absent keeps it and null removes it.
	UpstreamAuth json.RawMessage `json:"upstreamAuth,omitempty"`
}

func toSettingsJSON(rec *store.API) *settingsJSON {
	s := rec.Settings
	j := &settingsJSON{Upstream: s.Upstream, ServerVariables: s.ServerVariables, ToolPrefix: s.ToolPrefix, MaxResponseBytes: s.MaxResponseBytes,
		MaxOutputSchema: s.MaxOutputSchema, MaxResultBytes: s.MaxResultBytes, ResultFields: s.ResultFields, Include: s.Include, Exclude: s.Exclude, Mode: s.Mode, Toolsets: s.Toolsets, UpstreamAuth: rec.UpstreamAuth}
	if s.Timeout > 0 {
		j.Timeout = s.Timeout.String()
	}
	return j
}

func (r *registry) apiGet(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("name")
	d, err := r.Get(req.Context(), name)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	rec := apiRecord{Name: d.Name, Version: d.Version, Endpoint: d.Endpoint, Tools: d.Tools, Health: d.Health, ReadOnly: d.ReadOnly,
		Source: d.Source, Operations: nonNil(d.Operations)}
	if sa, ok := r.servedAPI(name); ok {
		rec.Settings = toSettingsJSON(sa.record)
		rec.Overrides = sa.record.Operations
	}
	w.Header().Set("ETag", etag(d.Version))
	writeJSON(w, http.StatusOK, rec)
}

// readJSON decodes a bounded JSON body strictly.
func readJSON(w http.ResponseWriter, req *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: JSON body: %v", store.ErrInvalid, err)
	}
	return nil
}

func (r *registry) apiPatch(w http.ResponseWriter, req *http.Request) {
	ifv, ok := r.ifMatch(w, req)
	if !ok {
		return
	}
	var patch map[string]json.RawMessage
	if err := readJSON(w, req, &patch); err != nil {
		r.fail(w, req, err)
		return
	}
	if patch == nil {
		r.fail(w, req, fmt.Errorf("%w: JSON body: want an object of settings", store.ErrInvalid))
		return
	}
	_, a, stored, err := r.change(req.Context(), req.PathValue("name"), ifv, "settings", func(rec *store.API) error {
		p, err := mergeSettings(toSettingsJSON(rec), patch)
		if err != nil {
			return err
		}
		timeout, err := parseTimeout(p.Timeout)
		if err != nil {
			return err
		}
		if err := r.checkUpstream(p.Upstream); err != nil {
			return err
		}
		mode := p.Mode
		if mode == config.ModeTools {
			mode = ""
		}
		if err := config.ValidateMode(mode); err != nil {
			return fmt.Errorf("%w: mode: %v", store.ErrInvalid, err)
		}
		shape := config.ResponseShape{MaxBytes: p.MaxResultBytes, Fields: p.ResultFields}
		if err := shape.Validate(); err != nil {
			return fmt.Errorf("%w: %v", store.ErrInvalid, err)
		}
		rec.Settings = store.Settings{Upstream: p.Upstream, ServerVariables: p.ServerVariables, ToolPrefix: p.ToolPrefix, Timeout: timeout,
			MaxResponseBytes: p.MaxResponseBytes, MaxOutputSchema: p.MaxOutputSchema, MaxResultBytes: p.MaxResultBytes, ResultFields: p.ResultFields,
			Include: p.Include, Exclude: p.Exclude, Mode: mode, Toolsets: slices.Clone(p.Toolsets)}
		rec.UpstreamAuth = slices.Clone(p.UpstreamAuth)
		return nil
	})
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("ETag", etag(stored.Version))
	writeJSON(w, http.StatusOK, map[string]any{"version": stored.Version, "tools": len(a.Snapshot().list)})
}

// mergeSettings applies a PATCH body to the current settings as a JSON
// merge patch (RFC 7386) on the top-level keys: an absent key keeps the
// setting, null removes it, a value replaces it whole (a selector, the
// toolsets and upstreamAuth are not merged field by field).
func mergeSettings(cur *settingsJSON, patch map[string]json.RawMessage) (*settingsJSON, error) {
	b, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	merged := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &merged); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	for k, v := range patch {
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	if b, err = json.Marshal(merged); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p settingsJSON
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: JSON body: %v", store.ErrInvalid, err)
	}
	return &p, nil
}

// parseTimeout reads a settings timeout ("" = the default).
func parseTimeout(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: timeout %q: want a positive duration such as \"30s\"", store.ErrInvalid, s)
	}
	return d, nil
}

// checkUpstream checks an upstream setting ("" = the spec's servers) as
// configuration validation does (see [config.Config.CheckUpstream]), with
// the listeners' bound addresses.
func (r *registry) checkUpstream(s string) error {
	if s == "" {
		return nil
	}
	if err := r.g.cfg.CheckUpstream(s, r.g.boundAddrs()...); err != nil {
		return fmt.Errorf("%w: upstream: %v", store.ErrInvalid, err)
	}
	return nil
}

func (r *registry) apiDelete(w http.ResponseWriter, req *http.Request) {
	ifv, ok := r.ifMatch(w, req)
	if !ok {
		return
	}
	if err := r.Delete(req.Context(), req.PathValue("name"), ifv); err != nil {
		r.fail(w, req, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *registry) apiPutSpec(w http.ResponseWriter, req *http.Request) {
	ifv, ok := r.ifMatch(w, req)
	if !ok {
		return
	}
	up, err := web.ReadUpload(w, req, r.maxSpec)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	ch, err := r.PutSpec(req.Context(), req.PathValue("name"), ifv, up)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("ETag", etag(ch.Version))
	writeJSON(w, http.StatusOK, map[string]any{
		"version": ch.Version, "tools": ch.Tools,
		"diff":        specDiff{Added: ch.Added, Removed: ch.Removed, Changed: ch.Changed, Breaking: ch.Breaking},
		"diagnostics": nonNil(ch.Diagnostics),
	})
}

func (r *registry) apiVersions(w http.ResponseWriter, req *http.Request) {
	vs, err := r.st.Versions(req.Context(), req.PathValue("name"))
	if err != nil {
		r.fail(w, req, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

// apiDiff compares two stored versions tool by tool: added, removed,
// changed (description or schemas) and breaking (removed, or input schema
// changed), as PUT …/spec reports.
func (r *registry) apiDiff(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("name")
	q := req.URL.Query()
	from, err1 := strconv.ParseInt(q.Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(q.Get("to"), 10, 64)
	if err1 != nil || err2 != nil {
		r.fail(w, req, fmt.Errorf("%w: give the versions to compare as ?from=N&to=M", store.ErrInvalid))
		return
	}
	a, err := r.st.GetVersion(req.Context(), name, from)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	b, err := r.st.GetVersion(req.Context(), name, to)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	d, note := r.diffVersions(req.Context(), a, b)
	ans := map[string]any{"from": from, "to": to, "diff": d}
	if note != "" {
		ans["note"] = note
	}
	writeJSON(w, http.StatusOK, ans)
}

// diffNames compares two versions' enabled tool names.
func diffNames(a, b *store.API) specDiff {
	names := func(x *store.API) []*toolRef {
		var out []*toolRef
		for _, n := range x.ToolNames {
			if o := x.Operations[n.Key]; o.Enabled != nil && !*o.Enabled {
				continue
			}
			out = append(out, &toolRef{name: x.Settings.ToolPrefix + n.Name})
		}
		return out
	}
	return diffTools(names(a), names(b))
}

func (r *registry) apiRollback(w http.ResponseWriter, req *http.Request) {
	ifv, ok := r.ifMatch(w, req)
	if !ok {
		return
	}
	var body struct {
		Version int64 `json:"version"`
	}
	if err := readJSON(w, req, &body); err != nil {
		r.fail(w, req, err)
		return
	}
	a, stored, err := r.rollback(req.Context(), req.PathValue("name"), body.Version, ifv)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("ETag", etag(stored.Version))
	writeJSON(w, http.StatusOK, map[string]any{"version": stored.Version, "tools": len(a.Snapshot().list)})
}

func (r *registry) apiGetPolicy(w http.ResponseWriter, req *http.Request) {
	rec, err := r.st.Get(req.Context(), req.PathValue("name"))
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("ETag", etag(rec.Version))
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(rec.Policy)
}

func (r *registry) apiPutPolicy(w http.ResponseWriter, req *http.Request) {
	ifv, ok := r.ifMatch(w, req)
	if !ok {
		return
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 1<<20))
	if err != nil {
		r.fail(w, req, fmt.Errorf("%w: policy body: %v", store.ErrInvalid, err))
		return
	}
	name := req.PathValue("name")
	if err := r.PutPolicy(req.Context(), name, b, ifv); err != nil {
		r.fail(w, req, err)
		return
	}
	v, err := r.Policy(req.Context(), name)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("ETag", etag(v.Version))
	writeJSON(w, http.StatusOK, map[string]any{"version": v.Version})
}

// operationKey finds the key of the operation with operationId id (or a
// key given as "METHOD /path") in the served stored API.
func (r *registry) operation(req *http.Request) (*web.Operation, *web.APIDetail, error) {
	name, id := req.PathValue("name"), req.PathValue("operationId")
	d, err := r.Get(req.Context(), name)
	if err != nil {
		return nil, nil, err
	}
	for i, o := range d.Operations {
		if o.OperationID == id || o.Key == id {
			return &d.Operations[i], d, nil
		}
	}
	return nil, nil, fmt.Errorf("API %q has no operation %q: %w", name, id, store.ErrNotFound)
}

func (r *registry) apiGetOperation(w http.ResponseWriter, req *http.Request) {
	o, d, err := r.operation(req)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("ETag", etag(d.Version))
	writeJSON(w, http.StatusOK, o)
}

func (r *registry) apiPatchOperation(w http.ResponseWriter, req *http.Request) {
	ifv, ok := r.ifMatch(w, req)
	if !ok {
		return
	}
	var p struct {
		Enabled     *bool              `json:"enabled"`
		ToolName    *string            `json:"toolName"`
		Description *string            `json:"description"`
		Scopes      *[]string          `json:"scopes"`
		Annotations *store.Annotations `json:"annotations"`
	}
	if err := readJSON(w, req, &p); err != nil {
		r.fail(w, req, err)
		return
	}
	o, _, err := r.operation(req)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	d, err := r.PatchOperation(req.Context(), req.PathValue("name"), o.Key, ifv,
		web.OperationPatch{Enabled: p.Enabled, ToolName: p.ToolName, Description: p.Description, Scopes: p.Scopes, Annotations: p.Annotations})
	if err != nil {
		r.fail(w, req, err)
		return
	}
	w.Header().Set("ETag", etag(d.Version))
	for _, op := range d.Operations {
		if op.Key == o.Key {
			writeJSON(w, http.StatusOK, op)
			return
		}
	}
	writeJSON(w, http.StatusOK, o)
}

// toolRef is what a diff needs of a tool.
type toolRef struct {
	name string
	in   []byte
	out  []byte
	desc string
}

func toolRefs(a *API) []*toolRef { return snapshotRefs(a.Snapshot()) }

// snapshotRefs is toolRefs of a built snapshot.
func snapshotRefs(s *Snapshot) []*toolRef {
	out := make([]*toolRef, 0, len(s.list))
	for _, t := range s.list {
		out = append(out, &toolRef{name: t.Name, in: t.InputSchema, out: t.OutputSchema, desc: t.Description})
	}
	return out
}

// maxCachedRefs bounds the cache of stored versions' tools.
const maxCachedRefs = 512

// versionRefs returns the tools of a stored version, built offline with
// the one builder (no credentials, nothing served) from its compiled
// form. Versions never change, so the answer is cached.
func (r *registry) versionRefs(ctx context.Context, rec *store.API) ([]*toolRef, error) {
	key := fmt.Sprintf("%s@%d@%d", rec.Name, rec.Version, rec.CreatedAt.UnixNano())
	r.refsMu.Lock()
	refs, ok := r.refs[key]
	r.refsMu.Unlock()
	if ok {
		return refs, nil
	}
	c, err := apiConfig(rec, r.auth)
	if err != nil {
		return nil, err
	}
	var names []store.ToolName
	snap, err := BuildAPI(ctx, c, BuildOptions{
		Config: r.g.cfg, Source: openapi.Source{Data: rec.Spec.Data, Name: sourceLabel(rec)}, Document: compiledDoc(rec),
		EditTools: editTools(rec, &names), NoCredentials: true, OutboundClient: r.g.outboundClient, Version: r.g.version,
	})
	if err != nil {
		return nil, err
	}
	refs = snapshotRefs(snap)
	r.refsMu.Lock()
	if r.refs == nil || len(r.refs) >= maxCachedRefs {
		r.refs = map[string][]*toolRef{}
	}
	r.refs[key] = refs
	r.refsMu.Unlock()
	return refs, nil
}

// diffVersions compares two stored versions tool by tool with the
// upload's diff (added, removed, changed, breaking). A version that no
// longer builds is compared by tool names only, and the answer says so.
func (r *registry) diffVersions(ctx context.Context, a, b *store.API) (specDiff, string) {
	ra, erra := r.versionRefs(ctx, a)
	rb, errb := r.versionRefs(ctx, b)
	if err := errors.Join(erra, errb); err != nil {
		r.log.WarnContext(ctx, "version does not build; diff by tool names", "api", a.Name, "err", err)
		return diffNames(a, b), "names only: a version does not build (" + err.Error() + ")"
	}
	return diffTools(ra, rb), ""
}
