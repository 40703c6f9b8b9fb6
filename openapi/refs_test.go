package openapi

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFiles creates files (relative name → content) under a new temp dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const refSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /good:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "schemas/pet.yaml#/Pet"}}}}}
  /evil:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "%s"}}}}}
`

func TestFileRefPolicy(t *testing.T) {
	outside := writeFiles(t, map[string]string{"secret.yaml": "Secret: {type: string}\n"})
	tests := []struct {
		name string
		ref  string
		code string
	}{
		{"dot-dot escape", "../../../../../../etc/passwd", "ref.escape"},
		{"absolute path outside", filepath.ToSlash(filepath.Join(outside, "secret.yaml")) + "#/Secret", "ref.escape"},
		{"file URL outside", "file://" + filepath.ToSlash(filepath.Join(outside, "secret.yaml")) + "#/Secret", "ref.escape"},
		{"symlink outside", "link.yaml#/Secret", "ref.escape"},
		{"url to other host", "http://169.254.169.254/latest/meta-data#/x", "ref.host"},
		{"missing file", "nope.yaml#/X", "ref.unresolved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"openapi.yaml":     strings.Replace(refSpec, "%s", tt.ref, 1),
				"schemas/pet.yaml": "Pet: {type: object, properties: {name: {type: string}}}\n",
			})
			if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "link.yaml")); err != nil {
				t.Fatal(err)
			}
			doc, err := Load(t.Context(), Source{Path: filepath.Join(dir, "openapi.yaml")}, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(doc.Operations) != 1 || doc.Operations[0].Path != "/good" {
				t.Fatalf("operations = %d, want only /good:\n%s", len(doc.Operations), doc.Diagnostics)
			}
			if !hasCode(doc.Diagnostics, tt.code, "/paths/~1evil/get") {
				t.Errorf("want %s for /evil:\n%s", tt.code, doc.Diagnostics)
			}
			if doc.Schemas["Pet"] == nil {
				t.Errorf("Pet from the other file missing: %v", doc.Schemas)
			}
		})
	}
}

func TestDataSourceRefusesExternalRefs(t *testing.T) {
	doc := loadData(t, strings.Replace(refSpec, "%s", "/etc/passwd", 1))
	if len(doc.Operations) != 0 {
		t.Errorf("got %d operations, want 0:\n%s", len(doc.Operations), doc.Diagnostics)
	}
	if !hasCode(doc.Diagnostics, "ref.escape", "/paths/~1evil/get") || !hasCode(doc.Diagnostics, "ref.escape", "/paths/~1good/get") {
		t.Errorf("want ref.escape for both operations:\n%s", doc.Diagnostics)
	}
}

func TestMultiFileOperationRefs(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"root.yaml": `
openapi: 3.0.0
info: {title: t, version: "1"}
tags: [{name: a, description: {$ref: "desc.yaml#/intro"}}]
paths:
  /things:
    get: {$ref: "ops/list.yaml"}
`,
		"desc.yaml": "intro: hello\n",
		"ops/list.yaml": `
operationId: list
responses:
  "200":
    description: ok
    content:
      application/json:
        schema:
          properties: {$ref: "models/attrs.yaml#/attrs"}
`,
		"ops/models/attrs.yaml": "attrs: {id: {$ref: '#/id'}}\nid: {type: integer}\n",
	})
	doc, err := Load(t.Context(), Source{Path: filepath.Join(dir, "root.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	op := findOp(t, doc, "GET", "/things")
	props, _ := op.Success.Schema["properties"].(map[string]any)
	ref, _ := props["id"].(map[string]any)["$ref"].(string)
	if name := strings.TrimPrefix(ref, "#/$defs/"); doc.Schemas[name]["type"] != "integer" {
		t.Errorf("success schema = %v, defs = %v", op.Success.Schema, doc.Schemas)
	}
	if !hasCode(doc.Diagnostics, "spec.operation-ref", "") {
		t.Errorf("missing spec.operation-ref:\n%s", doc.Diagnostics)
	}
}

func TestURLLoading(t *testing.T) {
	big := strings.Repeat("x", 2048)
	mux := http.NewServeMux()
	mux.HandleFunc("/spec.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Replace(refSpec, "%s", "schemas/pet.yaml#/Pet", 1)))
	})
	mux.HandleFunc("/schemas/pet.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Pet: {type: object}\n"))
	})
	mux.HandleFunc("/big.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("openapi: 3.0.0\ninfo: {title: t, version: '1', description: " + big + "}\npaths: {}\n"))
	})
	mux.HandleFunc("/slow.yaml", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/redirect.yaml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/x", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	t.Run("relative refs on the same host", func(t *testing.T) {
		doc, err := Load(t.Context(), Source{URL: srv.URL + "/spec.yaml"}, &LoadOptions{HTTPClient: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Operations) != 2 || doc.Schemas["Pet"] == nil {
			t.Errorf("operations = %d, schemas = %v:\n%s", len(doc.Operations), doc.Schemas, doc.Diagnostics)
		}
	})
	tests := []struct {
		name string
		path string
		opts LoadOptions
		want string
	}{
		{"size cap", "/big.yaml", LoadOptions{MaxBytes: 1024}, "limit"},
		{"timeout", "/slow.yaml", LoadOptions{Timeout: 100 * time.Millisecond}, "deadline"},
		{"redirect to other host", "/redirect.yaml", LoadOptions{}, "not allowed"},
		{"not found", "/missing.yaml", LoadOptions{}, "status 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(t.Context(), Source{URL: srv.URL + tt.path}, &tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
