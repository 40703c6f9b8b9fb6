package gateway

import (
	"encoding/json"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// The operation page: what decides the scopes (the policy rule), editable
// annotation hints, and a try-it form that calls the tool through the
// API's MCP handler (authorization included) and shows the upstream
// request line with the credential redacted.
func TestUIOperationPageTryIt(t *testing.T) {
	as := oidctest.New(t, nil)
	e := newRegEnv(t, "", &RegistryOptions{Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer(), RequireTyp: true}}}},
		func(k string) (string, bool) { return "k-123", k == "PETS_KEY" })
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	static := map[string]any{"type": "static", "static": map[string]any{"query": "key_param", "value": map[string]any{"fromEnv": "PETS_KEY"}}}
	wantStatus(t, "upstream auth", e.jsonReq(t, "PATCH", "/admin/api/apis/pets", map[string]any{"upstream": e.upstream, "upstreamAuth": static}, nil), 200)
	wantStatus(t, "policy", e.do(t, "PUT", "/admin/api/apis/pets/policy", "application/yaml",
		strings.NewReader("rules:\n  - name: readers\n    match: {methods: [GET]}\n    allOf: [pets:read]\n"), nil), 200)

	// Which rule decides.
	op := e.do(t, "GET", "/admin/api/apis/pets/operations/listPets", "", nil, nil)
	if !strings.Contains(op.raw, `"scopesFrom": "decided by rule:readers"`) {
		t.Errorf("listPets is decided by the readers rule: %s", op.raw)
	}
	page := e.do(t, "GET", "/apis/pets/operation?key="+neturl.QueryEscape("GET /pets"), "", nil, nil)
	for _, want := range []string{"decided by rule:readers", `<label for="arg-limit">limit</label>`, "Save annotations", `<label for="try-token">Access token</label>`} {
		if !strings.Contains(page.raw, want) {
			t.Errorf("operation page lacks %q:\n%s", want, page.raw)
		}
	}
	if api := e.do(t, "GET", "/apis/pets", "", nil, nil); !strings.Contains(api.raw, `href="/apis/pets/operation?key=GET%20%2fpets"`) {
		t.Errorf("the API page does not link the operation page")
	}

	try := func(v neturl.Values) answer {
		v.Set("key", "GET /pets")
		return e.do(t, "POST", "/apis/pets/try", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	}
	// Without a token the gateway refuses, as it would refuse a client.
	a := try(neturl.Values{"arg.limit": {"2"}})
	if a.status != 200 || !strings.Contains(a.raw, "MCP answer (HTTP 401)") || !strings.Contains(a.raw, "none (the call did not reach the upstream)") {
		t.Errorf("try without a token:\n%s", a.raw)
	}
	tok := as.Mint(t, as.AccessClaims(e.srv.URL+"/mcp/pets", "pets:read"))
	a = try(neturl.Values{"arg.limit": {"2"}, "token": {tok}})
	if a.status != 200 || !strings.Contains(a.raw, "MCP answer (HTTP 200)") || !strings.Contains(a.raw, "key_param=REDACTED") ||
		!strings.Contains(a.raw, "limit=2") || !strings.Contains(a.raw, "GET "+e.upstream+"/pets?") {
		t.Errorf("try with a token:\n%s", a.raw)
	}
	if strings.Contains(a.raw, "k-123") || strings.Contains(a.raw, tok) {
		t.Error("the try-it page shows a secret")
	}
	if !strings.Contains(a.raw, "structuredContent") {
		t.Errorf("no tool result on the page:\n%s", a.raw)
	}
	if a = try(neturl.Values{"arg.limit": {"two"}, "token": {tok}}); a.status != 400 || !strings.Contains(a.raw, "is not a number") || !strings.Contains(a.raw, `value="two"`) {
		t.Errorf("bad number: %d\n%s", a.status, a.raw)
	}

	// Annotations: an override is served, and can be restored.
	wantStatus(t, "annotations", e.jsonReq(t, "PATCH", "/admin/api/apis/pets/operations/listPets", map[string]any{"annotations": map[string]any{"readOnlyHint": false, "destructiveHint": true}}, nil), 200)
	ann := func() map[string]any {
		t.Helper()
		r := modern(t, e.srv.URL+"/mcp/pets", tok, "tools/list", nil)
		for _, tl := range r.result(t)["tools"].([]any) {
			if m := tl.(map[string]any); m["name"] == "listPets" {
				return m["annotations"].(map[string]any)
			}
		}
		t.Fatal("no listPets")
		return nil
	}
	if got := ann(); got["readOnlyHint"] != false || got["destructiveHint"] != true {
		t.Errorf("overridden annotations = %v", got)
	}
	v := neturl.Values{"key": {"GET /pets"}, "reset": {"1"}}
	if a = e.do(t, "POST", "/apis/pets/annotations", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil); a.status != 200 || !strings.Contains(a.raw, "Saved.") {
		t.Errorf("reset annotations: %d", a.status)
	}
	if got := ann(); got["readOnlyHint"] != true || got["destructiveHint"] != false {
		t.Errorf("restored annotations = %v", got)
	}
	v = neturl.Values{"key": {"GET /pets"}, "version": {"1"}, "idempotentHint": {"true"}}
	if a = e.do(t, "POST", "/apis/pets/annotations", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil); a.status != 412 {
		t.Errorf("stale annotations edit: %d", a.status)
	}
	var opj struct {
		Annotations map[string]bool `json:"annotations"`
	}
	if err := json.Unmarshal([]byte(e.do(t, "GET", "/admin/api/apis/pets/operations/listPets", "", nil, nil).raw), &opj); err != nil || !opj.Annotations["readOnlyHint"] {
		t.Errorf("operation annotations: %v %v", opj, err)
	}
	// A configured API is tried the same way (read-only: no annotation
	// form).
	v = neturl.Values{"key": {"GET /pets/{petId}"}, "arg.petId": {"1"}}
	a = e.do(t, "POST", "/apis/configured/try", "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), nil)
	if a.status != 200 || !strings.Contains(a.raw, "GET "+e.upstream+"/pets/1") || !strings.Contains(a.raw, "MCP answer (HTTP 200)") || strings.Contains(a.raw, "Save annotations") {
		t.Errorf("try on a configured API: %d\n%s", a.status, a.raw)
	}
	if !strings.Contains(e.audit.String(), "registry try-it call") {
		t.Error("try-it calls are not audited")
	}
}
