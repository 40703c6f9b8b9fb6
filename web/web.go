package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rest2mcp/rest2mcp/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// FS returns the embedded static assets (the stylesheet).
func FS() fs.FS {
	sub, _ := fs.Sub(staticFS, "static")
	return sub
}

// Options configure [New].
type Options struct {
	// Base is the path the handler is mounted at ("" for the root); links
	// and form actions are prefixed with it.
	Base string
	// MaxUploadBytes bounds an uploaded spec. Zero means 32 MiB.
	MaxUploadBytes int64
	// Logger receives errors; nil discards them.
	Logger *slog.Logger
}

// Handler serves the UI.
type Handler struct {
	reg   Registry
	opts  Options
	log   *slog.Logger
	pages map[string]*template.Template
	css   string // the stylesheet's URL, with its content hash
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
}

// New returns the UI handler over reg.
func New(reg Registry, opts *Options) (*Handler, error) {
	h := &Handler{reg: reg, pages: map[string]*template.Template{}, cop: http.NewCrossOriginProtection()}
	if opts != nil {
		h.opts = *opts
	}
	h.opts.Base = strings.TrimRight(h.opts.Base, "/")
	if h.opts.MaxUploadBytes <= 0 {
		h.opts.MaxUploadBytes = 32 << 20
	}
	h.log = h.opts.Logger
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	funcs := template.FuncMap{"join": func(s []string) string { return strings.Join(s, " ") }}
	for _, p := range []string{"apis", "upload", "api", "operation", "connect", "versions", "readiness", "policy", "notice"} {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p, err)
		}
		h.pages[p] = t
	}
	css, err := fs.ReadFile(FS(), "app.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(css)
	h.css = h.opts.Base + "/static/app.css?v=" + hex.EncodeToString(sum[:6])

	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", h.list)
	m.HandleFunc("GET /upload", h.uploadForm)
	m.HandleFunc("POST /upload", h.upload)
	m.HandleFunc("GET /apis/{name}", h.detail)
	m.HandleFunc("POST /apis/{name}/operations", h.patchOperation)
	m.HandleFunc("GET /apis/{name}/operation", h.operationPage)
	m.HandleFunc("POST /apis/{name}/annotations", h.saveAnnotations)
	if _, ok := reg.(Tester); ok {
		m.HandleFunc("POST /apis/{name}/try", h.tryTool)
	}
	m.HandleFunc("GET /apis/{name}/connect", h.connect)
	m.HandleFunc("GET /apis/{name}/versions", h.versions)
	m.HandleFunc("GET /apis/{name}/readiness", h.readiness)
	if _, ok := reg.(ReadinessFixer); ok {
		m.HandleFunc("POST /apis/{name}/readiness", h.applyFix)
	}
	if _, ok := reg.(Editor); ok {
		m.HandleFunc("POST /apis/{name}/settings", h.saveSettings)
		m.HandleFunc("POST /apis/{name}/spec", h.putSpec)
		m.HandleFunc("POST /apis/{name}/delete", h.deleteAPI)
	}
	if _, ok := reg.(PolicyService); ok {
		m.HandleFunc("GET /apis/{name}/policy", h.policy)
		m.HandleFunc("POST /apis/{name}/policy", h.savePolicy)
	}
	m.HandleFunc("POST /apis/{name}/rollback", h.rollback)
	static := http.FileServerFS(FS())
	m.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		static.ServeHTTP(w, r)
	})))
	h.mux = m
	return h, nil
}

// contentSecurityPolicy allows no script at all, styles only from the
// gateway, and no framing.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP serves the UI. Requests are expected with the mount prefix
// (Options.Base) stripped.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	if err := h.cop.Check(r); err != nil {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// page is the data of every template.
type page struct {
	Title, Nav, Base, CSS string
	Flash, Error          string
	Diagnostics           []Diagnostic
	APIs                  []APISummary
	API                   *APIDetail
	Form                  UploadRequest
	Preview               *UploadResult
	Name                  string
	Versions              []Version
	Current               int64
	Readiness             *Readiness
	Policy                *PolicyView
	SimScopes, SimClaims  string
	Decisions             []Decision
	HasPolicy             bool
	HasEditor             bool
	HasTester             bool
	HasFixer              bool
	// Op is the operation of the operation page, Fields its try-it form
	// and Try the last try-it call.
	Op      *Operation
	Fields  []Field
	Try     *TryResult
	MaxSize string
	MCPJSON string
	// VSCodeURI is a vscode: link, built here from validated values
	// (html/template would otherwise refuse the scheme).
	VSCodeURI template.URL
	VSCodeWeb string
	// Session is the signed-in admin (see signin.go); Notice a sign-in page.
	Session *Session
	Notice  *Notice
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.Base, p.CSS = h.opts.Base, h.css
	if s, ok := SessionFrom(r.Context()); ok {
		p.Session = &s
	}
	_, p.HasPolicy = h.reg.(PolicyService)
	_, p.HasEditor = h.reg.(Editor)
	if p.MaxSize == "" {
		p.MaxSize = FormatSize(h.opts.MaxUploadBytes)
	}
	var b strings.Builder
	if err := h.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, b.String())
}

// Status maps a registry error to its HTTP status: the one place where the
// UI and the admin API decide it.
func Status(err error) int {
	var se *SpecError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &se):
		return http.StatusUnprocessableEntity
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrAlreadyExists):
		return http.StatusConflict
	case errors.Is(err, store.ErrConflict):
		return http.StatusPreconditionFailed
	case errors.Is(err, store.ErrReadOnly):
		return http.StatusConflict
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorText is what the page says about err: its message for the
// caller's mistakes, a generic one for internal errors (logged).
func (h *Handler) errorText(r *http.Request, err error) (int, string, []Diagnostic) {
	st := Status(err)
	if st == http.StatusServiceUnavailable {
		h.log.WarnContext(r.Context(), "registry request failed: store unavailable", "path", r.URL.Path, "err", err)
		return st, "The registry's database is unavailable: nothing was changed. The gateway keeps serving the APIs it has; try again later.", nil
	}
	if st >= 500 {
		h.log.ErrorContext(r.Context(), "registry request failed", "path", r.URL.Path, "err", err)
		return st, "Something went wrong on the server; the log has the details.", nil
	}
	var se *SpecError
	if errors.As(err, &se) {
		return st, se.Error(), se.Diagnostics
	}
	return st, err.Error(), nil
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	apis, err := h.reg.List(r.Context())
	p := &page{Title: "APIs", Nav: "apis", APIs: apis}
	if d := r.URL.Query().Get("deleted"); d != "" {
		p.Flash = "Deleted " + d + "."
	}
	st := http.StatusOK
	if err != nil {
		st, p.Error, _ = h.errorText(r, err)
	}
	h.render(w, r, st, "apis", p)
}

func (h *Handler) uploadForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "upload", &page{Title: "Upload", Nav: "upload"})
}

// ReadUpload reads the multipart upload form (fields spec, specURL, name,
// upstream, dryRun) of r, bounded by maxBytes. The admin API reads its
// uploads with it too.
func ReadUpload(w http.ResponseWriter, r *http.Request, maxBytes int64) (UploadRequest, error) {
	var req UploadRequest
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes+1<<20) // the form's other fields
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return req, fmt.Errorf("%w: the upload is larger than %s", ErrTooLarge, FormatSize(maxBytes))
		}
		return req, fmt.Errorf("%w: read the upload form: %v", store.ErrInvalid, err)
	}
	defer r.MultipartForm.RemoveAll()
	req.Name = strings.TrimSpace(r.FormValue("name"))
	req.Upstream = strings.TrimSpace(r.FormValue("upstream"))
	req.SpecURL = strings.TrimSpace(r.FormValue("specURL"))
	req.DryRun = r.FormValue("dryRun") == "true" || r.URL.Query().Get("dryRun") == "true"
	f, fh, err := r.FormFile("spec")
	switch {
	case errors.Is(err, http.ErrMissingFile):
	case err != nil:
		return req, fmt.Errorf("%w: read the spec file: %v", store.ErrInvalid, err)
	default:
		defer f.Close()
		if fh.Size > maxBytes {
			return req, fmt.Errorf("%w: %s has %d bytes, larger than %s", ErrTooLarge, fh.Filename, fh.Size, FormatSize(maxBytes))
		}
		b, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
		if err != nil {
			return req, fmt.Errorf("%w: read the spec file: %v", store.ErrInvalid, err)
		}
		if int64(len(b)) > maxBytes {
			return req, fmt.Errorf("%w: larger than %s", ErrTooLarge, FormatSize(maxBytes))
		}
		req.Spec, req.FileName = b, fh.Filename
	}
	switch {
	case len(req.Spec) == 0 && req.SpecURL == "":
		return req, fmt.Errorf("%w: choose an OpenAPI file or give its URL", store.ErrInvalid)
	case len(req.Spec) > 0 && req.SpecURL != "":
		return req, fmt.Errorf("%w: give either an OpenAPI file or a URL, not both", store.ErrInvalid)
	}
	return req, nil
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Upload", Nav: "upload"}
	req, err := ReadUpload(w, r, h.opts.MaxUploadBytes)
	p.Form = UploadRequest{Name: req.Name, Upstream: req.Upstream, SpecURL: req.SpecURL}
	if err == nil {
		var res *UploadResult
		res, err = h.reg.Upload(r.Context(), req)
		if err == nil {
			if req.DryRun {
				p.Preview = res
				h.render(w, r, http.StatusOK, "upload", p)
				return
			}
			q := url.Values{"uploaded": {strconv.Itoa(res.Tools)}}
			http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(res.Name)+"?"+q.Encode(), http.StatusSeeOther)
			return
		}
	}
	var st int
	st, p.Error, p.Diagnostics = h.errorText(r, err)
	h.render(w, r, st, "upload", p)
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	a, err := h.reg.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.render(w, r, st, "apis", &page{Title: "Not found", Nav: "apis", Error: msg})
		return
	}
	p := &page{Title: a.Name, Nav: "apis", API: a}
	if n := r.URL.Query().Get("uploaded"); n != "" {
		p.Flash = fmt.Sprintf("Uploaded %s: %d tools, served at %s.", a.Name, a.Tools, a.Endpoint)
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = "Saved."
	}
	if v := r.URL.Query().Get("specVersion"); v != "" {
		p.Flash = fmt.Sprintf("Version %s: %d tools.", v, a.Tools)
		if rm := r.URL.Query().Get("removed"); rm != "" {
			p.Flash += " Removed: " + rm + "."
		}
		if ad := r.URL.Query().Get("added"); ad != "" {
			p.Flash += " Added: " + ad + "."
		}
	}
	h.render(w, r, http.StatusOK, "api", p)
}

func (h *Handler) patchOperation(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 64<<10) {
		return
	}
	key := r.PostFormValue("key")
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	cur, op, ok := h.apiOperation(w, r, name, key)
	if !ok {
		return
	}
	// Only what the admin changed becomes an override.
	var patch OperationPatch
	if en := r.PostFormValue("enabled") == "true"; en != op.Enabled {
		patch.Enabled = &en
	}
	if tn := strings.TrimSpace(r.PostFormValue("toolName")); tn != op.ToolName {
		patch.ToolName = &tn
	}
	if sc := strings.Fields(r.PostFormValue("scopes")); strings.Join(sc, " ") != strings.Join(op.Scopes, " ") {
		if sc == nil {
			sc = []string{}
		}
		patch.Scopes = &sc
	}
	if _, err := h.reg.PatchOperation(r.Context(), name, key, version, patch); err != nil {
		st, msg, _ := h.errorText(r, err)
		if st == http.StatusPreconditionFailed {
			msg = "Someone changed this API since the page was loaded; nothing was saved. The page now shows the latest version."
		}
		if latest, gerr := h.reg.Get(r.Context(), name); gerr == nil {
			cur = latest
		}
		h.render(w, r, st, "api", &page{Title: cur.Name, Nav: "apis", API: cur, Error: msg})
		return
	}
	http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(name)+"?saved=1", http.StatusSeeOther)
}

func (h *Handler) versions(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	vs, err := h.reg.Versions(r.Context(), name)
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.render(w, r, st, "apis", &page{Title: "Versions", Nav: "apis", Error: msg})
		return
	}
	p := &page{Title: "Versions of " + name, Nav: "apis", Name: name, Versions: vs}
	if len(vs) > 0 {
		p.Current = vs[0].Version
	}
	if to := r.URL.Query().Get("rolledBack"); to != "" {
		p.Flash = "Rolled back to version " + to + "."
	}
	h.render(w, r, http.StatusOK, "versions", p)
}

func (h *Handler) rollback(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 64<<10) {
		return
	}
	to, err1 := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	cur, err2 := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err := errors.Join(err1, err2)
	if err != nil {
		err = fmt.Errorf("%w: the form names no version", store.ErrInvalid)
	} else {
		err = h.reg.Rollback(r.Context(), name, to, cur)
	}
	if err != nil {
		st, msg, diags := h.errorText(r, err)
		if st == http.StatusPreconditionFailed {
			msg = "Someone changed this API since the page was loaded; nothing was rolled back. The page now shows the latest versions."
		}
		vs, _ := h.reg.Versions(r.Context(), name)
		p := &page{Title: "Versions of " + name, Nav: "apis", Name: name, Versions: vs, Error: msg, Diagnostics: diags}
		if len(vs) > 0 {
			p.Current = vs[0].Version
		}
		h.render(w, r, st, "versions", p)
		return
	}
	http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(name)+"/versions?rolledBack="+strconv.FormatInt(to, 10), http.StatusSeeOther)
}

func (h *Handler) readiness(w http.ResponseWriter, r *http.Request) {
	rd, err := h.reg.Readiness(r.Context(), r.PathValue("name"))
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.render(w, r, st, "apis", &page{Title: "LLM readiness", Nav: "apis", Error: msg})
		return
	}
	p := &page{Title: "LLM readiness of " + rd.Name, Nav: "apis", Readiness: rd}
	if v := r.URL.Query().Get("fixed"); v != "" {
		p.Flash = fmt.Sprintf("Version %s: %d tools.", v, rd.Tools)
	}
	_, p.HasFixer = h.reg.(ReadinessFixer)
	h.render(w, r, http.StatusOK, "readiness", p)
}

// applyFix applies one of the readiness report's fixes as a new version.
func (h *Handler) applyFix(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 64<<10) {
		return
	}
	ch, err := h.reg.(ReadinessFixer).ApplyFix(r.Context(), name, r.PostFormValue("fix"), formVersion(r))
	if err != nil {
		st, msg, diags := h.errorText(r, err)
		if st == http.StatusPreconditionFailed {
			msg = "Someone changed this API since the page was loaded; nothing was changed. The page now shows the latest version."
		}
		rd, gerr := h.reg.Readiness(r.Context(), name)
		if gerr != nil {
			h.render(w, r, st, "apis", &page{Title: "LLM readiness", Nav: "apis", Error: msg})
			return
		}
		_, has := h.reg.(ReadinessFixer)
		h.render(w, r, st, "readiness", &page{Title: "LLM readiness of " + rd.Name, Nav: "apis", Readiness: rd, Error: msg, Diagnostics: diags, HasFixer: has})
		return
	}
	http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(name)+"/readiness?fixed="+strconv.FormatInt(ch.Version, 10), http.StatusSeeOther)
}

// policyPage renders the policy editor and, when asked, the simulator.
func (h *Handler) policyPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	ps := h.reg.(PolicyService)
	name := r.PathValue("name")
	view, err := ps.Policy(r.Context(), name)
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.render(w, r, st, "apis", &page{Title: "Policy", Nav: "apis", Error: msg})
		return
	}
	if p.Policy != nil { // keep what was typed after a refused save
		view.Text = p.Policy.Text
	}
	p.Policy, p.Title, p.Nav = view, "Policy of "+name, "apis"
	q := r.URL.Query()
	if q.Get("simulate") != "" {
		p.SimScopes, p.SimClaims = q.Get("scopes"), q.Get("claims")
		var claims map[string]any
		if strings.TrimSpace(p.SimClaims) != "" {
			if err := json.Unmarshal([]byte(p.SimClaims), &claims); err != nil {
				p.Error = "Claims must be a JSON object: " + err.Error()
				h.render(w, r, http.StatusBadRequest, "policy", p)
				return
			}
		}
		ds, err := ps.Simulate(r.Context(), name, strings.Fields(p.SimScopes), claims)
		if err != nil {
			var st int
			st, p.Error, _ = h.errorText(r, err)
			h.render(w, r, st, "policy", p)
			return
		}
		p.Decisions = ds
	}
	h.render(w, r, status, "policy", p)
}

func (h *Handler) policy(w http.ResponseWriter, r *http.Request) {
	p := &page{}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = "Policy saved."
	}
	h.policyPage(w, r, http.StatusOK, p)
}

func (h *Handler) savePolicy(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 1<<20) {
		return
	}
	text := r.PostFormValue("policy")
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err := h.reg.(PolicyService).PutPolicy(r.Context(), name, []byte(text), version)
	if err != nil {
		st, msg, diags := h.errorText(r, err)
		if st == http.StatusPreconditionFailed {
			msg = "Someone changed this API since the page was loaded; the policy was not saved."
		}
		h.policyPage(w, r, st, &page{Error: msg, Diagnostics: diags, Policy: &PolicyView{Text: text}})
		return
	}
	http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(name)+"/policy?saved=1", http.StatusSeeOther)
}

// editFailed renders the API page with the error of a refused edit.
func (h *Handler) editFailed(w http.ResponseWriter, r *http.Request, name string, err error) {
	st, msg, diags := h.errorText(r, err)
	if st == http.StatusPreconditionFailed {
		msg = "Someone changed this API since the page was loaded; nothing was saved. The page now shows the latest version."
	}
	a, gerr := h.reg.Get(r.Context(), name)
	if gerr != nil {
		h.render(w, r, st, "apis", &page{Title: name, Nav: "apis", Error: msg, Diagnostics: diags})
		return
	}
	h.render(w, r, st, "api", &page{Title: a.Name, Nav: "apis", API: a, Error: msg, Diagnostics: diags})
}

func formVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	return v
}

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 64<<10) {
		return
	}
	s := Settings{Upstream: r.PostFormValue("upstream"), ToolPrefix: r.PostFormValue("toolPrefix"), Timeout: r.PostFormValue("timeout"),
		Mode: r.PostFormValue("mode"), Toolsets: r.PostFormValue("toolsets"), UpstreamAuth: r.PostFormValue("upstreamAuth")}
	if err := h.reg.(Editor).UpdateSettings(r.Context(), name, formVersion(r), s); err != nil {
		h.editFailed(w, r, name, err)
		return
	}
	http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(name)+"?saved=1", http.StatusSeeOther)
}

func (h *Handler) putSpec(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	req, err := ReadUpload(w, r, h.opts.MaxUploadBytes)
	if err != nil {
		h.editFailed(w, r, name, err)
		return
	}
	ch, err := h.reg.(Editor).PutSpec(r.Context(), name, formVersion(r), req)
	if err != nil {
		h.editFailed(w, r, name, err)
		return
	}
	q := url.Values{"specVersion": {strconv.FormatInt(ch.Version, 10)}}
	if len(ch.Removed) > 0 {
		q.Set("removed", strings.Join(ch.Removed, ", "))
	}
	if len(ch.Added) > 0 {
		q.Set("added", strings.Join(ch.Added, ", "))
	}
	http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(name)+"?"+q.Encode(), http.StatusSeeOther)
}

func (h *Handler) deleteAPI(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 64<<10) {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h.editFailed(w, r, name, fmt.Errorf("%w: tick the box to confirm the deletion", store.ErrInvalid))
		return
	}
	if err := h.reg.(Editor).Delete(r.Context(), name, formVersion(r)); err != nil {
		h.editFailed(w, r, name, err)
		return
	}
	http.Redirect(w, r, h.opts.Base+"/?deleted="+url.QueryEscape(name), http.StatusSeeOther)
}

func (h *Handler) connect(w http.ResponseWriter, r *http.Request) {
	a, err := h.reg.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.render(w, r, st, "apis", &page{Title: "Not found", Nav: "apis", Error: msg})
		return
	}
	c := ConnectInfo(a.Name, a.Endpoint)
	h.render(w, r, http.StatusOK, "connect", &page{Title: "Connect " + a.Name, Nav: "apis", API: a,
		MCPJSON: c.MCPJSON, VSCodeURI: template.URL(c.VSCodeURI), VSCodeWeb: c.VSCodeWeb}) // #nosec: built by ConnectInfo from a validated name and our URL
}

// Connect holds the ways to add an API to VS Code.
type Connect struct {
	// MCPJSON is a complete .vscode/mcp.json with the API's entry.
	MCPJSON string
	// VSCodeURI is the vscode:mcp/install link (opens the app).
	VSCodeURI string
	// VSCodeWeb is the https redirect form of the install link, for web
	// pages.
	VSCodeWeb string
}

// ConnectInfo returns the VS Code entry and install links of the MCP
// server name at endpoint.
func ConnectInfo(name, endpoint string) Connect {
	type server struct {
		Name string `json:"name,omitempty"`
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	file, _ := json.MarshalIndent(map[string]map[string]server{"servers": {name: {Type: "http", URL: endpoint}}}, "", "  ")
	entry, _ := json.Marshal(server{Name: name, Type: "http", URL: endpoint})
	cfg, _ := json.Marshal(server{Type: "http", URL: endpoint})
	return Connect{
		MCPJSON:   string(file),
		VSCodeURI: "vscode:mcp/install?" + url.QueryEscape(string(entry)),
		VSCodeWeb: "https://insiders.vscode.dev/redirect/mcp/install?" + url.Values{"name": {name}, "config": {string(cfg)}}.Encode(),
	}
}

// FormatSize writes a byte count for people: "512 bytes", "64 KiB",
// "32 MiB".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parseForm reads a POSTed form of at most limit bytes; an unreadable or
// oversized one gets 400 and false.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return false
	}
	return true
}
