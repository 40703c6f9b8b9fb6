package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// fakeRegistry is an in-memory Registry for the handler tests.
type fakeRegistry struct {
	mu      sync.Mutex
	apis    map[string]*web.APIDetail
	patches []web.OperationPatch
	uploads []web.UploadRequest
	// uploadErr, when set, is what Upload returns.
	uploadErr error
}

func newFake() *fakeRegistry {
	return &fakeRegistry{apis: map[string]*web.APIDetail{
		"pets": {
			APISummary: web.APISummary{Name: "pets", Endpoint: "http://127.0.0.1:8080/mcp/pets", Tools: 2, Version: 3, Health: "serving"},
			PRMURL:     "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp/pets",
			Operations: []web.Operation{
				{Key: "GET /pets", Method: "GET", Path: "/pets", OperationID: "listPets", ToolName: "listPets", Enabled: true, Scopes: []string{"pets:read"}, ScopesFrom: "spec security"},
				{Key: "POST /pets", Method: "POST", Path: "/pets", OperationID: "createPet", ToolName: "createPet", Enabled: true, Scopes: []string{"pets:write"}},
			},
		},
	}}
}

func (f *fakeRegistry) List(context.Context) ([]web.APISummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []web.APISummary
	for _, a := range f.apis {
		out = append(out, a.APISummary)
	}
	return out, nil
}

func (f *fakeRegistry) Get(_ context.Context, name string) (*web.APIDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apis[name]
	if !ok {
		return nil, fmt.Errorf("API %q: %w", name, store.ErrNotFound)
	}
	c := *a
	return &c, nil
}

func (f *fakeRegistry) Upload(_ context.Context, req web.UploadRequest) (*web.UploadResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = append(f.uploads, req)
	if f.uploadErr != nil {
		return nil, f.uploadErr
	}
	if err := store.ValidName(req.Name); err != nil {
		return nil, err
	}
	if _, dup := f.apis[req.Name]; dup && !req.DryRun {
		return nil, fmt.Errorf("API %q: %w", req.Name, store.ErrAlreadyExists)
	}
	res := &web.UploadResult{Name: req.Name, Version: 1, Tools: 4, Endpoint: "http://127.0.0.1:8080/mcp/" + req.Name, ToolNames: []string{"a", "b", "c", "d"}}
	if !req.DryRun {
		f.apis[req.Name] = &web.APIDetail{APISummary: web.APISummary{Name: req.Name, Endpoint: res.Endpoint, Tools: 4, Version: 1, Health: "serving"}}
	}
	return res, nil
}

func (f *fakeRegistry) PatchOperation(_ context.Context, name, key string, ifVersion int64, p web.OperationPatch) (*web.APIDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apis[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	if ifVersion != a.Version {
		return nil, fmt.Errorf("update: %w", store.ErrConflict)
	}
	f.patches = append(f.patches, p)
	a.Version++
	return a, nil
}

func (f *fakeRegistry) Versions(_ context.Context, name string) ([]web.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apis[name]
	if !ok {
		return nil, store.ErrNotFound
	}
	var out []web.Version
	for v := a.Version; v >= 1; v-- {
		wv := web.Version{Version: v, CreatedAt: time.Date(2026, 12, 6, 18, 0, int(v), 0, time.UTC), Message: fmt.Sprint("change ", v), Tools: 2}
		if v == 2 {
			wv.Added, wv.Removed = []string{"createPet"}, []string{"<b>old</b>"}
		}
		out = append(out, wv)
	}
	return out, nil
}

func (f *fakeRegistry) Rollback(_ context.Context, name string, to, ifVersion int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apis[name]
	switch {
	case !ok:
		return store.ErrNotFound
	case ifVersion != a.Version:
		return fmt.Errorf("rollback: %w", store.ErrConflict)
	case to < 1 || to >= a.Version:
		return fmt.Errorf("version %d: %w", to, store.ErrNotFound)
	}
	a.Version++
	return nil
}

func (f *fakeRegistry) Readiness(_ context.Context, name string) (*web.Readiness, error) {
	if name != "pets" {
		return nil, store.ErrNotFound
	}
	return &web.Readiness{Name: name, Tools: 130, Tokens: 4567, Largest: []web.ToolCost{{Name: "big", Tokens: 900}},
		NearDuplicates: [][]string{{"getPet", "get_pets"}}, NoDescription: []string{"GET /<x>"}, Tags: []web.TagCount{{Tag: "pets", Tools: 100}}}, nil
}

func newServer(t *testing.T, reg web.Registry) *httptest.Server {
	t.Helper()
	h, err := web.New(reg, &web.Options{MaxUploadBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// client does not follow redirects, so tests see them.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func uploadBody(t *testing.T, fields map[string]string, file string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("spec", file)
		fw.Write(data)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func post(t *testing.T, u, ctype string, body io.Reader, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, body)
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestListPage(t *testing.T) {
	srv := newServer(t, newFake())
	st, body, hdr := get(t, srv.URL+"/")
	if st != http.StatusOK {
		t.Fatalf("GET / = %d", st)
	}
	mustContain(t, body, "<th scope=\"row\"><a href=\"/apis/pets\">pets</a>", "2 tools", "http://127.0.0.1:8080/mcp/pets", `<html lang="en">`)
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP = %q", csp)
	}
	if hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	// The stylesheet is embedded and served with a long cache lifetime.
	i := strings.Index(body, `href="/static/app.css?v=`)
	if i < 0 {
		t.Fatal("no stylesheet link")
	}
	href := body[i+6 : i+6+strings.IndexByte(body[i+6:], '"')]
	st, css, hdr := get(t, srv.URL+strings.ReplaceAll(href, "&amp;", "&"))
	if st != http.StatusOK || !strings.Contains(css, "--accent") || !strings.Contains(hdr.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s = %d, cache %q", href, st, hdr.Get("Cache-Control"))
	}
}

func TestUploadFormLabels(t *testing.T) {
	srv := newServer(t, newFake())
	_, body, _ := get(t, srv.URL+"/upload")
	// Every control is labelled as the browser tests and screen readers
	// find it.
	for id, label := range map[string]string{"spec": "OpenAPI file", "name": "Name", "upstream": "Upstream URL", "specURL": "Spec URL"} {
		mustContain(t, body, fmt.Sprintf(`<label for="%s">%s</label>`, id, label), fmt.Sprintf(`id="%s"`, id))
	}
	mustContain(t, body, `<button type="submit">Upload</button>`, `enctype="multipart/form-data"`)
}

func TestUpload(t *testing.T) {
	f := newFake()
	srv := newServer(t, f)
	body, ctype := uploadBody(t, map[string]string{"name": "shop", "upstream": "https://shop.example"}, "shop.yaml", []byte("openapi: 3.0.0"))
	st, _, hdr := post(t, srv.URL+"/upload", ctype, body, nil)
	if st != http.StatusSeeOther || hdr.Get("Location") != "/apis/shop?uploaded=4" {
		t.Fatalf("upload = %d to %q", st, hdr.Get("Location"))
	}
	if got := f.uploads[0]; got.Name != "shop" || got.Upstream != "https://shop.example" || got.FileName != "shop.yaml" || string(got.Spec) != "openapi: 3.0.0" || got.DryRun {
		t.Errorf("registry got %+v", got)
	}
	_, page, _ := get(t, srv.URL+hdr.Get("Location"))
	mustContain(t, page, "4 tools", "Uploaded shop")

	// Preview: a dry run lists the tools and stores nothing.
	body, ctype = uploadBody(t, map[string]string{"name": "preview", "dryRun": "true"}, "p.yaml", []byte("x"))
	st, page, _ = post(t, srv.URL+"/upload", ctype, body, nil)
	if st != http.StatusOK {
		t.Fatalf("preview = %d", st)
	}
	mustContain(t, page, "Preview: 4 tools", "Nothing was stored")
	if _, err := f.Get(t.Context(), "preview"); !errors.Is(err, store.ErrNotFound) {
		t.Error("the preview stored the API")
	}
}

func TestUploadRefused(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 2<<20)
	for _, tc := range []struct {
		name     string
		fields   map[string]string
		file     []byte
		regErr   error
		status   int
		contains []string
	}{
		{"no file", map[string]string{"name": "x"}, nil, nil, 400, []string{"choose an OpenAPI file"}},
		{"file and URL", map[string]string{"name": "x", "specURL": "https://e.example/o.json"}, []byte("x"), nil, 400, []string{"not both"}},
		{"bad name", map[string]string{"name": "Bad Name"}, []byte("x"), nil, 400, []string{"lower-case letters"}},
		{"duplicate", map[string]string{"name": "pets"}, []byte("x"), nil, 409, []string{"already exists"}},
		{"too large", map[string]string{"name": "x"}, big, nil, 413, []string{"larger than 1 MiB"}},
		{"invalid spec", map[string]string{"name": "x"}, []byte("x"), &web.SpecError{Err: errors.New("not an OpenAPI document"),
			Diagnostics: []web.Diagnostic{{Severity: "error", Code: "parse", Location: "x.yaml:3:1", Message: "<script>alert(1)</script> bad"}}},
			422, []string{"not an OpenAPI document", "x.yaml:3:1", "&lt;script&gt;alert(1)&lt;/script&gt; bad"}},
		{"internal error", map[string]string{"name": "x"}, []byte("x"), errors.New("disk on fire"), 500, []string{"Something went wrong"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.uploadErr = tc.regErr
			srv := newServer(t, f)
			file := ""
			if tc.file != nil {
				file = "x.yaml"
			}
			body, ctype := uploadBody(t, tc.fields, file, tc.file)
			st, page, _ := post(t, srv.URL+"/upload", ctype, body, nil)
			if st != tc.status {
				t.Errorf("status %d, want %d", st, tc.status)
			}
			mustContain(t, page, tc.contains...)
			if strings.Contains(page, "<script>") || strings.Contains(page, "disk on fire") {
				t.Error("the page shows unescaped or internal text")
			}
			// The form keeps what was typed.
			if n := tc.fields["name"]; n != "" && tc.status != 413 { // an oversized form is not read
				mustContain(t, page, `value="`+n+`"`)
			}
		})
	}
}

func TestCrossOriginRefused(t *testing.T) {
	f := newFake()
	srv := newServer(t, f)
	body, ctype := uploadBody(t, map[string]string{"name": "evil"}, "x.yaml", []byte("x"))
	st, _, _ := post(t, srv.URL+"/upload", ctype, body, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if st != http.StatusForbidden {
		t.Errorf("cross-site upload = %d, want 403", st)
	}
	body, ctype = uploadBody(t, map[string]string{"name": "evil"}, "x.yaml", []byte("x"))
	st, _, _ = post(t, srv.URL+"/upload", ctype, body, map[string]string{"Origin": "https://evil.example"})
	if st != http.StatusForbidden {
		t.Errorf("upload from another origin = %d, want 403", st)
	}
	if len(f.uploads) != 0 {
		t.Error("a cross-origin request reached the registry")
	}
}

func TestAPIPageAndPatch(t *testing.T) {
	f := newFake()
	srv := newServer(t, f)
	st, page, _ := get(t, srv.URL+"/apis/pets")
	if st != http.StatusOK {
		t.Fatalf("GET /apis/pets = %d", st)
	}
	mustContain(t, page, "2 tools", "listPets", `value="pets:read"`, "spec security", `aria-label="Save GET /pets"`,
		`<label for="tn0" class="sr-only">Tool name: GET /pets</label>`)

	form := func(v url.Values) (int, string, http.Header) {
		return post(t, srv.URL+"/apis/pets/operations", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	// Disable listPets and require a scope on it; the name is unchanged,
	// so it is not part of the patch.
	st, _, hdr := form(url.Values{"key": {"GET /pets"}, "version": {"3"}, "toolName": {"listPets"}, "scopes": {"pets:read  pets:admin"}})
	if st != http.StatusSeeOther || hdr.Get("Location") != "/apis/pets?saved=1" {
		t.Fatalf("patch = %d %q", st, hdr.Get("Location"))
	}
	p := f.patches[0]
	if p.Enabled == nil || *p.Enabled || p.ToolName != nil || p.Scopes == nil || strings.Join(*p.Scopes, ",") != "pets:read,pets:admin" {
		t.Errorf("patch = enabled %v toolName %v scopes %v", p.Enabled, p.ToolName, p.Scopes)
	}
	// A stale page: 412 and nothing saved.
	st, page, _ = form(url.Values{"key": {"GET /pets"}, "version": {"3"}, "enabled": {"true"}, "toolName": {"renamed"}})
	if st != http.StatusPreconditionFailed {
		t.Errorf("stale patch = %d, want 412", st)
	}
	mustContain(t, page, "nothing was saved")
	if len(f.patches) != 1 {
		t.Error("a stale patch was applied")
	}
	st, _, _ = form(url.Values{"key": {"GET /nope"}, "version": {"4"}})
	if st != http.StatusNotFound {
		t.Errorf("patch of an unknown operation = %d, want 404", st)
	}
	if st, _, _ := get(t, srv.URL+"/apis/nope"); st != http.StatusNotFound {
		t.Errorf("GET /apis/nope = %d, want 404", st)
	}
}

func TestConnectPage(t *testing.T) {
	srv := newServer(t, newFake())
	st, page, _ := get(t, srv.URL+"/apis/pets/connect")
	if st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	mustContain(t, page,
		`href="vscode:mcp/install?%7B%22name%22%3A%22pets%22%2C%22type%22%3A%22http%22%2C%22url%22%3A%22http%3A%2F%2F127.0.0.1%3A8080%2Fmcp%2Fpets%22%7D"`,
		`href="https://insiders.vscode.dev/redirect/mcp/install?config=`,
		"Install in VS Code",
		"&#34;servers&#34;", "/.well-known/oauth-protected-resource/mcp/pets")
}

func TestConnectInfo(t *testing.T) {
	c := web.ConnectInfo("pets", "https://gw.example/mcp/pets")
	want := "{\n  \"servers\": {\n    \"pets\": {\n      \"type\": \"http\",\n      \"url\": \"https://gw.example/mcp/pets\"\n    }\n  }\n}"
	if c.MCPJSON != want {
		t.Errorf("MCPJSON =\n%s\nwant\n%s", c.MCPJSON, want)
	}
	if c.VSCodeWeb != "https://insiders.vscode.dev/redirect/mcp/install?config=%7B%22type%22%3A%22http%22%2C%22url%22%3A%22https%3A%2F%2Fgw.example%2Fmcp%2Fpets%22%7D&name=pets" {
		t.Errorf("VSCodeWeb = %s", c.VSCodeWeb)
	}
}

func TestStatus(t *testing.T) {
	for err, want := range map[error]int{
		nil:                                    200,
		fmt.Errorf("x: %w", store.ErrNotFound): 404,
		fmt.Errorf("x: %w", store.ErrAlreadyExists): 409,
		fmt.Errorf("x: %w", store.ErrConflict):      412,
		fmt.Errorf("x: %w", store.ErrReadOnly):      409,
		fmt.Errorf("x: %w", store.ErrInvalid):       400,
		fmt.Errorf("x: %w", web.ErrTooLarge):        413,
		&web.SpecError{Err: errors.New("bad")}:      422,
		errors.New("other"):                         500,
	} {
		if got := web.Status(err); got != want {
			t.Errorf("Status(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestVersionsPageAndRollback(t *testing.T) {
	f := newFake()
	srv := newServer(t, f)
	st, page, _ := get(t, srv.URL+"/apis/pets/versions")
	if st != http.StatusOK {
		t.Fatalf("GET versions = %d", st)
	}
	mustContain(t, page, "Versions of pets", "change 3", `<small class="tag">current</small>`, "+ createPet", "− &lt;b&gt;old&lt;/b&gt;",
		"Roll back to version 2", "Roll back to version 1", `<time datetime="2026-12-06T18:00:03Z">`)
	if strings.Contains(page, "Roll back to version 3") {
		t.Error("the current version offers a rollback to itself")
	}
	form := func(v url.Values) (int, string, http.Header) {
		return post(t, srv.URL+"/apis/pets/rollback", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	st, _, hdr := form(url.Values{"to": {"1"}, "version": {"3"}})
	if st != http.StatusSeeOther || hdr.Get("Location") != "/apis/pets/versions?rolledBack=1" {
		t.Fatalf("rollback = %d %q", st, hdr.Get("Location"))
	}
	_, page, _ = get(t, srv.URL+hdr.Get("Location"))
	mustContain(t, page, "Rolled back to version 1.", "change 4")
	// The same (now stale) form again: 412, nothing changed.
	st, page, _ = form(url.Values{"to": {"1"}, "version": {"3"}})
	if st != http.StatusPreconditionFailed {
		t.Errorf("stale rollback = %d, want 412", st)
	}
	mustContain(t, page, "nothing was rolled back")
	if st, _, _ := form(url.Values{"to": {"x"}}); st != http.StatusBadRequest {
		t.Errorf("rollback without versions = %d, want 400", st)
	}
	if st, _, _ := get(t, srv.URL+"/apis/nope/versions"); st != http.StatusNotFound {
		t.Errorf("versions of an unknown API = %d", st)
	}
	_, page, _ = get(t, srv.URL+"/apis/pets")
	mustContain(t, page, `href="/apis/pets/versions">Versions</a>`)
}

func TestReadinessPage(t *testing.T) {
	srv := newServer(t, newFake())
	st, page, _ := get(t, srv.URL+"/apis/pets/readiness")
	if st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	mustContain(t, page, "130 tools", "more than VS Code's 128-tool limit", "about 4567 tokens", "<code>big</code>", "<code>getPet</code>, <code>get_pets</code>",
		"GET /&lt;x&gt;", "Every parameter is described.", "No name had to be shortened.", `<th scope="row">pets</th><td>100</td>`)
	if st, _, _ := get(t, srv.URL+"/apis/nope/readiness"); st != http.StatusNotFound {
		t.Errorf("unknown API: %d", st)
	}
}

// A registry without the PolicyService has no policy page or link.
func TestNoPolicyPageWithoutService(t *testing.T) {
	srv := newServer(t, newFake())
	if st, _, _ := get(t, srv.URL+"/apis/pets/policy"); st != http.StatusNotFound {
		t.Errorf("policy page without a PolicyService = %d, want 404", st)
	}
	if _, page, _ := get(t, srv.URL+"/apis/pets"); strings.Contains(page, "/policy") {
		t.Error("the API page links to a policy page that does not exist")
	}
}
