package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/store"
)

// bigPets answers /v1/pets with n pets and /v1/pets/{id} with one pet
// carrying a large extra field.
func bigPets(n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var b bytes.Buffer
		if r.URL.Path == "/v1/pets" {
			b.WriteByte('[')
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":%d,"name":"pet <%d>","tag":"dog"}`, i, i)
			}
			b.WriteByte(']')
		} else {
			fmt.Fprintf(&b, `{"id":1,"name":"Rex","tag":"dog","extra":"%s"}`, strings.Repeat("x", 100_000))
		}
		_, _ = w.Write(b.Bytes())
	})
}

// TestShapingEndToEnd calls a large list and a projected operation
// through a direct tool and through call_operation, in both protocol
// eras: every result is valid JSON within the limit, matches the output
// schema tools/list advertises, and says what was cut in _meta and text.
func TestShapingEndToEnd(t *testing.T) {
	up := httptest.NewServer(bigPets(3000))
	t.Cleanup(up.Close)
	shape := &config.Response{
		ResponseShape: config.ResponseShape{MaxBytes: 2048},
		Operations:    map[string]*config.ResponseShape{"getPet": {Fields: []string{"/id", "/name"}}},
	}
	cfg := &config.Config{APIs: []config.API{
		{Name: "pets", Upstream: up.URL + "/v1", Response: shape},
		{Name: "disc", Upstream: up.URL + "/v1", Response: shape, Mode: config.ModeDiscovery},
		// Without a projection: large objects are truncated.
		{Name: "plain", Upstream: up.URL + "/v1", Response: &config.Response{ResponseShape: config.ResponseShape{MaxBytes: 2048}}},
		{Name: "plaindisc", Upstream: up.URL + "/v1", Response: &config.Response{ResponseShape: config.ResponseShape{MaxBytes: 2048}}, Mode: config.ModeDiscovery},
	}}
	_, srv := testGateway(t, cfg)
	eras := []struct {
		name string
		send func(t *testing.T, url, token, method string, params map[string]any) rpc
	}{{"legacy", legacy}, {"modern", modern}}
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			schemas := map[string]*jsonschema.Schema{}
			list := era.send(t, srv.URL+"/mcp/pets", "", "tools/list", nil)
			for _, v := range list.result(t)["tools"].([]any) {
				tl := v.(map[string]any)
				if os, ok := tl["outputSchema"]; ok {
					raw, _ := json.Marshal(os)
					if bytes.Contains(raw, []byte(`"required"`)) {
						t.Errorf("%s advertises required fields that shaping may drop: %s", tl["name"], raw)
					}
					schemas[tl["name"].(string)] = compileJSONSchema(t, raw)
				}
			}
			cases := []struct {
				api      string // direct API; call_operation goes to its discovery twin
				tool     string
				args     map[string]any
				wantMeta string // a key of the shaping _meta
				wantNote string
			}{
				{"pets", "listPets", map[string]any{"limit": 100}, "arrays", "items ("},
				{"pets", "getPet", map[string]any{"petId": 1}, "fields", "Projected onto /id, /name"},
				{"plain", "getPet", map[string]any{"petId": 1}, "strings", "/extra: first"},
			}
			for _, c := range cases {
				for _, surface := range []string{"direct", "call_operation"} {
					t.Run(c.api+" "+c.tool+" "+surface, func(t *testing.T) {
						url, name, args := srv.URL+"/mcp/"+c.api, c.tool, c.args
						if surface == "call_operation" {
							twin := map[string]string{"pets": "disc", "plain": "plaindisc"}[c.api]
							url, name, args = srv.URL+"/mcp/"+twin, "call_operation", map[string]any{"tool": c.tool, "arguments": c.args}
						}
						r := era.send(t, url, "", "tools/call", map[string]any{"name": name, "arguments": args})
						res := r.result(t)
						if res["isError"] == true {
							t.Fatalf("isError: %s", r.raw)
						}
						// The limit is on the JSON the model reads: the
						// wire's HTML escapes (\u003c for <) do not count.
						var buf bytes.Buffer
						enc := json.NewEncoder(&buf)
						enc.SetEscapeHTML(false)
						if err := enc.Encode(res["structuredContent"]); err != nil || res["structuredContent"] == nil {
							t.Fatalf("no structuredContent: %s", r.raw)
						}
						sc := bytes.TrimSpace(buf.Bytes())
						if len(sc) > 2048+len(`{"result":}`) {
							t.Errorf("structuredContent is %d bytes, over the limit", len(sc))
						}
						d, _ := jsonschema.UnmarshalJSON(bytes.NewReader(sc))
						if err := schemas[c.tool].Validate(d); err != nil {
							t.Errorf("structuredContent does not match the advertised output schema: %v", err)
						}
						meta, _ := res["_meta"].(map[string]any)
						shaping, _ := meta[mcpgen.MetaKeyShaping].(map[string]any)
						if shaping[c.wantMeta] == nil {
							t.Errorf("_meta[%s] lacks %s: %v", mcpgen.MetaKeyShaping, c.wantMeta, meta)
						}
						if era.name == "modern" && meta["io.modelcontextprotocol/serverInfo"] == nil {
							t.Errorf("modern result lost the server's _meta: %v", meta)
						}
						if text := resultText(res); !strings.Contains(text, c.wantNote) {
							t.Errorf("text lacks %q: %s", c.wantNote, text)
						}
					})
				}
			}
		})
	}
}

func compileJSONSchema(t *testing.T, raw []byte) *jsonschema.Schema {
	t.Helper()
	d, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem://s.json", d); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mem://s.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestShapingUnknownOperation: an override for an operationId the spec
// lacks fails the build with the key named.
func TestShapingUnknownOperation(t *testing.T) {
	cfg := &config.Config{PublicURL: "http://127.0.0.1:1"}
	cfg.ApplyDefaults()
	api := config.API{Name: "pets", Spec: petstoreSpec(t), Upstream: "http://127.0.0.1:1",
		Response: &config.Response{Operations: map[string]*config.ResponseShape{"listPet": {MaxBytes: 1024}}}}
	_, err := BuildAPI(t.Context(), api, BuildOptions{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "response.operations[listPet]") {
		t.Fatalf("want an error naming response.operations[listPet], got %v", err)
	}
}

// TestRegistryShapingSettings: a stored API's result settings become its
// response shaping; without them the defaults apply.
func TestRegistryShapingSettings(t *testing.T) {
	rec := &store.API{Name: "pets", Settings: store.Settings{MaxResultBytes: 1024, ResultFields: []string{"/*/name"}}}
	c, err := apiConfig(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Response.Shape("listPets"); got.MaxBytes != 1024 || len(got.Fields) != 1 || got.Fields[0] != "/*/name" {
		t.Errorf("shape = %+v", got)
	}
	c, err = apiConfig(&store.API{Name: "pets"}, nil)
	if err != nil || c.Response != nil {
		t.Errorf("no settings: response %+v, err %v", c.Response, err)
	}
}
