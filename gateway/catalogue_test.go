package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/demoapi"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/store/sqlite"
)

// The bad-input catalogue: every case sends one kind of bad input to one
// in-process gateway (an open API, a protected API and the registry on
// SQLite), expects a clear answer (status and a message fragment), and
// checks that the gateway is healthy afterwards (/healthz and a normal
// catCall in each era). Configuration cases check the loader's error.

// catalogueEnv is the gateway under test.
type catalogueEnv struct {
	*regEnv
	as   *oidctest.Server
	open string // /mcp/open URL
	prot string // /mcp/petstore URL (protected)
	spec []byte
}

func newCatalogueEnv(t *testing.T) *catalogueEnv {
	t.Helper()
	as := oidctest.New(t, nil)
	up := httptest.NewServer(demoapi.New().Handler())
	t.Cleanup(up.Close)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "registry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	gwSrv := httptest.NewUnstartedServer(nil)
	cfg := &config.Config{
		Listen:    gwSrv.Listener.Addr().String(),
		PublicURL: "http://" + gwSrv.Listener.Addr().String(),
		CacheDir:  "off",
		APIs: []config.API{
			{Name: "open", Spec: petstoreSpec(t), Upstream: up.URL + "/v1"},
			{Name: "petstore", Spec: petstoreSpec(t), Upstream: up.URL + "/v1",
				Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}}},
		},
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	g, err := New(t.Context(), Options{Config: cfg, Registry: &RegistryOptions{Store: st},
		Logger: slog.New(slog.DiscardHandler), AuditLogger: slog.New(slog.DiscardHandler)})
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
	e := &catalogueEnv{
		regEnv: &regEnv{g: g, srv: gwSrv, st: st, upstream: up.URL + "/v1", spec: spec, audit: &lockedBuffer{}},
		as:     as, open: gwSrv.URL + "/mcp/open", prot: gwSrv.URL + "/mcp/petstore", spec: spec,
	}
	wantStatus(t, "upload pets", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, spec, nil), 201)
	return e
}

// got is what a case observed: an HTTP status and the text a client sees
// (body and WWW-Authenticate), or for configuration cases the error.
type got struct {
	status int
	text   string
}

// badCase is one entry of the catalogue.
type badCase struct {
	area, name string
	send       func(t *testing.T, e *catalogueEnv) got
	status     int    // expected HTTP status (0: configuration case)
	want       string // fragment of the answer (or error), case-insensitive
}

// healthy checks /healthz, a normal call in each era on the open API, and
// that the stored API still serves its four tools.
func (e *catalogueEnv) healthy(t *testing.T) {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	r := modern(t, e.open, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
	if res := r.result(t); res["isError"] == true {
		t.Fatalf("getPet after the case: %s", r.raw)
	}
	r = legacy(t, e.open, "", "tools/list", nil)
	if n := len(toolNames(t, r)); n != 4 {
		t.Fatalf("legacy tools/list after the case: %d tools", n)
	}
	if n := len(e.tools(t, "pets")); n != 4 {
		t.Fatalf("stored API serves %d tools after the case", n)
	}
}

func httpGot(status int, h http.Header, body []byte) got {
	return got{status: status, text: h.Get("WWW-Authenticate") + "\n" + string(body)}
}

// catRaw sends body to the open API's endpoint with modern headers (edited
// by hdr; an empty value deletes a header).
func catRaw(method, url string, hdr map[string]string, body []byte) func(*testing.T, *catalogueEnv) got {
	return func(t *testing.T, e *catalogueEnv) got {
		t.Helper()
		if url == "" {
			url = e.open
		} else if strings.HasPrefix(url, "/") {
			url = e.srv.URL + url
		}
		req, err := http.NewRequest(method, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "getPet")
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
				continue
			}
			if v == "" {
				req.Header.Del(k)
				continue
			}
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return httpGot(resp.StatusCode, resp.Header, b)
	}
}

// catCall sends a 2026-07-28 request to the open API.
func catCall(method string, params map[string]any) func(*testing.T, *catalogueEnv) got {
	return func(t *testing.T, e *catalogueEnv) got {
		t.Helper()
		r := modern(t, e.open, "", method, params)
		return httpGot(r.status, r.header, r.raw)
	}
}

// catTool calls a tool of the open API with args.
func catTool(tool string, args any) func(*testing.T, *catalogueEnv) got {
	return catCall("tools/call", map[string]any{"name": tool, "arguments": args})
}

// catToken lists the protected API's tools with a token made by mint.
func catToken(mint func(t *testing.T, e *catalogueEnv) string) func(*testing.T, *catalogueEnv) got {
	return func(t *testing.T, e *catalogueEnv) got {
		t.Helper()
		r := modern(t, e.prot, mint(t, e), "tools/list", nil)
		return httpGot(r.status, r.header, r.raw)
	}
}

// catClaims mints a token for the protected API after edit changes its claims.
func catClaims(edit func(oidctest.Claims), opts ...oidctest.MintOption) func(t *testing.T, e *catalogueEnv) string {
	return func(t *testing.T, e *catalogueEnv) string {
		c := e.as.AccessClaims(e.prot, "pets:read")
		if edit != nil {
			edit(c)
		}
		if len(opts) == 0 {
			opts = []oidctest.MintOption{oidctest.WithTyp("at+jwt")}
		}
		return e.as.Mint(t, c, opts...)
	}
}

// catAdmin sends a JSON admin API request.
func catAdmin(method, path string, body string, hdr map[string]string) func(*testing.T, *catalogueEnv) got {
	return func(t *testing.T, e *catalogueEnv) got {
		t.Helper()
		var r io.Reader
		ctype := ""
		if body != "" {
			r, ctype = strings.NewReader(body), "application/json"
		}
		a := e.do(t, method, path, ctype, r, hdr)
		return got{status: a.status, text: a.raw}
	}
}

// catUpload posts a spec (and form fields) to the admin API.
func catUpload(method, path string, fields map[string]string, spec []byte) func(*testing.T, *catalogueEnv) got {
	return func(t *testing.T, e *catalogueEnv) got {
		t.Helper()
		a := e.upload(t, method, path, fields, spec, nil)
		return got{status: a.status, text: a.raw}
	}
}

// catUploadNew uploads spec as a new API.
func catUploadNew(name string, spec []byte) func(*testing.T, *catalogueEnv) got {
	return func(t *testing.T, e *catalogueEnv) got {
		t.Helper()
		return catUpload("POST", "/admin/api/apis", map[string]string{"name": name, "upstream": e.upstream}, spec)(t, e)
	}
}

// catConfig parses and validates a configuration file.
func catConfig(yaml string) func(*testing.T, *catalogueEnv) got {
	return func(t *testing.T, e *catalogueEnv) got {
		t.Helper()
		yaml = strings.ReplaceAll(yaml, "SPEC", petstoreSpec(t))
		c, err := config.Parse([]byte(yaml))
		if err == nil {
			c.ApplyDefaults()
			err = c.Validate()
		}
		if err == nil {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, err = New(ctx, Options{Config: c, Logger: slog.New(slog.DiscardHandler)})
		}
		if err == nil {
			return got{text: "<no error>"}
		}
		return got{text: err.Error()}
	}
}

func catBody(s string) []byte { return []byte(s) }

const okCall = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`

func specWith(base []byte, old, repl string) []byte {
	return bytes.Replace(base, []byte(old), []byte(repl), 1)
}

func catalogue(spec []byte) []badCase {
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	return []badCase{
		// HTTP and JSON-RPC on an open API.
		{"rpc", "empty body", catRaw("POST", "", nil, nil), 400, "parse error"},
		{"rpc", "truncated JSON", catRaw("POST", "", nil, catBody(`{"jsonrpc":"2.0","id":1,`)), 400, "parse error"},
		{"rpc", "JSON string", catRaw("POST", "", nil, catBody(`"hello"`)), 400, ""},
		{"rpc", "empty batch", catRaw("POST", "", nil, catBody(`[]`)), 400, ""},
		{"rpc", "batch in 2026-07-28", catRaw("POST", "", nil, catBody(`[`+okCall+`,`+okCall+`]`)), 400, ""},
		{"rpc", "jsonrpc 1.0", catRaw("POST", "", nil, catBody(strings.Replace(okCall, `"2.0"`, `"1.0"`, 1))), 400, "jsonrpc"},
		{"rpc", "no method", catRaw("POST", "", map[string]string{"Mcp-Method": "", "Mcp-Name": ""}, catBody(`{"jsonrpc":"2.0","id":1}`)), 400, `needs a \"method\"`},
		{"rpc", "method is a number", catRaw("POST", "", nil, catBody(`{"jsonrpc":"2.0","id":1,"method":5}`)), 400, ""},
		{"rpc", "id is an object", catRaw("POST", "", nil, catBody(strings.Replace(okCall, `"id":1`, `"id":{"x":1}`, 1))), 400, ""},
		{"rpc", "params is an array", catRaw("POST", "", nil, catBody(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1,2]}`)), 400, ""},
		{"rpc", "invalid UTF-8", catRaw("POST", "", nil, append(catBody(okCall[:len(okCall)-2]), 0xff, 0xfe, '}', '}')), 400, ""},
		{"rpc", "nesting 20000 deep", catRaw("POST", "", nil, catBody(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getPet","arguments":`+deep+`}}`)), 400, ""},
		{"rpc", "body over the limit", catRaw("POST", "", nil, bytes.Repeat([]byte(" "), 5<<20)), 413, "exceeds the limit"},
		{"rpc", "Content-Type text/plain", catRaw("POST", "", map[string]string{"Content-Type": "text/plain"}, catBody(okCall)), 415, "content-type must be application/json"},
		{"rpc", "Accept text/html (lenient: answers JSON)", catRaw("POST", "", map[string]string{"Accept": "text/html"}, catBody(okCall)), 200, `"result"`},
		{"rpc", "unknown protocol version", catRaw("POST", "", map[string]string{"Mcp-Protocol-Version": "1999-01-01"}, catBody(okCall)), 400, "1999-01-01"},
		{"rpc", "Mcp-Method mismatch", catRaw("POST", "", map[string]string{"Mcp-Method": "tools/list"}, catBody(okCall)), 400, "mcp-method"},
		{"rpc", "Mcp-Name mismatch", catRaw("POST", "", map[string]string{"Mcp-Name": "listPets"}, catBody(okCall)), 400, "mcp-name"},
		{"rpc", "PUT", catRaw("PUT", "", nil, catBody(okCall)), 405, ""},
		{"rpc", "foreign Origin", catRaw("POST", "", map[string]string{"Origin": "https://evil.example"}, catBody(okCall)), 403, "origin"},
		{"rpc", "foreign Host", catRaw("POST", "", map[string]string{"Host": "evil.example"}, catBody(okCall)), 403, "host"},
		{"rpc", "unknown API", catRaw("POST", "/mcp/nope", nil, catBody(okCall)), 404, "nope"},
		{"rpc", "legacy session id the gateway never minted (stateless: ignored)", catRaw("POST", "", map[string]string{"Mcp-Protocol-Version": "2025-11-25", "Mcp-Method": "", "Mcp-Name": "", "Mcp-Session-Id": "bogus"}, catBody(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)), 200, `"tools"`},
		{"rpc", "unknown method", catCall("foo/bar", nil), 404, "foo/bar not found"},
		{"rpc", "resources/read without Mcp-Name", catCall("resources/read", map[string]any{"uri": "file:///etc/passwd"}), 400, "Mcp-Name"},
		{"rpc", "prompts/get of nothing", catCall("prompts/get", map[string]any{"name": "x"}), 404, "prompts not supported"},
		{"rpc", "tools/call without a name", catCall("tools/call", map[string]any{"arguments": map[string]any{}}), 400, "name"},
		{"rpc", "unknown tool", catTool("noSuchTool", map[string]any{}), 400, "noSuchTool' not found"},
		{"rpc", "arguments is a string", catTool("getPet", "petId=1"), 200, "arguments"},
		{"rpc", "missing required argument", catTool("getPet", map[string]any{}), 200, "petId"},
		{"rpc", "argument of the wrong type", catTool("getPet", map[string]any{"petId": "abc"}), 200, "petId"},
		{"rpc", "argument null", catTool("getPet", map[string]any{"petId": nil}), 200, "petId"},
		{"rpc", "body argument of the wrong shape", catTool("createPet", map[string]any{"name": 42}), 200, "name"},
		{"rpc", "unknown argument", catTool("getPet", map[string]any{"petId": 1, "evil": "x"}), 200, "evil"},
		{"rpc", "path traversal in a path argument", catTool("getPet", map[string]any{"petId": "../../admin"}), 200, "petId"},
		{"rpc", "huge integer", catTool("getPet", map[string]any{"petId": 1e300}), 200, "petId"},
		{"rpc", "limit below minimum", catTool("listPets", map[string]any{"limit": -5}), 200, "limit"},
		{"rpc", "upstream 404 is a tool error", catTool("getPet", map[string]any{"petId": 424242}), 200, `"isError":true`},

		// Tokens on the protected API.
		{"token", "no token", catToken(func(*testing.T, *catalogueEnv) string { return "" }), 401, "resource_metadata"},
		{"token", "not a JWT", catToken(func(*testing.T, *catalogueEnv) string { return "abc" }), 401, "invalid_token"},
		{"token", "three empty parts", catToken(func(*testing.T, *catalogueEnv) string { return ".." }), 401, "invalid_token"},
		{"token", "other audience", catToken(catClaims(func(c oidctest.Claims) { c["aud"] = "https://other.example/mcp" })), 401, "invalid_token"},
		{"token", "expired", catToken(catClaims(func(c oidctest.Claims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), 401, "invalid_token"},
		{"token", "not yet valid", catToken(catClaims(func(c oidctest.Claims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), 401, "invalid_token"},
		{"token", "other issuer", catToken(catClaims(func(c oidctest.Claims) { c["iss"] = "https://evil.example" })), 401, "invalid_token"},
		{"token", "no exp", catToken(catClaims(func(c oidctest.Claims) { delete(c, "exp") })), 401, "invalid_token"},
		{"token", "alg none", catToken(catClaims(nil, oidctest.WithAlgNone(), oidctest.WithTyp("at+jwt"))), 401, "invalid_token"},
		{"token", "HS256 with the public key", catToken(catClaims(nil, oidctest.WithHS256PublicKey(), oidctest.WithTyp("at+jwt"))), 401, "invalid_token"},
		{"token", "foreign key", catToken(catClaims(nil, oidctest.WithForeignKey(), oidctest.WithTyp("at+jwt"))), 401, "invalid_token"},
		{"token", "unknown kid", catToken(catClaims(nil, oidctest.WithKID("nope"), oidctest.WithTyp("at+jwt"))), 401, "invalid_token"},
		{"token", "typ JWT where at+jwt is required", catToken(catClaims(nil, oidctest.WithTyp("JWT"))), 401, "invalid_token"},
		{"token", "tampered payload", catToken(func(t *testing.T, e *catalogueEnv) string {
			tok := catClaims(nil)(t, e)
			p := strings.Split(tok, ".")
			p[1] = p[1][:len(p[1])-2] + "AA"
			return strings.Join(p, ".")
		}), 401, "invalid_token"},
		{"token", "100 KB token", catToken(func(*testing.T, *catalogueEnv) string { return strings.Repeat("a", 100<<10) }), 401, "invalid_token"},
		{"token", "Basic scheme", func(t *testing.T, e *catalogueEnv) got {
			return catRaw("POST", e.prot, map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, catBody(okCall))(t, e)
		}, 401, ""},
		{"token", "token in the query", func(t *testing.T, e *catalogueEnv) got {
			return catRaw("POST", e.prot+"?access_token="+catClaims(nil)(t, e), nil, catBody(okCall))(t, e)
		}, 400, "invalid_request"},
		{"token", "call without the tool's scope", func(t *testing.T, e *catalogueEnv) got {
			tok := e.as.Mint(t, e.as.AccessClaims(e.prot), oidctest.WithTyp("at+jwt"))
			r := modern(t, e.prot, tok, "tools/call", map[string]any{"name": "createPet", "arguments": map[string]any{"name": "x"}})
			return httpGot(r.status, r.header, r.raw)
		}, 403, "insufficient_scope"},

		// Specs, uploaded through the admin API.
		{"spec", "not YAML", catUploadNew("bad1", []byte("not: [openapi")), 422, ""},
		{"spec", "empty file", catUploadNew("bad2", []byte{}), 400, "choose an OpenAPI file"},
		{"spec", "JSON array", catUploadNew("bad3", []byte(`[1,2]`)), 422, ""},
		{"spec", "Swagger 2.0 without operations", catUploadNew("bad4", []byte("swagger: \"2.0\"\ninfo: {title: x, version: \"1\"}\npaths: {}\n")), 422, "no operations"},
		{"spec", "no paths", catUploadNew("bad5", []byte("openapi: 3.0.3\ninfo: {title: x, version: \"1\"}\n")), 422, ""},
		{"spec", "no operations", catUploadNew("bad6", []byte("openapi: 3.0.3\ninfo: {title: x, version: \"1\"}\npaths: {}\n")), 422, "operation"},
		{"spec", "dangling $ref (served in part, with a warning)", catUploadNew("bad7", specWith(spec, "#/components/schemas/Pet", "#/components/schemas/Nope")), 201, `spec.partial`},
		{"spec", "external file $ref (not read; served in part)", catUploadNew("bad8", specWith(spec, "#/components/schemas/Pet", "file:///etc/passwd#/x")), 201, "spec.partial"},
		{"spec", "external URL $ref (not fetched; served in part)", catUploadNew("bad9", specWith(spec, "#/components/schemas/Pet", "http://169.254.169.254/latest#/x")), 201, "spec.partial"},
		{"spec", "binary garbage", catUploadNew("bad10", []byte{0, 1, 2, 3, 0xff, 0xfe, 0, 0}), 422, ""},
		{"spec", "YAML alias bomb", catUploadNew("bad11", []byte("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n")), 422, ""},
		{"spec", "over the size limit", catUploadNew("bad12", bytes.Repeat([]byte("#"), 33<<20)), 413, ""},
		{"spec", "duplicate operationId (served, with a warning)", catUploadNew("bad13", specWith(spec, "operationId: getPet", "operationId: listPets")), 201, "operation.duplicate-id"},
		{"spec", "spec URL on loopback", catUpload("POST", "/admin/api/apis", map[string]string{"name": "bad14", "specURL": "http://127.0.0.1:1/openapi.yaml"}, nil), 400, ""},
		{"spec", "spec URL with file scheme", catUpload("POST", "/admin/api/apis", map[string]string{"name": "bad15", "specURL": "file:///etc/passwd"}, nil), 400, ""},
		{"spec", "spec URL on the metadata address", catUpload("POST", "/admin/api/apis", map[string]string{"name": "bad16", "specURL": "http://169.254.169.254/latest"}, nil), 400, ""},
		{"spec", "neither spec nor URL", catUpload("POST", "/admin/api/apis", map[string]string{"name": "bad17"}, nil), 400, "choose an OpenAPI file"},
		{"spec", "new version that does not load", catUpload("PUT", "/admin/api/apis/pets/spec", nil, []byte("not: [openapi")), 422, ""},

		// Admin API.
		{"admin", "bad name", catUploadNew("Bad Name!", spec), 400, "name"},
		{"admin", "name too long", catUploadNew(strings.Repeat("a", 300), spec), 400, "name"},
		{"admin", "name taken", catUploadNew("pets", spec), 409, "exists"},
		{"admin", "name of a configured API", catUploadNew("open", spec), 409, ""},
		{"admin", "upstream not http", catUpload("POST", "/admin/api/apis", map[string]string{"name": "bad18", "upstream": "ftp://x.example/"}, spec), 400, "upstream"},
		{"admin", "multipart without boundary", catAdmin("POST", "/admin/api/apis", "{}", nil), 400, ""},
		{"admin", "unknown API", catAdmin("GET", "/admin/api/apis/nope", "", nil), 404, "nope"},
		{"admin", "PATCH unknown API", catAdmin("PATCH", "/admin/api/apis/nope", `{"upstream":"http://127.0.0.1:1/"}`, nil), 404, ""},
		{"admin", "PATCH unknown field", catAdmin("PATCH", "/admin/api/apis/pets", `{"colour":"red"}`, nil), 400, "colour"},
		{"admin", "PATCH bad timeout", catAdmin("PATCH", "/admin/api/apis/pets", `{"timeout":"soon"}`, nil), 400, "timeout"},
		{"admin", "PATCH not JSON", catAdmin("PATCH", "/admin/api/apis/pets", `{`, nil), 400, "JSON"},
		{"admin", "PATCH body over 1 MiB", catAdmin("PATCH", "/admin/api/apis/pets", `{"toolPrefix":"`+strings.Repeat("a", 2<<20)+`"}`, nil), 400, ""},
		{"admin", "If-Match garbage", catAdmin("PATCH", "/admin/api/apis/pets", `{}`, map[string]string{"If-Match": "yesterday"}), 400, "If-Match"},
		{"admin", "If-Match stale", catAdmin("PATCH", "/admin/api/apis/pets", `{}`, map[string]string{"If-Match": `"999"`}), 412, "version"},
		{"admin", "rollback to a missing version", catAdmin("POST", "/admin/api/apis/pets/rollback", `{"version":99}`, nil), 404, ""},
		{"admin", "rollback to version 0", catAdmin("POST", "/admin/api/apis/pets/rollback", `{"version":0}`, nil), 404, ""},
		{"admin", "rollback without a body", catAdmin("POST", "/admin/api/apis/pets/rollback", "", nil), 400, "JSON"},
		{"admin", "diff with bad versions", catAdmin("GET", "/admin/api/apis/pets/diff?from=x&to=y", "", nil), 400, ""},
		{"admin", "policy not YAML", func(t *testing.T, e *catalogueEnv) got {
			a := e.do(t, "PUT", "/admin/api/apis/pets/policy", "application/yaml", strings.NewReader("visibility: [all"), nil)
			return got{a.status, a.raw}
		}, 422, "parse policy"},
		{"admin", "policy with an unknown visibility", func(t *testing.T, e *catalogueEnv) got {
			a := e.do(t, "PUT", "/admin/api/apis/pets/policy", "application/yaml", strings.NewReader("visibility: sometimes\n"), nil)
			return got{a.status, a.raw}
		}, 422, "visibility: must be all or granted"},
		{"admin", "operation unknown", catAdmin("PATCH", "/admin/api/apis/pets/operations/nope", `{"enabled":false}`, nil), 404, "nope"},
		{"admin", "operation scopes of the wrong type", catAdmin("PATCH", "/admin/api/apis/pets/operations/getPet", `{"scopes":"pets:read"}`, nil), 400, "scopes"},
		{"admin", "operation tool name with spaces", catAdmin("PATCH", "/admin/api/apis/pets/operations/getPet", `{"toolName":"get pet"}`, nil), 400, "name"},
		{"admin", "operation tool name taken", catAdmin("PATCH", "/admin/api/apis/pets/operations/getPet", `{"toolName":"listPets"}`, nil), 400, "is taken by GET /pets"},
		{"admin", "delete a configured API", catAdmin("DELETE", "/admin/api/apis/open", "", nil), 409, ""},
		{"admin", "new spec for a configured API", catUpload("PUT", "/admin/api/apis/open/spec", nil, spec), 409, ""},
		{"admin", "unknown admin path", catAdmin("GET", "/admin/api/nope", "", nil), 404, ""},
		{"admin", "method not allowed", catAdmin("POST", "/admin/api/apis/pets", "{}", nil), 405, ""},
		{"admin", "foreign Host", func(t *testing.T, e *catalogueEnv) got {
			return catRaw("GET", "/admin/api/apis", map[string]string{"Host": "evil.example"}, nil)(t, e)
		}, 403, "host"},

		// Configuration files.
		{"config", "not YAML", catConfig("apis: [name"), 0, "yaml"},
		{"config", "unknown field", catConfig("listen: 127.0.0.1:0\ncolour: red\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1'}]\n"), 0, "colour"},
		{"config", "no APIs", catConfig("listen: 127.0.0.1:0\napis: []\n"), 0, "api"},
		{"config", "API without a name", catConfig("listen: 127.0.0.1:0\napis: [{spec: SPEC, upstream: 'http://127.0.0.1:1'}]\n"), 0, "name"},
		{"config", "duplicate API names", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: SPEC}, {name: a, spec: SPEC}]\n"), 0, "duplicate"},
		{"config", "bad API name", catConfig("listen: 127.0.0.1:0\napis: [{name: 'a b', spec: SPEC}]\n"), 0, "name"},
		{"config", "spec file missing", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: /nonexistent/openapi.yaml, upstream: 'http://127.0.0.1:1'}]\n"), 0, "nonexistent"},
		{"config", "upstream not a URL", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: SPEC, upstream: 'not a url'}]\n"), 0, "upstream"},
		{"config", "public listener without auth", catConfig("listen: 0.0.0.0:8080\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1'}]\n"), 0, "auth"},
		{"config", "issuer not https", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1', auth: {issuers: [{issuer: 'http://idp.example'}]}}]\n"), 0, "https"},
		{"config", "negative rate limit", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1', auth: {issuers: [{issuer: 'https://idp.example'}], rateLimit: {requestsPerMinute: -1}}}]\n"), 0, "rate"},
		{"config", "body limit too small", catConfig("listen: 127.0.0.1:0\nmaxBodyBytes: 10\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1'}]\n"), 0, "maxBodyBytes"},
		{"config", "unknown upstream auth type", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1', upstreamAuth: {type: magic}}]\n"), 0, "magic"},
		{"config", "secret value and env at once", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1', upstreamAuth: {type: staticKey, header: X-Key, key: {value: a, fromEnv: B}}}]\n"), 0, "key"},
		{"config", "bad visibility", catConfig("listen: 127.0.0.1:0\napis: [{name: a, spec: SPEC, upstream: 'http://127.0.0.1:1', policy: {visibility: sometimes}}]\n"), 0, "visibility"},
	}
}

// TestBadInputCatalogue runs the catalogue; see the comment at the top of
// the file.
func TestBadInputCatalogue(t *testing.T) {
	e := newCatalogueEnv(t)
	cases := catalogue(e.spec)
	if len(cases) < 80 {
		t.Fatalf("the catalogue has %d cases, want at least 80", len(cases))
	}
	for _, c := range cases {
		t.Run(c.area+"/"+c.name, func(t *testing.T) {
			g := c.send(t, e)
			if g.status != c.status {
				t.Errorf("HTTP %d, want %d: %q", g.status, c.status, truncateText(g.text))
			}
			if g.status >= 500 {
				t.Errorf("a server error for bad input: %s", truncateText(g.text))
			}
			if !strings.Contains(strings.ToLower(g.text), strings.ToLower(c.want)) {
				t.Errorf("answer lacks %q: %q", c.want, truncateText(g.text))
			}
			e.healthy(t)
		})
	}
}

func truncateText(s string) string {
	if len(s) > 300 {
		return s[:300] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}
