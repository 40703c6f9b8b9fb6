package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseIsStrict(t *testing.T) {
	_, err := Parse([]byte("apis:\n  - name: x\n    spec: a.yaml\n    upstrem: http://x\n"))
	if err == nil || !strings.Contains(err.Error(), `line 4: unknown field "upstrem" in apis[0]`) || strings.Contains(err.Error(), "JSON") {
		t.Fatalf("want an unknown-field error naming upstrem and where it is, got %v", err)
	}
	_, err = Parse([]byte("apis:\n  - name: x\n    spec: a.yaml\n    auth:\n      issuers:\n        - issuer: https://x\n          audiencez: [a]\n"))
	if err == nil || !strings.Contains(err.Error(), `line 7: unknown field "audiencez" in apis[0].auth.issuers[0]`) {
		t.Fatalf("nested unknown field: %v", err)
	}
	if _, err := Parse([]byte("  \n")); err == nil {
		t.Fatal("empty configuration accepted")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every problem line, in order
	}{
		{
			name: "loopback without auth is fine",
			yaml: "listen: 127.0.0.1:8080\napis: [{name: petstore, spec: p.yaml}]",
		},
		{
			name: "non-loopback needs auth",
			yaml: "listen: 0.0.0.0:8080\npublicURL: https://gw.example.com\napis: [{name: petstore, spec: p.yaml}]",
			want: []string{"apis[0].auth: required: the listener 0.0.0.0:8080 is not loopback, so every API must be protected (add an auth section, or set insecureNoAuth: true for a trusted network only)"},
		},
		{
			name: "insecureNoAuth opts out",
			yaml: "listen: 0.0.0.0:8080\npublicURL: https://gw.example.com\ninsecureNoAuth: true\napis: [{name: petstore, spec: p.yaml}]",
		},
		{
			name: "every problem at once",
			yaml: `listen: nope
publicURL: http://gw.example.com
allowedOrigins: [app.example.com]
apis:
  - {name: Bad_Name, spec: ""}
  - {name: ok, spec: s.yaml, upstream: "ftp://x"}
  - {name: ok, spec: s.yaml}`,
			want: []string{
				`listen: must be host:port, got "nope"`,
				`allowedOrigins[0]: must be an origin like https://app.example.com, got "app.example.com"`,
				`apis[0].name: must match ^[a-z0-9][a-z0-9-]{0,62}$ (it becomes the path /mcp/<name>), got "Bad_Name"`,
				`apis[0].spec: required (file path or http(s) URL)`,
				`apis[0].auth: required: the listener nope is not loopback, so every API must be protected (add an auth section, or set insecureNoAuth: true for a trusted network only)`,
				`apis[1].upstream: must be an absolute http(s) URL, got "ftp://x"`,
				`apis[1].auth: required: the listener nope is not loopback, so every API must be protected (add an auth section, or set insecureNoAuth: true for a trusted network only)`,
				`apis[2].name: duplicate API name "ok"`,
				`apis[2].auth: required: the listener nope is not loopback, so every API must be protected (add an auth section, or set insecureNoAuth: true for a trusted network only)`,
			},
		},
		{
			name: "response shaping",
			yaml: `listen: 127.0.0.1:8080
apis:
  - name: p
    spec: p.yaml
    response:
      maxBytes: 100
      fields: ["/ok", "items/*/name", "/bad~2"]
      operations:
        listPets: {maxBytes: -1, fields: ["/*/name"]}
        getPet: {maxBytes: -5}
        empty: null`,
			want: []string{
				"apis[0].response.maxBytes: must be at least 256 (or -1 for no limit), got 100",
				`apis[0].response.fields[1]: must be a JSON pointer starting with / (e.g. /items/*/name), got "items/*/name"`,
				`apis[0].response.fields[2]: "/bad~2": ~ must be followed by 0 (for ~) or 1 (for /)`,
				"apis[0].response.operations[empty]: empty: set maxBytes or fields, or remove the entry",
				"apis[0].response.operations[getPet].maxBytes: must be at least 256 (or -1 for no limit), got -5",
			},
		},
		{
			name: "policy and policyFile together, and selectors and rules checked by the one matcher",
			yaml: `listen: 127.0.0.1:8080
apis:
  - name: p
    spec: p.yaml
    include: {paths: ["pets/*"]}
    policyFile: /etc/rest2mcp/policy.yaml
    policy: {rules: [{name: r, match: {paths: ["/pets**"], methods: [FETCH]}}]}`,
			want: []string{
				`apis[0].include: paths[0]: path glob "pets/*" must start with / (use /**/pets/* to match at any depth)`,
				"apis[0].policyFile: set either policy (inline) or policyFile (/etc/rest2mcp/policy.yaml), not both: remove one",
				`apis[0].policy: error: rules[0].match.methods[0]: unknown HTTP method "FETCH" [policy-invalid]`,
				`apis[0].policy: error: rules[0].match.paths[0]: path glob "/pets**": ** must be a whole segment (write /a/** or /a*) [policy-invalid]`,
			},
		},
		{
			name: "protected API on a public listener needs an https publicURL",
			yaml: `listen: 0.0.0.0:8080
apis: [{name: p, spec: p.yaml, auth: {issuers: [{issuer: "https://as.example.com"}]}}]`,
			want: []string{
				"publicURL: required when listen (0.0.0.0:8080) is not a loopback address: set the https URL clients use (publicURL, --public-url or REST2MCP_PUBLIC_URL)",
				`apis[0].auth: resource: must be https (http only for loopback), got "http://0.0.0.0:8080/mcp/p"`,
			},
		},
		{
			name: "http publicURL only for loopback when protected",
			yaml: `listen: 0.0.0.0:8080
publicURL: http://gw.example.com
apis: [{name: p, spec: p.yaml, auth: {issuers: [{issuer: "https://as.example.com"}]}}]`,
			want: []string{
				`publicURL: must be https when APIs are protected (http is accepted only for loopback addresses), got "http://gw.example.com"`,
				`apis[0].auth: resource: must be https (http only for loopback), got "http://gw.example.com/mcp/p"`,
			},
		},
		{
			name: "http publicURL for an unprotected trusted network",
			yaml: "listen: 0.0.0.0:8080\npublicURL: http://svc.internal:8080\ninsecureNoAuth: true\napis: [{name: p, spec: p.yaml}]",
		},
		{
			name: "selectors are checked",
			yaml: `apis: [{name: p, spec: p.yaml, include: {methods: [FETCH]}, exclude: {tags: [""]}}]`,
			want: []string{`apis[0].include: methods[0]: unknown HTTP method "FETCH"`, "apis[0].exclude: tags[0]: empty"},
		},
		{
			name: "exchange without inbound auth",
			yaml: `apis:
  - name: petstore
    spec: p.yaml
    upstreamAuth: {type: tokenExchange, tokenURL: "https://as.example.com/token", clientID: gw, clientSecret: {value: s}}`,
			want: []string{"apis[0].upstreamAuth.type: tokenExchange needs the caller's verified token: add an auth section"},
		},
		{
			name: "reloadInterval of 1s or more",
			yaml: "reloadInterval: 30s\napis: [{name: p, spec: p.yaml}]",
		},
		{
			name: "reloadInterval too short",
			yaml: "reloadInterval: 500ms\napis: [{name: p, spec: p.yaml}]",
			want: []string{"reloadInterval: must be at least 1s (or 0 to turn polling off), got 500ms"},
		},
		{
			name: "negative reloadInterval",
			yaml: "reloadInterval: -5s\napis: [{name: p, spec: p.yaml}]",
			want: []string{"reloadInterval: must be at least 1s (or 0 to turn polling off), got -5s"},
		},
		{
			name: "nested section paths",
			yaml: `apis:
  - name: petstore
    spec: p.yaml
    auth: {issuers: [{issuer: "http://as.example.com"}]}`,
			want: []string{"apis[0].auth.issuers[0].issuer: must be https (http only for loopback), got \"http://as.example.com\""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			c.ApplyDefaults()
			err = c.Validate()
			var got []string
			var ve *ValidationError
			if errors.As(err, &ve) {
				got = ve.Problems
			} else if err != nil {
				t.Fatalf("unexpected error type: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadEnvAndPaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rest2mcp.yaml")
	if err := os.WriteFile(path, []byte("apis: [{name: pet-store, spec: specs/p.yaml, timeout: 5s}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"REST2MCP_LISTEN":             "127.0.0.1:9999",
		"REST2MCP_PET_STORE_UPSTREAM": "http://127.0.0.1:7000/v1",
		"REST2MCP_ALLOWED_ORIGINS":    "https://a.example, https://b.example",
		"REST2MCP_RELOAD_INTERVAL":    "45s",
	}
	c, err := Load(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	a := c.APIs[0]
	if c.Listen != "127.0.0.1:9999" || c.PublicURL != "http://127.0.0.1:9999" || a.Upstream != "http://127.0.0.1:7000/v1" {
		t.Errorf("env not applied: listen=%s public=%s upstream=%s", c.Listen, c.PublicURL, a.Upstream)
	}
	if diff := cmp.Diff([]string{"https://a.example", "https://b.example"}, c.AllowedOrigins); diff != "" {
		t.Errorf("origins (-want +got):\n%s", diff)
	}
	if a.Spec != filepath.Join(dir, "specs/p.yaml") {
		t.Errorf("spec path %q not resolved against the config directory", a.Spec)
	}
	if time.Duration(a.Timeout) != 5*time.Second {
		t.Errorf("timeout = %v", a.Timeout)
	}
	if c.ReloadInterval.D() != 45*time.Second {
		t.Errorf("reloadInterval = %v, want 45s from REST2MCP_RELOAD_INTERVAL", c.ReloadInterval.D())
	}
	for _, bad := range []struct{ key, value string }{
		{"REST2MCP_INSECURE_NO_AUTH", "maybe"},
		{"REST2MCP_RELOAD_INTERVAL", "30"},
	} {
		t.Run("invalid "+bad.key, func(t *testing.T) {
			_, err := Load(path, func(k string) (string, bool) {
				if k == bad.key {
					return bad.value, true
				}
				return "", false
			})
			if err == nil || !strings.Contains(err.Error(), bad.key) {
				t.Errorf("%s=%q: want an error naming the variable, got %v", bad.key, bad.value, err)
			}
		})
	}
}

func TestResponseShape(t *testing.T) {
	c, err := Parse([]byte(`apis:
  - name: p
    spec: p.yaml
    response:
      maxBytes: 4096
      fields: ["/a"]
      operations:
        listPets: {fields: ["/*/name"]}
        getPet: {maxBytes: -1}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := c.APIs[0].Response
	for _, tc := range []struct {
		op       string
		maxBytes int
		fields   []string
	}{
		{"other", 4096, []string{"/a"}},
		{"listPets", 4096, []string{"/*/name"}},
		{"getPet", -1, []string{"/a"}},
	} {
		got := r.Shape(tc.op)
		if got.MaxBytes != tc.maxBytes || !slices.Equal(got.Fields, tc.fields) {
			t.Errorf("Shape(%s) = %d %v, want %d %v", tc.op, got.MaxBytes, got.Fields, tc.maxBytes, tc.fields)
		}
	}
	var none *Response
	if got := none.Shape("x"); got.MaxBytes != 0 || got.Fields != nil {
		t.Errorf("nil Response gives %+v, want the defaults", got)
	}
}
