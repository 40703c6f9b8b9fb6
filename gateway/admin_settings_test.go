package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// headerRecorder is an upstream that records the credentials it was sent.
type headerRecorder struct {
	mu   sync.Mutex
	seen []http.Header
}

func (h *headerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.seen = append(h.seen, r.Header.Clone())
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`[]`))
}

func (h *headerRecorder) last(t *testing.T) http.Header {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seen) == 0 {
		t.Fatal("the upstream was not called")
	}
	return h.seen[len(h.seen)-1]
}

// A stored API's upstream auth (a reference to an environment variable)
// is applied by the one builder: calls reach the upstream with the
// referenced key and never with the caller's token; secret values are
// refused and change nothing.
func TestRegistryUpstreamAuth(t *testing.T) {
	as := oidctest.New(t, nil)
	env := map[string]string{"PETS_KEY": "k-123"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	e := newRegEnv(t, "", &RegistryOptions{Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}}}, lookup)
	rec := &headerRecorder{}
	up := httptest.NewServer(rec)
	t.Cleanup(up.Close)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": up.URL}, e.spec, nil), 201)

	static := map[string]any{"type": "static", "static": map[string]any{"header": "X-API-Key", "value": map[string]any{"fromEnv": "PETS_KEY"}}}
	wantStatus(t, "set upstream auth", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": up.URL, "upstreamAuth": static}, map[string]string{"If-Match": `"1"`}), 200)

	url := e.srv.URL + "/mcp/pets"
	tok := as.Mint(t, as.AccessClaims(url, "pets:read"))
	call := func() {
		t.Helper()
		r := modern(t, url, tok, "tools/call", map[string]any{"name": "listPets", "arguments": map[string]any{}})
		if res := r.result(t); res["isError"] == true {
			t.Fatalf("listPets: %s", r.raw)
		}
	}
	call()
	h := rec.last(t)
	if got := h.Get("X-API-Key"); got != "k-123" {
		t.Errorf("upstream got X-API-Key %q, want the referenced key", got)
	}
	for k, vs := range h {
		for _, v := range vs {
			if strings.Contains(v, tok) {
				t.Errorf("the caller's token reached the upstream in %s", k)
			}
		}
	}
	got := e.do(t, "GET", "/admin/api/apis/pets", "", nil, nil)
	if !strings.Contains(got.raw, `"fromEnv": "PETS_KEY"`) || strings.Contains(got.raw, "k-123") {
		t.Errorf("GET shows the reference, never the value: %s", got.raw)
	}

	// Bad sections are refused (400) and change nothing.
	for name, ua := range map[string]any{
		"secret value":  map[string]any{"type": "static", "static": map[string]any{"header": "X-API-Key", "value": map[string]any{"value": "plain"}}},
		"secret string": map[string]any{"type": "static", "static": map[string]any{"header": "X-API-Key", "value": "plain"}},
		"unknown field": map[string]any{"type": "static", "colour": "blue"},
		"unknown type":  map[string]any{"type": "magic"},
		"unset env":     map[string]any{"type": "static", "static": map[string]any{"header": "X-API-Key", "value": map[string]any{"fromEnv": "NOT_SET"}}},
	} {
		a := e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": up.URL, "upstreamAuth": ua}, nil)
		if a.status/100 != 4 || strings.Contains(a.raw, "plain") {
			t.Errorf("%s: HTTP %d %s", name, a.status, a.raw)
		}
	}
	if v := e.do(t, "GET", "/admin/api/apis/pets", "", nil, nil).header.Get("ETag"); v != `"2"` {
		t.Errorf("refused edits wrote a version: ETag %s", v)
	}
	call()
	if got := rec.last(t).Get("X-API-Key"); got != "k-123" {
		t.Errorf("after refused edits, X-API-Key %q", got)
	}

	// null removes the section: the upstream is called without a key.
	wantStatus(t, "remove upstream auth", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": up.URL, "upstreamAuth": nil}, nil), 200)
	call()
	if got := rec.last(t); got.Get("X-API-Key") != "" || got.Get("Authorization") != "" {
		t.Errorf("without upstream auth the upstream got credentials: %v", got)
	}
}

// A stored API's mode is applied: discovery serves the four discovery
// tools, an unknown mode is refused.
func TestRegistryMode(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	wantStatus(t, "bad mode", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "mode": "sometimes"}, nil), 400)
	wantStatus(t, "discovery", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "mode": "discovery"}, nil), 200)
	want := []string{"call_operation", "call_read_operation", "describe_operation", "search_operations"}
	if got := e.tools(t, "pets"); !slices.Equal(got, want) {
		t.Errorf("discovery tools = %v, want %v", got, want)
	}
	r := modern(t, e.srv.URL+"/mcp/pets", "", "tools/call", map[string]any{"name": "call_read_operation", "arguments": map[string]any{"tool": "listPets", "arguments": map[string]any{}}})
	if res := r.result(t); res["isError"] == true {
		t.Errorf("call_read_operation listPets: %s", r.raw)
	}
	wantStatus(t, "tools", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "mode": "tools"}, nil), 200)
	if got := e.tools(t, "pets"); !slices.Equal(got, petTools) {
		t.Errorf("tools mode = %v", got)
	}
}

// The API page sets the mode and the upstream auth (references only).
func TestUISettingsModeAndUpstreamAuth(t *testing.T) {
	e := newRegEnv(t, "", nil, func(k string) (string, bool) { return "k-1", k == "PETS_KEY" })
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	form := func(v neturl.Values) answer {
		return e.do(t, "POST", "/apis/pets/settings", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	page := e.do(t, "GET", "/apis/pets", "", nil, nil)
	for _, want := range []string{`<label for="set-mode">Mode</label>`, `<label for="set-upstream-auth">Upstream auth (JSON)</label>`} {
		if !strings.Contains(page.raw, want) {
			t.Errorf("API page lacks %q", want)
		}
	}
	a := form(neturl.Values{"upstream": {e.upstream}, "upstreamAuth": {`{"type": "static", "static": {"header": "X-API-Key", "value": "plain-secret"}}`}, "version": {"1"}})
	if a.status != 400 || !strings.Contains(a.raw, "secret values are not stored") || strings.Contains(a.raw, "plain-secret</textarea>") {
		t.Errorf("secret value from the UI: %d", a.status)
	}
	a = form(neturl.Values{"upstream": {e.upstream}, "mode": {"discovery"}, "version": {"1"},
		"upstreamAuth": {`{"type": "static", "static": {"header": "X-API-Key", "value": {"fromEnv": "PETS_KEY"}}}`}})
	if a.status != 200 || !strings.Contains(a.raw, "Saved.") || !strings.Contains(a.raw, `<option value="discovery" selected>`) || !strings.Contains(a.raw, `&#34;fromEnv&#34;: &#34;PETS_KEY&#34;`) {
		t.Errorf("settings: %d\n%s", a.status, a.raw)
	}
	if got := e.tools(t, "pets"); len(got) != 4 || got[0] != "call_operation" {
		t.Errorf("discovery from the UI: %v", got)
	}
}

// GET …/diff and the Versions page compare any two stored versions at
// schema level with the upload's diff: a changed description is a change,
// a changed input schema is breaking.
func TestAdminDiffSchemaLevel(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	v2 := strings.Replace(string(e.spec), "Returns the pets in the store, optionally filtered by tag.", "Lists the pets.", 1)
	v2 = strings.Replace(v2, "description: The pet's id.\n        schema:\n          type: integer", "description: The pet's id.\n        schema:\n          type: string", 1)
	if v2 == string(e.spec) {
		t.Fatal("the spec edit did not apply")
	}
	put := e.upload(t, "PUT", "/admin/api/apis/pets/spec", nil, []byte(v2), nil)
	wantStatus(t, "new spec", put, 200)
	wantStatus(t, "disable createPet", e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/createPet", map[string]any{"enabled": false}, nil), 200)
	type diff struct {
		Added, Removed, Changed, Breaking []string
	}
	var got struct {
		Diff diff
		Note string
	}
	a := e.do(t, "GET", "/admin/api/apis/pets/diff?from=1&to=3", "", nil, nil)
	wantStatus(t, "diff", a, 200)
	if err := json.Unmarshal([]byte(a.raw), &got); err != nil {
		t.Fatal(err)
	}
	var putDiff struct{ Diff diff }
	_ = json.Unmarshal([]byte(put.raw), &putDiff)
	if !slices.Contains(got.Diff.Changed, "listPets") || slices.Contains(got.Diff.Breaking, "listPets") ||
		!slices.Equal(got.Diff.Removed, []string{"createPet"}) || !slices.Contains(got.Diff.Breaking, "createPet") ||
		!slices.Contains(got.Diff.Breaking, "getPet") || got.Note != "" {
		t.Errorf("diff 1→3 = %+v (note %q)", got.Diff, got.Note)
	}
	// The same function as the upload's answer: 1→2 is what PUT said.
	a = e.do(t, "GET", "/admin/api/apis/pets/diff?from=1&to=2", "", nil, nil)
	_ = json.Unmarshal([]byte(a.raw), &got)
	if !slices.Equal(got.Diff.Changed, putDiff.Diff.Changed) || !slices.Equal(got.Diff.Breaking, putDiff.Diff.Breaking) {
		t.Errorf("diff 1→2 %+v, PUT said %+v", got.Diff, putDiff.Diff)
	}
	page := e.do(t, "GET", "/apis/pets/versions", "", nil, nil)
	if !strings.Contains(page.raw, "changed: ") || !strings.Contains(page.raw, "breaking: createPet") {
		t.Errorf("versions page:\n%s", page.raw)
	}
	wantStatus(t, "unknown version", e.do(t, "GET", "/admin/api/apis/pets/diff?from=1&to=9", "", nil, nil), 404)
}

// The MCP Registry read API lists every stored version (newest first, the
// served one isLatest), filters version=latest, and pages across versions.
func TestMCPRegistryVersions(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	wantStatus(t, "v2", e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/createPet", map[string]any{"enabled": false}, nil), 200)
	type list struct {
		Servers []mcpServer `json:"servers"`
		Meta    struct {
			Count      int    `json:"count"`
			NextCursor string `json:"nextCursor"`
		} `json:"metadata"`
	}
	get := func(path string) list {
		t.Helper()
		a := e.do(t, "GET", path, "", nil, nil)
		wantStatus(t, path, a, 200)
		var l list
		if err := json.Unmarshal([]byte(a.raw), &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	vs := get("/v0.1/servers/127.0.0.1%2Fpets/versions")
	if len(vs.Servers) != 2 || vs.Servers[0].Server.Version != "2" || vs.Servers[1].Server.Version != "1" ||
		!vs.Servers[0].isLatest() || vs.Servers[1].isLatest() || !strings.Contains(vs.Servers[0].Server.Description, "3 tools") {
		t.Fatalf("versions = %+v", vs.Servers)
	}
	if m := vs.Servers[1].Meta[officialMeta].(map[string]any); m["publishedAt"] == nil || m["status"] != "active" {
		t.Errorf("version 1 meta = %v", m)
	}
	a := e.do(t, "GET", "/v0.1/servers/127.0.0.1%2Fpets/versions/1", "", nil, nil)
	if a.status != 200 || !strings.Contains(a.raw, `"isLatest": false`) || !strings.Contains(a.raw, `"version": "1"`) {
		t.Errorf("version 1: %d %s", a.status, a.raw)
	}
	if a = e.do(t, "GET", "/v0.1/servers/127.0.0.1%2Fpets/versions/latest", "", nil, nil); !strings.Contains(a.raw, `"version": "2"`) {
		t.Errorf("latest: %s", a.raw)
	}
	if l := get("/v0.1/servers"); l.Meta.Count != 3 {
		t.Errorf("all versions: %+v", l)
	}
	if l := get("/v0.1/servers?version=latest"); l.Meta.Count != 2 || l.Servers[1].Server.Version != "2" {
		t.Errorf("latest versions: %+v", l)
	}
	// Paging one at a time visits every version once, in order.
	var seen []string
	cursor := ""
	for range 5 {
		l := get("/v0.1/servers?limit=1&cursor=" + cursor)
		for _, s := range l.Servers {
			seen = append(seen, s.Server.Name+"@"+s.Server.Version)
		}
		if cursor = l.Meta.NextCursor; cursor == "" {
			break
		}
	}
	if want := []string{"127.0.0.1/configured@1", "127.0.0.1/pets@2", "127.0.0.1/pets@1"}; !slices.Equal(seen, want) {
		t.Errorf("paged = %v, want %v", seen, want)
	}
}

// A stored API's toolsets are served at /mcp/<name>/<toolset> (with the
// read-only variants), built like the configuration file's.
func TestRegistryToolsets(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	wantStatus(t, "bad toolsets", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "toolsets": "sometimes"}, nil), 400)
	wantStatus(t, "empty toolset", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream,
		"toolsets": []any{map[string]any{"name": "none", "include": map[string]any{"tags": []string{"nosuchtag"}}}}}, nil), 400)
	sets := []any{map[string]any{"name": "admin", "include": map[string]any{"methods": []string{"POST", "DELETE", "GET"}, "paths": []string{"/pets/{petId}", "/pets"}}, "exclude": map[string]any{"operationIds": []string{"listPets"}}}}
	wantStatus(t, "toolsets", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "toolPrefix": "p_", "toolsets": sets}, nil), 200)
	if got := e.tools(t, "pets/admin"); !slices.Equal(got, []string{"p_createPet", "p_deletePet", "p_getPet"}) {
		t.Errorf("toolset admin = %v", got)
	}
	if got := e.tools(t, "pets/admin-readonly"); !slices.Equal(got, []string{"p_getPet"}) {
		t.Errorf("toolset admin-readonly = %v", got)
	}
	if got := e.tools(t, "pets"); len(got) != 4 {
		t.Errorf("the API itself = %v", got)
	}
	r := modern(t, e.srv.URL+"/mcp/pets/admin", "", "tools/call", map[string]any{"name": "p_getPet", "arguments": map[string]any{"petId": 1}})
	if res := r.result(t); res["isError"] == true {
		t.Errorf("getPet through the toolset: %s", r.raw)
	}
	if r := modern(t, e.srv.URL+"/mcp/pets/nope", "", "tools/list", nil); r.status != 404 {
		t.Errorf("unknown toolset: %d", r.status)
	}
	// Removing the toolsets removes their endpoints.
	wantStatus(t, "no toolsets", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"toolsets": nil}, nil), 200)
	if r := modern(t, e.srv.URL+"/mcp/pets/admin", "", "tools/list", nil); r.status != 404 {
		t.Errorf("toolset after removal: %d", r.status)
	}
}

// The API page sets toolsets; bad JSON is refused and changes nothing.
func TestUIToolsets(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	form := func(v neturl.Values) answer {
		return e.do(t, "POST", "/apis/pets/settings", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	if a := form(neturl.Values{"upstream": {e.upstream}, "toolsets": {"auto"}, "version": {"1"}}); a.status != 400 || !strings.Contains(a.raw, "not valid JSON") {
		t.Errorf("unquoted auto: %d", a.status)
	}
	sets := `[{"name": "reads", "include": {"methods": ["GET"]}}]`
	if a := form(neturl.Values{"upstream": {e.upstream}, "toolsets": {sets}, "version": {"1"}}); a.status != 200 || !strings.Contains(a.raw, "Saved.") || !strings.Contains(a.raw, "&#34;reads&#34;") {
		t.Errorf("toolsets: %d\n%s", a.status, a.raw)
	}
	if got := e.tools(t, "pets/reads"); !slices.Equal(got, []string{"getPet", "listPets"}) {
		t.Errorf("toolset reads = %v", got)
	}
}

// PATCH merges: an absent setting is kept, null removes it, a given value
// replaces it; the merged settings are validated as a whole.
func TestRegistryPatchMerges(t *testing.T) {
	e := newRegEnv(t, "", nil)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	wantStatus(t, "settings", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "toolPrefix": "p_",
		"include": map[string]any{"operationIds": []string{"listPets"}}}, nil), 200)
	wantStatus(t, "timeout only", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"timeout": "9s"}, nil), 200)
	if got := e.tools(t, "pets"); !slices.Equal(got, []string{"p_listPets"}) {
		t.Errorf("after a timeout-only PATCH, tools = %v (prefix/include dropped?)", got)
	}
	g := e.do(t, "GET", "/admin/api/apis/pets", "", nil, nil)
	for _, want := range []string{`"timeout": "9s"`, `"upstream": "` + e.upstream + `"`, `"toolPrefix": "p_"`} {
		if !strings.Contains(g.raw, want) {
			t.Errorf("GET after merge lacks %s: %s", want, g.raw)
		}
	}
	wantStatus(t, "remove include", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"include": nil, "toolPrefix": nil}, nil), 200)
	if got := e.tools(t, "pets"); !slices.Equal(got, petTools) {
		t.Errorf("after null include and prefix, tools = %v", got)
	}
	g = e.do(t, "GET", "/admin/api/apis/pets", "", nil, nil)
	if !strings.Contains(g.raw, `"timeout": "9s"`) || strings.Contains(g.raw, "toolPrefix") {
		t.Errorf("GET after removing: %s", g.raw)
	}
	wantStatus(t, "unknown key", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"bogus": 1}, nil), 400)
	wantStatus(t, "bad timeout", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"timeout": "soon"}, nil), 400)
	wantStatus(t, "not an object", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", []string{"x"}, nil), 400)
}

// An upstream the SSRF guard would refuse at call time, or the gateway
// itself, is refused when given (upload, PATCH, UI form) and nothing
// changes.
func TestRegistryRefusesBadUpstreams(t *testing.T) {
	e := newRegEnv(t, "", nil)
	bad := map[string]string{
		"http://169.254.169.254/latest/meta-data":               "SSRF protection",
		"http://[fe80::1]:8080/":                                "SSRF protection",
		e.srv.URL + "/admin/api":                                "is this gateway",
		strings.Replace(e.srv.URL, "127.0.0.1", "localhost", 1): "is this gateway",
		"ftp://example.com/":                                    "http(s) URL",
	}
	for up, want := range bad {
		a := e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "bad", "upstream": up}, e.spec, nil)
		if a.status != 400 || !strings.Contains(a.raw, want) {
			t.Errorf("upload with upstream %s: %d %s", up, a.status, a.raw)
		}
	}
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	for up, want := range bad {
		a := e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": up}, nil)
		if a.status != 400 || !strings.Contains(a.raw, want) {
			t.Errorf("PATCH upstream %s: %d %s", up, a.status, a.raw)
		}
		f := e.do(t, "POST", "/apis/pets/settings", "application/x-www-form-urlencoded", strings.NewReader(neturl.Values{"upstream": {up}, "version": {"1"}}.Encode()), nil)
		if f.status != 400 || !strings.Contains(f.raw, want) {
			t.Errorf("UI upstream %s: %d", up, f.status)
		}
	}
	if g := e.do(t, "GET", "/admin/api/apis/pets", "", nil, nil); g.header.Get("ETag") != `"1"` {
		t.Errorf("refused upstreams made a version: ETag %s", g.header.Get("ETag"))
	}
}
