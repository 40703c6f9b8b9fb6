package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/policies"
)

// TestReloadNeverMixesSnapshots reloads an API over and over between two
// versions while callers list and call tools and read the snapshot: every
// answer must come from one version. Version A is the petstore (4 tools,
// reads need pets:read); version B has 3 tools and reads need pets:look.
// A caller holding pets:read gets, for getPet, a result (A) or a 403 step-up
// challenge for pets:look (B) — never a tool error from a handler that saw
// another policy than the pre-check.
func TestReloadNeverMixesSnapshots(t *testing.T) {
	e := newSpecEdits(t)
	versionB := strings.ReplaceAll(e.smaller, "pets:read", "pets:look")
	as := oidctest.New(t, nil)
	g, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name: "petstore",
		Spec: e.path,
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
	}}})
	a, _ := g.API("petstore")
	url := srv.URL + "/mcp/petstore"
	token := as.Mint(t, as.AccessClaims(url, "pets:read"))

	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	fail := func(format string) {
		select {
		case errs <- format:
		default:
		}
	}
	wg.Go(func() {
		defer stop.Store(true)
		for i := range 30 {
			content := e.orig
			if i%2 == 0 {
				content = versionB
			}
			e.write(t, content)
			if err := a.Reload(context.Background()); err != nil {
				fail("reload: " + err.Error())
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				r := modern(t, url, token, "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
				switch {
				case r.status == http.StatusForbidden:
					if ch := r.header.Get("WWW-Authenticate"); !strings.Contains(ch, `scope="pets:look"`) {
						fail("403 without the version B step-up: " + ch)
					}
				case r.status != http.StatusOK:
					fail("tools/call: HTTP " + r.raw2())
				default:
					if isErr, _ := r.result(t)["isError"].(bool); isErr {
						fail("tools/call answered by a handler of another snapshot: " + string(r.raw))
					}
				}
			}
		})
		wg.Go(func() {
			for !stop.Load() {
				r := modern(t, url, token, "tools/list", nil)
				if r.status != http.StatusOK {
					fail("tools/list: HTTP " + r.raw2())
					continue
				}
				tools := r.result(t)["tools"].([]any)
				want, other := "pets:read", "pets:look"
				if len(tools) == 3 {
					want, other = other, want
				}
				for _, v := range tools {
					d, _ := v.(map[string]any)["description"].(string)
					if strings.Contains(d, other) {
						fail("tools/list of " + want + " lists a tool described with " + other)
					}
				}
			}
		})
	}
	wg.Go(func() {
		for !stop.Load() {
			s := a.Snapshot()
			rec := httptest.NewRecorder()
			s.prm.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/oauth-protected-resource/mcp/petstore", nil))
			var prm struct {
				Scopes []string `json:"scopes_supported"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &prm)
			wantRead := len(s.list) == 4
			if slices.Contains(prm.Scopes, "pets:read") != wantRead || slices.Contains(prm.Scopes, "pets:look") == wantRead {
				fail("snapshot with " + itoa(len(s.list)) + " tools serves PRM scopes " + strings.Join(prm.Scopes, " "))
			}
			if n := len(s.mcp.ListTools()); n != len(s.list) || len(s.tools) != len(s.list) {
				fail("snapshot's mcp-go server has " + itoa(n) + " tools, its list " + itoa(len(s.list)))
			}
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func (r rpc) raw2() string { return itoa(r.status) + ": " + string(r.raw) }

func itoa(n int) string { return strconv.Itoa(n) }

// recordingCreds records the scopes credentials were asked for.
type recordingCreds struct{ scopes []string }

func (c *recordingCreds) Apply(_ context.Context, _ *http.Request, _ *authbridge.Principal, scopes []string) error {
	c.scopes = scopes
	return nil
}

// TestDecisionTravelsInContext shows that the tool handler, the list
// filter and the credential step use the decision the pre-check stored in
// the request context instead of deciding again.
func TestDecisionTravelsInContext(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "petstore.yaml")
	b, err := os.ReadFile(petstoreSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Listen: "127.0.0.1:8080", APIs: []config.API{{
		Name: "petstore", Spec: spec, Upstream: "http://127.0.0.1:1/v1",
		Auth:   &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: "https://issuer.example"}}},
		Policy: &policies.Config{Visibility: policies.VisibilityGranted},
	}}}
	cfg.ApplyDefaults()
	s, err := BuildAPI(t.Context(), cfg.APIs[0], BuildOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	getPet, _ := s.Tool("getPet")
	// Without a subject the policy refuses getPet; the recorded decision
	// allows it, and every later stage follows the recorded one.
	allow := policies.Decision{Allow: true, Rule: "test", Required: []string{"recorded:scope"}}
	ctx := withDecision(context.Background(), "getPet", allow)
	if d := s.policy.Decide("getPet", nil); d.Allow {
		t.Fatal("the test needs a policy that refuses an anonymous getPet")
	}
	if err := s.authorize(ctx, getPet); err != nil {
		t.Errorf("authorize re-decided: %v", err)
	}
	if got := s.filterTools(ctx, []mcp.Tool{getPet.MCPTool()}); len(got) != 1 {
		t.Errorf("list filter re-decided: %d tools", len(got))
	}
	rc := &recordingCreds{}
	s.creds = rc
	req := httptest.NewRequest(http.MethodGet, "http://upstream.example/pets/1", nil)
	if err := s.applyCredentials(ctx, req, getPet); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"recorded:scope"}, rc.scopes); diff != "" {
		t.Errorf("credential scopes (-want +got):\n%s", diff)
	}
	// And a recorded refusal is not lifted by deciding again.
	deny := policies.Decision{Denied: true, Reason: "recorded refusal"}
	if err := s.authorize(withDecision(context.Background(), "getPet", deny), getPet); err == nil {
		t.Error("authorize allowed a call the pre-check refused")
	}
	if d, ok := decisionFrom(ctx, "listPets"); ok {
		t.Errorf("decision of another tool leaked: %+v", d)
	}
}

// TestBuildAPIOffline builds the example petstore without a gateway: the
// same tools and policy a served API has, through the SSRF-guarded default
// clients.
func TestBuildAPIOffline(t *testing.T) {
	cfg := &config.Config{APIs: []config.API{{Name: "petstore", Spec: petstoreSpec(t),
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: "https://issuer.example"}}}}}}
	cfg.ApplyDefaults()
	s, err := BuildAPI(t.Context(), cfg.APIs[0], BuildOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore", Auth: cfg.APIs[0].Auth}}})
	served, _ := g.Snapshot("petstore")
	names := func(s *Snapshot) []string {
		var out []string
		for _, t := range s.Tools() {
			out = append(out, t.Name+": "+t.Description)
		}
		return out
	}
	if diff := cmp.Diff(names(served), names(s)); diff != "" {
		t.Errorf("offline build differs from the served one (-served +offline):\n%s", diff)
	}
	if diff := cmp.Diff(served.Baseline(), s.Baseline()); diff != "" {
		t.Errorf("baseline (-served +offline):\n%s", diff)
	}
	t.Run("bytes source", func(t *testing.T) {
		b, err := os.ReadFile(petstoreSpec(t))
		if err != nil {
			t.Fatal(err)
		}
		up := cfg.APIs[0]
		up.Spec = ""
		up.Upstream = "http://127.0.0.1:1/v1"
		s, err := BuildAPI(t.Context(), up, BuildOptions{Config: cfg, Source: openapi.Source{Data: b, Name: "upload.yaml"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Tools()) != 4 || len(s.files) != 0 {
			t.Errorf("uploaded spec: %d tools, %d watched files; want 4 and none", len(s.Tools()), len(s.files))
		}
	})
	t.Run("policy and policyFile both set", func(t *testing.T) {
		both := cfg.APIs[0]
		both.Policy, both.PolicyFile = &policies.Config{}, "/etc/policy.yaml"
		_, err := BuildAPI(t.Context(), both, BuildOptions{Config: cfg})
		if err == nil || !strings.Contains(err.Error(), "either policy or policyFile (/etc/policy.yaml)") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestRequestKeepsPinnedSnapshot swaps the snapshot in the middle of a
// request: the stages after the swap still use the snapshot the request
// pinned on arrival (pre-check, the mcp-go server and its tools).
func TestRequestKeepsPinnedSnapshot(t *testing.T) {
	e := newSpecEdits(t)
	as := oidctest.New(t, nil)
	g, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name: "petstore",
		Spec: e.path,
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
	}}})
	a, _ := g.API("petstore")
	old := a.Snapshot()
	e.write(t, strings.ReplaceAll(e.smaller, "pets:read", "pets:look"))
	if err := a.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a.Snapshot() == old || len(a.Snapshot().Tools()) != 3 {
		t.Fatal("reload did not swap the snapshot")
	}
	pinned := withSnapshot(t.Context(), old)

	t.Run("pre-check decides on the pinned snapshot", func(t *testing.T) {
		body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`)
		calls, problem := parseCall(body)
		if problem != nil {
			t.Fatal(problem.msg)
		}
		ctx := context.WithValue(pinned, bodyKey{}, &bodyInfo{raw: body, calls: calls})
		ctx = context.WithValue(ctx, subjectKey{}, old.policy.NewSubject(policies.Subject{Subject: "u", Scopes: []string{"pets:read"}}))
		var got *policies.Decision
		h := a.precheck(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			if d, ok := decisionFrom(r.Context(), "getPet"); ok {
				got = &d
			}
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/mcp/petstore", nil))
		if rec.Code != http.StatusOK || got == nil || !got.Allow {
			t.Fatalf("HTTP %d, decision %+v: the pre-check did not decide on the pinned snapshot", rec.Code, got)
		}
	})
	t.Run("mcp-go server of the pinned snapshot", func(t *testing.T) {
		req := httptest.NewRequestWithContext(pinned, http.MethodPost, srv.URL+"/mcp/petstore",
			strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/list")
		rec := httptest.NewRecorder()
		a.stream.ServeHTTP(rec, req)
		if n := strings.Count(rec.Body.String(), `"inputSchema"`); n != 4 {
			t.Fatalf("%d tools listed, want the pinned snapshot's 4:\n%s", n, rec.Body.String())
		}
	})
}

// TestReloadFromBytes swaps an API to an uploaded spec, and a later plain
// reload keeps building from those bytes.
func TestReloadFromBytes(t *testing.T) {
	g, _ := testGateway(t, &config.Config{APIs: []config.API{{Name: "petstore"}}})
	a, _ := g.API("petstore")
	e := newSpecEdits(t)
	if err := a.ReloadFrom(t.Context(), openapi.Source{Data: []byte(e.smaller), Name: "upload.yaml"}); err != nil {
		t.Fatal(err)
	}
	if n := len(a.Tools()); n != 3 {
		t.Fatalf("%d tools after the upload, want 3", n)
	}
	if err := a.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(a.Tools()); n != 3 || a.Snapshot().Source().Data == nil {
		t.Fatalf("a reload after an upload serves %d tools from %+v, want 3 from the upload", n, a.Snapshot().Source().Name)
	}
	if err := a.ReloadFrom(t.Context(), openapi.Source{Data: []byte(e.broken)}); err == nil || len(a.Tools()) != 3 {
		t.Fatalf("a broken upload: err %v, %d tools; want an error and the 3 tools kept", err, len(a.Tools()))
	}
}

// TestDenyRuleCoversWhatExcludeRemoves builds the petstore twice: once
// with an exclude, once with a deny rule whose match is the same YAML. The
// deny rule must refuse exactly the tools the exclude removes (before the
// matcher was unified, "/pets/**" and "*Pet" meant different things in the
// two places and left operations uncovered).
func TestDenyRuleCoversWhatExcludeRemoves(t *testing.T) {
	selectors := []mcpgen.Selector{
		{Paths: []string{"/pets/**"}, Methods: []string{"post", "DELETE"}},
		{OperationIDs: []string{"*Pet"}},
		{Tags: []string{"p*"}, Paths: []string{"/pets"}},
		{Methods: []string{"G?T"}},
	}
	auth := &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: "https://issuer.example"}}}
	for _, sel := range selectors {
		cfg := &config.Config{APIs: []config.API{{Name: "petstore", Spec: petstoreSpec(t), Auth: auth}}}
		cfg.ApplyDefaults()
		all, err := BuildAPI(t.Context(), cfg.APIs[0], BuildOptions{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		excluded := cfg.APIs[0]
		excluded.Exclude = &sel
		kept := map[string]bool{}
		if s, err := BuildAPI(t.Context(), excluded, BuildOptions{Config: cfg}); err == nil {
			for _, tool := range s.Tools() {
				kept[tool.Name] = true
			}
		}
		denied := cfg.APIs[0]
		denied.Policy = &policies.Config{Rules: []policies.Rule{{Name: "deny", Effect: policies.EffectDeny, Match: policies.Match(sel)}}}
		d, err := BuildAPI(t.Context(), denied, BuildOptions{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		sub := d.Policy().NewSubject(policies.Subject{Subject: "u", Scopes: []string{"pets:read", "pets:write"}})
		for _, tool := range all.Tools() {
			refused := d.Policy().Decide(tool.Name, sub).Denied
			if refused == kept[tool.Name] {
				t.Errorf("%+v: %s excluded=%v but denied=%v", sel, tool.Name, !kept[tool.Name], refused)
			}
		}
	}
}
