package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/web"
)

// testerRegistry is the fake registry with a try-it service that records
// the arguments it was given.
type testerRegistry struct {
	*fakeRegistry
	args  map[string]any
	token string
}

func (f *testerRegistry) TryTool(_ context.Context, name, tool string, args map[string]any, token string) (*web.TryResult, error) {
	f.args, f.token = args, token
	return &web.TryResult{Tool: tool, Status: 200, Requests: []string{"GET https://up.example/pets?limit=2&api_key=REDACTED"}, Result: `{"content": []}`}, nil
}

// The try-it form is generated from the input schema (in property order,
// with types, required marks, enums) and its values become typed
// arguments; a bad number is refused with the value kept.
func TestOperationPageTryIt(t *testing.T) {
	fake := newFake()
	fake.apis["pets"].Operations[0].InputSchema = json.RawMessage(`{"type":"object","properties":{
		"limit":{"type":"integer","description":"How many"},"tag":{"type":"string","enum":["dog","cat"]},
		"filter":{"type":"object"},"verbose":{"type":["boolean","null"]},"q":{"type":"string"}},"required":["q"]}`)
	fake.apis["pets"].Operations[0].ScopesFrom = "decided by rule:readers"
	reg := &testerRegistry{fakeRegistry: fake}
	srv := newServer(t, reg)
	st, body, _ := get(t, srv.URL+"/apis/pets/operation?key="+url.QueryEscape("GET /pets"))
	if st != 200 {
		t.Fatalf("operation page: %d", st)
	}
	mustContain(t, body, "decided by rule:readers", `<label for="arg-limit">limit</label>`, `<label for="arg-q">q (required)</label>`,
		`<option>dog</option>`, `<textarea id="arg-filter"`, `<select id="arg-verbose"`, "How many", `<label for="try-token">Access token</label>`, "Save annotations")
	if i, j := strings.Index(body, "arg-limit"), strings.Index(body, "arg-q"); i < 0 || j < i {
		t.Error("fields are not in property order")
	}
	form := url.Values{"key": {"GET /pets"}, "arg.limit": {"2"}, "arg.tag": {"dog"}, "arg.filter": {`{"a":1}`}, "arg.verbose": {"true"}, "arg.q": {"x"}, "token": {"tok"}}
	st, body, _ = post(t, srv.URL+"/apis/pets/try", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
	if st != 200 {
		t.Fatalf("try: %d\n%s", st, body)
	}
	mustContain(t, body, "api_key=REDACTED", "MCP answer (HTTP 200)", `id="try-output"`)
	got, _ := json.Marshal(reg.args)
	if string(got) != `{"filter":{"a":1},"limit":2,"q":"x","tag":"dog","verbose":true}` || reg.token != "tok" {
		t.Errorf("arguments %s token %q", got, reg.token)
	}
	form.Set("arg.limit", "many")
	st, body, _ = post(t, srv.URL+"/apis/pets/try", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
	if st != 400 || !strings.Contains(body, "is not a number") || !strings.Contains(body, `value="many"`) {
		t.Errorf("bad number: %d", st)
	}
	form.Set("arg.limit", "1")
	form.Set("arg.filter", "{broken")
	if st, _, _ = post(t, srv.URL+"/apis/pets/try", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil); st != 400 {
		t.Errorf("bad JSON: %d", st)
	}
	if st, _, _ = get(t, srv.URL+"/apis/pets/operation?key=nope"); st != 404 {
		t.Errorf("unknown operation: %d", st)
	}
	// Without a try-it service there is no form.
	srv2 := newServer(t, newFake())
	if _, body, _ = get(t, srv2.URL+"/apis/pets/operation?key="+url.QueryEscape("GET /pets")); strings.Contains(body, "Try it") {
		t.Error("try-it form without a service")
	}
}

// Saving annotation hints sends all four as overrides; reset clears them.
func TestOperationAnnotations(t *testing.T) {
	fake := newFake()
	srv := newServer(t, fake)
	form := url.Values{"key": {"GET /pets"}, "version": {"3"}, "destructiveHint": {"true"}}
	st, _, _ := post(t, srv.URL+"/apis/pets/annotations", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
	if st != 303 {
		t.Fatalf("save: %d", st)
	}
	form.Set("reset", "1")
	form.Set("version", "4")
	post(t, srv.URL+"/apis/pets/annotations", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.patches) != 2 {
		t.Fatalf("patches: %v", fake.patches)
	}
	a := fake.patches[0].Annotations
	if a == nil || a.Destructive == nil || !*a.Destructive || a.ReadOnly == nil || *a.ReadOnly {
		t.Errorf("saved hints: %+v", a)
	}
	if r := fake.patches[1].Annotations; r == nil || r.ReadOnly != nil || r.Destructive != nil {
		t.Errorf("reset hints: %+v", r)
	}
}
