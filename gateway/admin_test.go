package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/postgres"
	"github.com/rest2mcp/rest2mcp/store/postgres/pgtest"
	"github.com/rest2mcp/rest2mcp/store/sqlite"
)

// regEnv is a gateway with a registry on a SQLite store, one configured
// API ("configured") and the demo upstream.
type regEnv struct {
	g        *Gateway
	srv      *httptest.Server
	st       store.Store
	dbPath   string
	upstream string
	spec     []byte
	audit    *lockedBuffer
}

// lockedBuffer collects the audit log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newRegEnv(t *testing.T, dbPath string, opts *RegistryOptions, lookupEnv ...func(string) (string, bool)) *regEnv {
	t.Helper()
	if dbPath == "" {
		dbPath = filepath.Join(t.TempDir(), "registry.db")
	}
	st, err := sqlite.Open(t.Context(), dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newRegEnvStore(t, st, opts, lookupEnv...)
	e.dbPath = dbPath
	return e
}

// newRegEnvStore is newRegEnv on a store the caller opened.
// lookupEnv, when given, resolves the gateway's fromEnv secrets.
func newRegEnvStore(t *testing.T, st store.Store, opts *RegistryOptions, lookupEnv ...func(string) (string, bool)) *regEnv {
	t.Helper()
	up := httptest.NewServer(demoapi.New().Handler())
	t.Cleanup(up.Close)
	gwSrv := httptest.NewUnstartedServer(nil)
	cfg := &config.Config{
		Listen:    gwSrv.Listener.Addr().String(),
		PublicURL: "http://" + gwSrv.Listener.Addr().String(),
		CacheDir:  "off",
		APIs:      []config.API{{Name: "configured", Spec: petstoreSpec(t), Upstream: up.URL + "/v1"}},
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	o := RegistryOptions{Store: st}
	if opts != nil {
		o = *opts
		o.Store = st
	}
	audit := &lockedBuffer{}
	gopts := Options{Config: cfg, Registry: &o, AuditLogger: slog.New(slog.NewTextHandler(audit, nil))}
	if len(lookupEnv) > 0 {
		gopts.LookupEnv = lookupEnv[0]
	}
	g, err := New(t.Context(), gopts)
	if err != nil {
		t.Fatal(err)
	}
	gwSrv.Config.Handler = g.Handler()
	gwSrv.Start()
	t.Cleanup(gwSrv.Close)
	spec, err := os.ReadFile(petstoreSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	return &regEnv{g: g, srv: gwSrv, st: st, upstream: up.URL + "/v1", spec: spec, audit: audit}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (e *regEnv) do(t *testing.T, method, path, ctype string, body io.Reader, hdr map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// upload sends the multipart form of POST /admin/api/apis (or PUT …/spec).
func (e *regEnv) upload(t *testing.T, method, path string, fields map[string]string, spec []byte, hdr map[string]string) answer {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if spec != nil {
		fw, _ := mw.CreateFormFile("spec", "openapi.yaml")
		fw.Write(spec)
	}
	mw.Close()
	return e.do(t, method, path, mw.FormDataContentType(), &b, hdr)
}

func (e *regEnv) jsonReq(t *testing.T, method, path string, v any, hdr map[string]string) answer {
	t.Helper()
	b, _ := json.Marshal(v)
	return e.do(t, method, path, "application/json", bytes.NewReader(b), hdr)
}

// tools lists the tools an MCP client sees at /mcp/name.
func (e *regEnv) tools(t *testing.T, name string) []string {
	t.Helper()
	r := modern(t, e.srv.URL+"/mcp/"+name, "", "tools/list", nil)
	res := r.result(t)
	var out []string
	for _, tl := range res["tools"].([]any) {
		out = append(out, tl.(map[string]any)["name"].(string))
	}
	slices.Sort(out)
	return out
}

func wantStatus(t *testing.T, what string, a answer, want int) {
	t.Helper()
	if a.status != want {
		t.Fatalf("%s: HTTP %d, want %d: %s", what, a.status, want, a.raw)
	}
}

var petTools = []string{"createPet", "deletePet", "getPet", "listPets"}

func TestAdminUploadServedAtOnce(t *testing.T) {
	e := newRegEnv(t, "", nil)
	a := e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil)
	wantStatus(t, "upload", a, http.StatusCreated)
	if a.body["name"] != "pets" || a.body["version"] != 1.0 || a.body["tools"] != 4.0 || a.body["endpoint"] != e.srv.URL+"/mcp/pets" {
		t.Errorf("upload answer = %s", a.raw)
	}
	if _, ok := a.body["diagnostics"].([]any); !ok {
		t.Errorf("no diagnostics list in %s", a.raw)
	}
	if a.header.Get("ETag") != `"1"` || a.header.Get("Location") != "/admin/api/apis/pets" {
		t.Errorf("ETag %q Location %q", a.header.Get("ETag"), a.header.Get("Location"))
	}
	if got := e.tools(t, "pets"); !slices.Equal(got, petTools) {
		t.Errorf("served tools = %v, want %v", got, petTools)
	}
	// A tool call reaches the upstream through the same path as any.
	r := modern(t, e.srv.URL+"/mcp/pets", "", "tools/call", map[string]any{"name": "listPets", "arguments": map[string]any{}})
	if res := r.result(t); res["isError"] == true {
		t.Errorf("listPets failed: %s", r.raw)
	}
	list := e.do(t, "GET", "/admin/api/apis", "", nil, nil)
	wantStatus(t, "list", list, 200)
	if !strings.Contains(list.raw, `"name": "pets"`) || !strings.Contains(list.raw, `"name": "configured"`) || !strings.Contains(list.raw, `"readOnly": true`) {
		t.Errorf("list = %s", list.raw)
	}
	// The UI lists it with its tool count.
	ui := e.do(t, "GET", "/", "", nil, nil)
	if ui.status != 200 || !strings.Contains(ui.raw, "4 tools") || !strings.Contains(ui.raw, `href="/apis/pets"`) {
		t.Errorf("UI list = %d %s", ui.status, ui.raw)
	}
	det := e.do(t, "GET", "/apis/pets", "", nil, nil)
	if det.status != 200 || !strings.Contains(det.raw, "listPets") {
		t.Errorf("UI API page = %d", det.status)
	}
}

func TestAdminDryRun(t *testing.T) {
	e := newRegEnv(t, "", nil)
	a := e.upload(t, "POST", "/admin/api/apis?dryRun=true", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil)
	wantStatus(t, "dry run", a, http.StatusOK)
	if a.body["tools"] != 4.0 || !strings.Contains(a.raw, "listPets") {
		t.Errorf("dry run = %s", a.raw)
	}
	wantStatus(t, "get after dry run", e.do(t, "GET", "/admin/api/apis/pets", "", nil, nil), http.StatusNotFound)
	if r := modern(t, e.srv.URL+"/mcp/pets", "", "tools/list", nil); r.status != http.StatusNotFound {
		t.Errorf("a dry run is served: %d", r.status)
	}
}

func TestAdminBadInput(t *testing.T) {
	e := newRegEnv(t, "", &RegistryOptions{MaxSpecBytes: 64 << 10})
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	big := append(bytes.Repeat([]byte("# pad\n"), 20_000), e.spec...)
	for _, tc := range []struct {
		name   string
		send   func() answer
		status int
		want   string
	}{
		{"invalid spec", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "broken"}, []byte("openapi: 3.0.0\ninfo: [unclosed\n"), nil)
		}, 422, `"diagnostics"`},
		{"not OpenAPI", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "broken"}, []byte(`{"hello": "world"}`), nil)
		}, 422, `"diagnostics"`},
		{"no operations", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "empty", "upstream": e.upstream}, []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"), nil)
		}, 422, "no operations"},
		{"too large", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "big"}, big, nil)
		}, 413, "larger than"},
		{"loopback URL refused", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "ssrf", "specURL": e.srv.URL + "/healthz"}, nil, nil)
		}, 400, "SSRF"},
		{"metadata URL refused", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "ssrf", "specURL": "http://169.254.169.254/latest/meta-data"}, nil, nil)
		}, 400, "refused"},
		{"private URL refused", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "ssrf", "specURL": "http://10.0.0.1/openapi.json"}, nil, nil)
		}, 400, "refused"},
		{"bad name", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "Bad_Name"}, e.spec, nil)
		}, 400, "lower-case"},
		{"duplicate", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil)
		}, 409, "already exists"},
		{"duplicate of a configured API", func() answer {
			return e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "configured", "upstream": e.upstream}, e.spec, nil)
		}, 409, "configuration file"},
		{"unknown API", func() answer { return e.do(t, "GET", "/admin/api/apis/nope", "", nil, nil) }, 404, "not found"},
		{"unknown API spec", func() answer {
			return e.upload(t, "PUT", "/admin/api/apis/nope/spec", nil, e.spec, nil)
		}, 404, "not found"},
		{"stale If-Match", func() answer {
			return e.upload(t, "PUT", "/admin/api/apis/pets/spec", nil, e.spec, map[string]string{"If-Match": `"7"`})
		}, 412, "conflict"},
		{"bad If-Match", func() answer {
			return e.upload(t, "PUT", "/admin/api/apis/pets/spec", nil, e.spec, map[string]string{"If-Match": "yesterday"})
		}, 400, "If-Match"},
		{"configured API is read-only", func() answer {
			return e.jsonReq(t, "PATCH", "/admin/api/apis/configured/operations/listPets", map[string]any{"enabled": false}, nil)
		}, 409, "read-only"},
		{"unknown operation", func() answer {
			return e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/nope", map[string]any{"enabled": false}, nil)
		}, 404, "no operation"},
		{"bad tool name", func() answer {
			return e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/listPets", map[string]any{"toolName": "no spaces"}, nil)
		}, 400, "tool name"},
		{"unknown JSON field", func() answer {
			return e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/listPets", map[string]any{"enable": false}, nil)
		}, 400, "unknown field"},
		{"result limit too small", func() answer {
			return e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"maxResultBytes": 100}, nil)
		}, 400, "response.maxBytes: must be at least 256"},
		{"result field not a pointer", func() answer {
			return e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"resultFields": []string{"name"}}, nil)
		}, 400, "JSON pointer"},
		{"invalid policy", func() answer {
			return e.do(t, "PUT", "/admin/api/apis/pets/policy", "application/yaml", strings.NewReader("rules: [{bogus: 1}]\n"), nil)
		}, 422, "policy"},
		{"cross-origin", func() answer {
			return e.jsonReq(t, "DELETE", "/admin/api/apis/pets", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
		}, 403, "cross-origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.send()
			if a.status != tc.status || !strings.Contains(strings.ToLower(a.raw), strings.ToLower(tc.want)) {
				t.Errorf("HTTP %d, want %d with %q: %s", a.status, tc.status, tc.want, a.raw)
			}
		})
	}
	// Nothing of the refused requests changed anything.
	vs, err := e.st.Versions(t.Context(), "pets")
	if err != nil || len(vs) != 1 {
		t.Errorf("versions after refused edits = %v, %v; want only version 1", vs, err)
	}
	if list, _ := e.st.List(t.Context()); len(list) != 1 {
		t.Errorf("stored APIs after refused uploads = %v", list)
	}
	if got := e.tools(t, "pets"); !slices.Equal(got, petTools) {
		t.Errorf("served tools = %v", got)
	}
}

// petsWithout returns the petstore spec without the operation whose
// operationId is id (its whole operation object).
func petsWithout(t *testing.T, spec []byte, method, id string) []byte {
	t.Helper()
	lines := strings.Split(string(spec), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "operationId: "+id {
			// Walk back to the method line, forward to the next sibling.
			start := i
			for !strings.HasPrefix(strings.TrimSpace(lines[start]), method+":") {
				start--
			}
			indent := len(lines[start]) - len(strings.TrimLeft(lines[start], " "))
			end := start + 1
			for end < len(lines) && (strings.TrimSpace(lines[end]) == "" || len(lines[end])-len(strings.TrimLeft(lines[end], " ")) > indent) {
				end++
			}
			return []byte(strings.Join(append(lines[:start:start], lines[end:]...), "\n"))
		}
	}
	t.Fatalf("no operation %s", id)
	return nil
}

func TestAdminVersionsAndStableNames(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)

	// Rename one tool, disable another.
	a := e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/getPet", map[string]any{"toolName": "fetch_pet"}, map[string]string{"If-Match": `"1"`})
	wantStatus(t, "rename", a, 200)
	if a.header.Get("ETag") != `"2"` || a.body["toolName"] != "fetch_pet" {
		t.Errorf("rename answer %s (ETag %s)", a.raw, a.header.Get("ETag"))
	}
	wantStatus(t, "disable", e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/deletePet", map[string]any{"enabled": false}, nil), 200)
	if got, want := e.tools(t, "pets"), []string{"createPet", "fetch_pet", "listPets"}; !slices.Equal(got, want) {
		t.Errorf("after edits, tools = %v, want %v", got, want)
	}

	// A new spec without createPet: served at once, its answer names the
	// removed tool, the admin's name and switch survive.
	start := time.Now()
	a = e.upload(t, "PUT", "/admin/api/apis/pets/spec", nil, petsWithout(t, e.spec, "post", "createPet"), map[string]string{"If-Match": `"3"`})
	wantStatus(t, "new spec", a, 200)
	t.Logf("new version stored and served %v after the request started", time.Since(start))
	diff, _ := a.body["diff"].(map[string]any)
	if a.body["version"] != 4.0 || !slices.Equal(toStrings(diff["removed"]), []string{"createPet"}) || !slices.Equal(toStrings(diff["breaking"]), []string{"createPet"}) {
		t.Errorf("new spec answer = %s", a.raw)
	}
	if got, want := e.tools(t, "pets"), []string{"fetch_pet", "listPets"}; !slices.Equal(got, want) {
		t.Errorf("after the new spec, tools = %v, want %v", got, want)
	}

	// A broken spec changes nothing.
	a = e.upload(t, "PUT", "/admin/api/apis/pets/spec", nil, []byte("openapi: 3.0.0\npaths: [\n"), nil)
	wantStatus(t, "broken spec", a, 422)
	if got := e.tools(t, "pets"); !slices.Equal(got, []string{"fetch_pet", "listPets"}) {
		t.Errorf("a broken spec changed the tools: %v", got)
	}

	// A re-upload that renames listPets' operationId keeps its tool name.
	renamed := bytes.Replace(petsWithout(t, e.spec, "post", "createPet"), []byte("operationId: listPets"), []byte("operationId: findPets"), 1)
	a = e.upload(t, "PUT", "/admin/api/apis/pets/spec", nil, renamed, map[string]string{"If-Match": `"4"`})
	wantStatus(t, "renamed operationId", a, 200)
	diff, _ = a.body["diff"].(map[string]any)
	if len(toStrings(diff["added"]))+len(toStrings(diff["removed"])) != 0 {
		t.Errorf("renaming an operationId changed tool names: %s", a.raw)
	}
	if got := e.tools(t, "pets"); !slices.Equal(got, []string{"fetch_pet", "listPets"}) {
		t.Errorf("after renaming the operationId, tools = %v", got)
	}

	// Settings: a tool prefix applies to every name.
	a = e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "toolPrefix": "pet_", "timeout": "5s"}, map[string]string{"If-Match": `"5"`})
	wantStatus(t, "settings", a, 200)
	if got := e.tools(t, "pets"); !slices.Equal(got, []string{"pet_fetch_pet", "pet_listPets"}) {
		t.Errorf("after setting a prefix, tools = %v", got)
	}
	g := e.do(t, "GET", "/admin/api/apis/pets", "", nil, nil)
	if g.header.Get("ETag") != `"6"` || !strings.Contains(g.raw, `"timeout": "5s"`) || !strings.Contains(g.raw, `"toolName": "fetch_pet"`) {
		t.Errorf("GET after settings (ETag %s): %s", g.header.Get("ETag"), g.raw)
	}

	vs := e.do(t, "GET", "/admin/api/apis/pets/versions", "", nil, nil)
	wantStatus(t, "versions", vs, 200)
	if n := len(vs.body["versions"].([]any)); n != 6 {
		t.Errorf("%d versions, want 6", n)
	}
	d := e.do(t, "GET", "/admin/api/apis/pets/diff?from=1&to=4", "", nil, nil)
	wantStatus(t, "diff", d, 200)
	dd := d.body["diff"].(map[string]any)
	if !slices.Equal(toStrings(dd["added"]), []string{"fetch_pet"}) || !slices.Equal(toStrings(dd["removed"]), []string{"createPet", "deletePet", "getPet"}) {
		t.Errorf("diff 1..4 = %s", d.raw)
	}

	// Roll back to version 1: a new version 5 with the original tools.
	a = e.jsonReq(t, "POST", "/admin/api/apis/pets/rollback", map[string]any{"version": 1}, map[string]string{"If-Match": `"6"`})
	wantStatus(t, "rollback", a, 200)
	if a.body["version"] != 7.0 {
		t.Errorf("rollback = %s", a.raw)
	}
	if got := e.tools(t, "pets"); !slices.Equal(got, petTools) {
		t.Errorf("after rollback, tools = %v", got)
	}
	ui := e.do(t, "GET", "/apis/pets/versions", "", nil, nil)
	if ui.status != 200 || !strings.Contains(ui.raw, "rollback to 1") || !strings.Contains(ui.raw, "+ createPet deletePet getPet") ||
		!strings.Contains(ui.raw, "− createPet") || !strings.Contains(ui.raw, "Roll back to version 6") {
		t.Errorf("UI versions page (%d):\n%s", ui.status, ui.raw)
	}

	// Delete: the endpoint disappears.
	wantStatus(t, "stale delete", e.do(t, "DELETE", "/admin/api/apis/pets", "", nil, map[string]string{"If-Match": `"6"`}), 412)
	wantStatus(t, "delete", e.do(t, "DELETE", "/admin/api/apis/pets", "", nil, map[string]string{"If-Match": `"7"`}), 204)
	if r := modern(t, e.srv.URL+"/mcp/pets", "", "tools/list", nil); r.status != http.StatusNotFound {
		t.Errorf("a deleted API is served: %d", r.status)
	}
	// Every change is in the audit log (written by the audit queue's
	// goroutine).
	e.g.auditAsync.flush(5 * time.Second)
	for _, want := range []string{
		"action=upload api=pets version=1", `action="edit GET /pets/{petId}" api=pets version=2`, `action="new spec" api=pets version=4`,
		"action=settings api=pets version=6", `action="rollback to 1" api=pets version=7`, "action=delete api=pets",
	} {
		if !strings.Contains(e.audit.String(), want) {
			t.Errorf("the audit log lacks %q:\n%s", want, e.audit)
		}
	}
}

// TestRegistryRestartAndReplica: a second gateway on the same database
// serves what is stored at start, and follows changes made by the first.
func TestRegistryRestartAndReplica(t *testing.T) {
	e1 := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e1.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e1.upstream}, e1.spec, nil), 201)

	rec, err := e1.st.Get(t.Context(), "pets")
	if err != nil {
		t.Fatal(err)
	}
	if compiledDoc(rec) == nil {
		t.Error("the stored version has no usable compiled form")
	}
	e2 := newRegEnv(t, e1.dbPath, nil)
	if got := e2.tools(t, "pets"); !slices.Equal(got, petTools) {
		t.Fatalf("after a restart, tools = %v", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); e2.g.reg.follow(ctx, e2.g.regChanges) }()
	t.Cleanup(func() { e2.g.stopFeed(); cancel(); <-done })

	wantStatus(t, "disable", e1.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/deletePet", map[string]any{"enabled": false}, nil), 200)
	start := time.Now()
	for {
		got := e2.tools(t, "pets")
		if slices.Equal(got, []string{"createPet", "getPet", "listPets"}) {
			t.Logf("the replica serves the change %v after it was made", time.Since(start))
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the replica still serves %v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMCPRegistryReadAPI(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	a := e.do(t, "GET", "/v0.1/servers", "", nil, nil)
	wantStatus(t, "list", a, 200)
	var list struct {
		Servers []mcpServer `json:"servers"`
		Meta    struct {
			Count      int    `json:"count"`
			NextCursor string `json:"nextCursor"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(a.raw), &list); err != nil {
		t.Fatal(err)
	}
	if list.Meta.Count != 2 || len(list.Servers) != 2 || list.Meta.NextCursor != "" {
		t.Fatalf("list = %s", a.raw)
	}
	pets := list.Servers[1].Server
	if pets.Name != "127.0.0.1/pets" || pets.Version != "1" || len(pets.Remotes) != 1 ||
		pets.Remotes[0] != (remoteDetail{Type: "streamable-http", URL: e.srv.URL + "/mcp/pets"}) ||
		!strings.Contains(pets.Description, "4 tools") || len(pets.Description) > 100 || pets.Schema == "" {
		t.Errorf("pets server = %+v", pets)
	}
	if list.Servers[0].Server.Name != "127.0.0.1/configured" {
		t.Errorf("first server = %+v", list.Servers[0].Server)
	}
	// Pagination.
	a = e.do(t, "GET", "/v0.1/servers?limit=1", "", nil, nil)
	json.Unmarshal([]byte(a.raw), &list)
	if len(list.Servers) != 1 || list.Meta.NextCursor == "" {
		t.Fatalf("page 1 = %s", a.raw)
	}
	a = e.do(t, "GET", "/v0.1/servers?limit=1&cursor="+list.Meta.NextCursor, "", nil, nil)
	list.Meta.NextCursor = ""
	json.Unmarshal([]byte(a.raw), &list)
	if len(list.Servers) != 1 || list.Servers[0].Server.Name != "127.0.0.1/pets" || list.Meta.NextCursor != "" {
		t.Errorf("page 2 = %s", a.raw)
	}
	if a = e.do(t, "GET", "/v0.1/servers?search=pet", "", nil, nil); !strings.Contains(a.raw, `"count": 1`) {
		t.Errorf("search = %s", a.raw)
	}
	// One server by its URL-encoded name.
	a = e.do(t, "GET", "/v0.1/servers/127.0.0.1%2Fpets/versions/latest", "", nil, nil)
	wantStatus(t, "latest", a, 200)
	if !strings.Contains(a.raw, `"isLatest": true`) || !strings.Contains(a.raw, `"updatedAt"`) {
		t.Errorf("latest = %s", a.raw)
	}
	wantStatus(t, "exact version", e.do(t, "GET", "/v0.1/servers/127.0.0.1%2Fpets/versions/1", "", nil, nil), 200)
	wantStatus(t, "versions", e.do(t, "GET", "/v0.1/servers/127.0.0.1%2Fpets/versions", "", nil, nil), 200)
	wantStatus(t, "unknown version", e.do(t, "GET", "/v0.1/servers/127.0.0.1%2Fpets/versions/9", "", nil, nil), 404)
	a = e.do(t, "GET", "/v0.1/servers/127.0.0.1%2Fnope/versions/latest", "", nil, nil)
	wantStatus(t, "unknown server", a, 404)
	if !strings.Contains(a.raw, "Server not found") {
		t.Errorf("404 body = %s", a.raw)
	}
	wantStatus(t, "bad limit", e.do(t, "GET", "/v0.1/servers?limit=0", "", nil, nil), 400)
}

// TestAdminOpenAPI: the admin API's own OpenAPI document is served, loads
// cleanly with the gateway's loader, and describes every route.
func TestAdminOpenAPI(t *testing.T) {
	e := newRegEnv(t, "", nil)
	a := e.do(t, "GET", "/admin/api/openapi.json", "", nil, nil)
	wantStatus(t, "openapi.json", a, 200)
	if a.header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
	}
	doc, err := openapi.Load(t.Context(), openapi.Source{Data: []byte(a.raw), Name: "openapi.json"}, &openapi.LoadOptions{Validate: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range doc.Diagnostics {
		if d.Severity == openapi.SeverityError {
			t.Errorf("diagnostic: %v", d)
		}
	}
	have := map[string]bool{}
	for _, op := range doc.Operations {
		have[op.Method+" "+op.Path] = true
	}
	for _, rt := range e.g.reg.adminRoutes() {
		if !have[rt.method+" "+rt.path] {
			t.Errorf("the admin OpenAPI document lacks %s %s", rt.method, rt.path)
		}
	}
	if len(have) != len(e.g.reg.adminRoutes()) {
		t.Errorf("the document has %d operations, the admin API %d routes", len(have), len(e.g.reg.adminRoutes()))
	}
}

// TestRegistryAuth: with an auth section for stored APIs, the scopes set
// on an operation in the registry are enforced (403 step-up challenge),
// the spec's own scopes still apply elsewhere, and PRM is served.
func TestRegistryAuth(t *testing.T) {
	as := oidctest.New(t, nil)
	e := newRegEnv(t, "", &RegistryOptions{Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}}})
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	wantStatus(t, "require a scope", e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/listPets", map[string]any{"scopes": []string{"pets:admin"}}, nil), 200)

	url := e.srv.URL + "/mcp/pets"
	read := as.Mint(t, as.AccessClaims(url, "pets:read"))
	if r := modern(t, url, "", "tools/list", nil); r.status != http.StatusUnauthorized ||
		!strings.Contains(r.header.Get("WWW-Authenticate"), `resource_metadata="`+e.srv.URL+`/.well-known/oauth-protected-resource/mcp/pets"`) {
		t.Errorf("no token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	prm := e.do(t, "GET", "/.well-known/oauth-protected-resource/mcp/pets", "", nil, nil)
	if prm.status != 200 || prm.body["resource"] != url {
		t.Errorf("PRM: %d %s", prm.status, prm.raw)
	}
	r := modern(t, url, read, "tools/call", map[string]any{"name": "listPets", "arguments": map[string]any{}})
	if ch := r.header.Get("WWW-Authenticate"); r.status != http.StatusForbidden || !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, "pets:admin") {
		t.Errorf("listPets with pets:read: %d %q", r.status, ch)
	}
	r = modern(t, url, read, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
	if r.status != http.StatusOK {
		t.Errorf("getPet with pets:read: %d %s", r.status, r.raw)
	}
	admin := as.Mint(t, as.AccessClaims(url, "pets:read", "pets:admin"))
	if r := modern(t, url, admin, "tools/call", map[string]any{"name": "listPets", "arguments": map[string]any{}}); r.status != http.StatusOK {
		t.Errorf("listPets with pets:admin: %d %s", r.status, r.raw)
	}
	op := e.do(t, "GET", "/admin/api/apis/pets/operations/listPets", "", nil, nil)
	if !strings.Contains(op.raw, `"pets:admin"`) || !strings.Contains(op.raw, `"scopesFrom": "set here"`) || strings.Contains(op.raw, "not enforced") {
		t.Errorf("operation: %s", op.raw)
	}
	// The simulator in the UI: with pets:read, listPets needs pets:admin.
	sim := e.do(t, "GET", "/apis/pets/policy?simulate=1&scopes=pets:read", "", nil, nil)
	if sim.status != 200 || !regexp.MustCompile(`<code>listPets</code></th>\s*<td>needs pets:admin</td>`).MatchString(sim.raw) ||
		!regexp.MustCompile(`<code>getPet</code></th>\s*<td><span class="added">allowed</span>`).MatchString(sim.raw) {
		t.Errorf("simulator (%d):\n%s", sim.status, sim.raw)
	}
	// Saving a policy in the UI: a broken one is refused with its problem
	// and the text kept; a good one is a new version, enforced at once.
	form := func(text string, version int) answer {
		v := neturl.Values{"policy": {text}, "version": {strconv.Itoa(version)}}
		return e.do(t, "POST", "/apis/pets/policy", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	bad := form("rules: [{name: x, effect: maybe}]\n", 2)
	if bad.status != 422 || !strings.Contains(bad.raw, "effect: maybe") {
		t.Errorf("bad policy in the UI: %d\n%s", bad.status, bad.raw)
	}
	good := form("rules:\n  - name: no-deletes\n    match: {methods: [DELETE]}\n    effect: deny\n", 2)
	if good.status != 200 || !strings.Contains(good.raw, "Policy saved.") {
		t.Errorf("good policy in the UI: %d", good.status)
	}
	if r := modern(t, url, admin, "tools/call", map[string]any{"name": "deletePet", "arguments": map[string]any{"petId": 1}}); r.status != http.StatusForbidden {
		t.Errorf("deletePet under a deny rule: %d", r.status)
	}
	// A policy that does not parse is refused and changes nothing.
	wantStatus(t, "bad policy", e.do(t, "PUT", "/admin/api/apis/pets/policy", "application/yaml", strings.NewReader("default: sometimes\n"), nil), 422)
	if r := modern(t, url, admin, "tools/call", map[string]any{"name": "listPets", "arguments": map[string]any{}}); r.status != http.StatusOK {
		t.Errorf("after a refused policy, listPets: %d", r.status)
	}
}

func TestAdminToken(t *testing.T) {
	e := newRegEnv(t, "", &RegistryOptions{AdminToken: "s3cret-admin"})
	for name, hdr := range map[string]map[string]string{
		"no token":    nil,
		"wrong token": {"Authorization": "Bearer nope"},
		"not bearer":  {"Authorization": "Basic czNjcmV0LWFkbWlu"},
	} {
		a := e.do(t, "GET", "/admin/api/apis", "", nil, hdr)
		if a.status != http.StatusUnauthorized || a.header.Get("WWW-Authenticate") == "" || strings.Contains(a.raw, "s3cret") {
			t.Errorf("%s: %d %q %s", name, a.status, a.header.Get("WWW-Authenticate"), a.raw)
		}
	}
	ok := map[string]string{"Authorization": "Bearer s3cret-admin"}
	wantStatus(t, "with the token", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, ok), 201)
	// The UI on loopback needs no token (it has no sign-in yet).
	if a := e.do(t, "GET", "/", "", nil, nil); a.status != 200 {
		t.Errorf("UI: %d", a.status)
	}
}

// TestRegistryNonLoopback: away from loopback the registry needs an admin
// token and authorization for stored APIs, and serves no UI.
func TestRegistryNonLoopback(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	newCfg := func(insecure bool) *config.Config {
		cfg := &config.Config{Listen: "0.0.0.0:18080", PublicURL: "https://gw.example", Store: "r.db", InsecureNoAuth: insecure, CacheDir: "off"}
		cfg.ApplyDefaults()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if _, err := New(t.Context(), Options{Config: newCfg(false), Registry: &RegistryOptions{Store: st}}); err == nil || !strings.Contains(err.Error(), "admin token") {
		t.Errorf("without a token: %v", err)
	}
	if _, err := New(t.Context(), Options{Config: newCfg(false), Registry: &RegistryOptions{Store: st, AdminToken: "t"}}); err == nil || !strings.Contains(err.Error(), "--issuer") {
		t.Errorf("without authorization for stored APIs: %v", err)
	}
	g, err := New(t.Context(), Options{Config: newCfg(true), Registry: &RegistryOptions{Store: st, AdminToken: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.stopFeed()
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("UI away from loopback: %d, want 404", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/admin/api/apis", nil)
	req.Header.Set("Authorization", "Bearer t")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("admin API with the token: %d", resp.StatusCode)
	}
}

// follow runs e's registry feed loop until the test ends (Run does it in
// production).
func (e *regEnv) follow(t *testing.T) {
	done := make(chan struct{})
	go func() { defer close(done); e.g.reg.follow(context.Background(), e.g.regChanges) }()
	t.Cleanup(func() { e.g.stopFeed(); <-done })
}

// waitTools polls e's tools/list until it equals want and returns how long
// that took.
func (e *regEnv) waitTools(t *testing.T, name string, want []string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := modern(t, e.srv.URL+"/mcp/"+name, "", "tools/list", nil)
		if r.status == http.StatusOK {
			var got []string
			for _, tl := range r.result(t)["tools"].([]any) {
				got = append(got, tl.(map[string]any)["name"].(string))
			}
			slices.Sort(got)
			if slices.Equal(got, want) {
				return time.Since(start)
			}
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("after 10s %s serves %s: %s", e.srv.URL, name, r.raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRegistryReplicasPostgres: two gateways on one PostgreSQL registry
// (LISTEN/NOTIFY); a change made through either is served by the other
// (the delay is logged: timing is for benchmarks, not assertions).
func TestRegistryReplicasPostgres(t *testing.T) {
	dsn := pgtest.Database(t)
	open := func() store.Store {
		st, err := postgres.Open(t.Context(), dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	e1, e2 := newRegEnvStore(t, open(), nil), newRegEnvStore(t, open(), nil)
	e1.follow(t)
	e2.follow(t)
	wantStatus(t, "upload", e1.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e1.upstream}, e1.spec, nil), 201)
	d := e2.waitTools(t, "pets", petTools)
	t.Logf("replica 2 serves the upload %v after it was stored", d)
	wantStatus(t, "disable", e2.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/deletePet", map[string]any{"enabled": false}, nil), 200)
	d = e1.waitTools(t, "pets", []string{"createPet", "getPet", "listPets"})
	t.Logf("replica 1 serves the edit %v after it was stored", d)
	wantStatus(t, "delete", e1.do(t, "DELETE", "/admin/api/apis/pets", "", nil, nil), 204)
	start := time.Now()
	for modern(t, e2.srv.URL+"/mcp/pets", "", "tools/list", nil).status != http.StatusNotFound {
		if time.Since(start) > 10*time.Second {
			t.Fatal("replica 2 still serves a deleted API")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRegistryRefusesRebinding: on a loopback listener the UI and admin
// API answer only requests for a loopback or the public host, so a web page
// cannot reach them through DNS rebinding.
func TestRegistryRefusesRebinding(t *testing.T) {
	e := newRegEnv(t, "", nil)
	for _, path := range []string{"/", "/upload", "/admin/api/apis"} {
		for host, want := range map[string]int{"evil.example:80": 403, "localhost:1": 200, strings.TrimPrefix(e.srv.URL, "http://"): 200} {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s with Host %s = %d, want %d", path, host, resp.StatusCode, want)
			}
		}
	}
}

// TestUIEdits: the API page's settings, new-spec and delete forms go
// through the same registry service as the admin API.
func TestUIEdits(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	page := e.do(t, "GET", "/apis/pets", "", nil, nil)
	for _, want := range []string{`<label for="set-prefix">Tool prefix</label>`, `<label for="new-spec">New OpenAPI file</label>`, "Delete pets", `value="` + e.upstream + `"`} {
		if !strings.Contains(page.raw, want) {
			t.Errorf("API page lacks %q", want)
		}
	}
	form := func(path string, v neturl.Values) answer {
		return e.do(t, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	a := form("/apis/pets/settings", neturl.Values{"upstream": {e.upstream}, "toolPrefix": {"p_"}, "timeout": {"soon"}, "version": {"1"}})
	if a.status != 400 || !strings.Contains(a.raw, "positive duration") {
		t.Errorf("bad timeout: %d", a.status)
	}
	a = form("/apis/pets/settings", neturl.Values{"upstream": {e.upstream}, "toolPrefix": {"p_"}, "timeout": {"5s"}, "version": {"1"}})
	if a.status != 200 || !strings.Contains(a.raw, "Saved.") {
		t.Errorf("settings: %d", a.status)
	}
	if got := e.tools(t, "pets"); !slices.Equal(got, []string{"p_createPet", "p_deletePet", "p_getPet", "p_listPets"}) {
		t.Errorf("after the prefix, tools = %v", got)
	}
	// A new spec from the page: the answer names the removed tool.
	a = e.upload(t, "POST", "/apis/pets/spec", map[string]string{"version": "2"}, petsWithout(t, e.spec, "delete", "deletePet"), nil)
	if a.status != 200 || !strings.Contains(a.raw, "Version 3: 3 tools. Removed: p_deletePet.") {
		t.Errorf("new spec from the UI: %d\n%s", a.status, a.raw)
	}
	a = e.upload(t, "POST", "/apis/pets/spec", map[string]string{"version": "3"}, []byte("not: [openapi"), nil)
	if a.status != 422 {
		t.Errorf("broken spec from the UI: %d", a.status)
	}
	if got := e.tools(t, "pets"); len(got) != 3 {
		t.Errorf("a broken spec changed the tools: %v", got)
	}
	// Delete needs the confirmation and the current version.
	if a = form("/apis/pets/delete", neturl.Values{"version": {"3"}}); a.status != 400 {
		t.Errorf("delete without confirmation: %d", a.status)
	}
	if a = form("/apis/pets/delete", neturl.Values{"version": {"2"}, "confirm": {"yes"}}); a.status != 412 {
		t.Errorf("stale delete: %d", a.status)
	}
	if a = form("/apis/pets/delete", neturl.Values{"version": {"3"}, "confirm": {"yes"}}); a.status != 200 || !strings.Contains(a.raw, "Deleted pets.") {
		t.Errorf("delete: %d", a.status)
	}
	if r := modern(t, e.srv.URL+"/mcp/pets", "", "tools/list", nil); r.status != http.StatusNotFound {
		t.Errorf("deleted API still served: %d", r.status)
	}
	// Configured APIs have no edit forms.
	if page := e.do(t, "GET", "/apis/configured", "", nil, nil); strings.Contains(page.raw, "Save settings") {
		t.Error("a configured API offers edit forms")
	}
}
