package openapi

import (
	"github.com/google/go-cmp/cmp"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSpecialFileRefs checks that a $ref to a FIFO, a device or a socket
// in the spec directory fails at once with a clear diagnostic instead of
// blocking the load (a FIFO without writer blocks a plain open forever).
func TestSpecialFileRefs(t *testing.T) {
	spec := `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /ok:
    get:
      responses: {"200": {description: ok}}
  /bad:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "special.yaml#/X"}}}}}
`
	tests := []struct {
		name string
		make func(t *testing.T, p string)
		want string
	}{
		{"fifo", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "named pipe"},
		{"device", func(t *testing.T, p string) {
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
		}, ""}, // resolves outside the directory: refused by the reference policy
		{"socket", func(t *testing.T, p string) {
			l, err := net.Listen("unix", p)
			if err != nil {
				t.Skipf("unix socket: %v", err)
			}
			t.Cleanup(func() { l.Close() })
		}, "socket"},
		{"directory", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"openapi.yaml": spec})
			tt.make(t, filepath.Join(dir, "special.yaml"))
			start := time.Now()
			doc, err := Load(t.Context(), Source{Path: filepath.Join(dir, "openapi.yaml")}, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Load took %v", d)
			}
			findOp(t, doc, "GET", "/ok")
			text := doc.Diagnostics.Format()
			if !strings.Contains(text, "special.yaml") || (tt.want != "" && !strings.Contains(text, tt.want)) {
				t.Errorf("diagnostics do not name the file and its kind %q:\n%s", tt.want, text)
			}
		})
	}
}

// TestUnsendableParameters checks that parameters that can never be sent
// are reported at load: an invalid path template or a required header
// whose name is not a token skips the operation; an optional one and
// reserved header names are dropped with a warning.
func TestUnsendableParameters(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a/{x:
    get:
      parameters: [{name: x, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /b:
    get:
      parameters: [{name: "X-Evil\r\nInjected", in: header, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /c:
    get:
      parameters:
        - {name: "X-Opt\nBad", in: header, schema: {type: string}}
        - {name: Host, in: header, schema: {type: string}}
        - {name: Authorization, in: header, required: true, schema: {type: string}}
        - {name: Content-Length, in: header, schema: {type: integer}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses: {"200": {description: ok}}
`)
	if len(doc.Operations) != 1 {
		t.Fatalf("got %d operations, want only GET /c; diagnostics:\n%s", len(doc.Operations), doc.Diagnostics)
	}
	op := findOp(t, doc, "GET", "/c")
	if len(op.Parameters) != 1 || op.Parameters[0].Name != "X-Trace" {
		t.Errorf("parameters = %v, want only X-Trace", op.Parameters)
	}
	for _, want := range []struct{ code, ptr string }{
		{"path.invalid-template", "/paths/~1a~1{x/get"},
		{"operation.invalid", "/paths/~1b/get"},
		{"parameter.dropped", "/paths/~1c/get/parameters/0"},
		{"parameter.dropped", "/paths/~1c/get/parameters/1"},
		{"parameter.dropped", "/paths/~1c/get/parameters/2"},
		{"parameter.dropped", "/paths/~1c/get/parameters/3"},
	} {
		if !hasCode(doc.Diagnostics, want.code, want.ptr) {
			t.Errorf("no %s diagnostic at %s:\n%s", want.code, want.ptr, doc.Diagnostics)
		}
	}
}

// TestCircularComposition checks that named schemas forming a cycle
// through allOf/oneOf only are found at load and made permissive with a
// warning, while ordinary recursion (through properties) stays.
func TestCircularComposition(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/A"}}}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Tree"}}}}}
  /s:
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Self"}}}}
      responses: {"204": {description: ok}}
components:
  schemas:
    A: {description: an A, allOf: [{$ref: "#/components/schemas/B"}, {type: object}]}
    B: {oneOf: [{$ref: "#/components/schemas/A"}, {type: string}]}
    Self: {anyOf: [{$ref: "#/components/schemas/Self"}]}
    Tree: {type: object, properties: {children: {type: array, items: {$ref: "#/components/schemas/Tree"}}}}
`)
	if len(doc.Operations) != 2 {
		t.Fatalf("operations: %d\n%s", len(doc.Operations), doc.Diagnostics)
	}
	n := 0
	for _, d := range doc.Diagnostics {
		if d.Code == "schema.cycle" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("got %d schema.cycle warnings, want 2:\n%s", n, doc.Diagnostics)
	}
	if diff := cmp.Diff(Schema{"description": "an A"}, doc.Schemas["A"]); diff != "" {
		t.Errorf("A (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Schema{}, doc.Schemas["Self"]); diff != "" {
		t.Errorf("Self (-want +got):\n%s", diff)
	}
	if _, ok := doc.Schemas["Tree"]["properties"]; !ok {
		t.Errorf("recursive Tree was degraded: %v", doc.Schemas["Tree"])
	}
}

// TestDeepSchemaKinPath checks that a schema nested 4,000 levels deep in
// a document kin-openapi decodes (Swagger 2.0 here) is cut at the depth
// limit with a warning before kin-openapi sees it (its cost grows with
// size × depth), and the operation is kept. Cost figures: bench/cmd/specload.
func TestDeepSchemaKinPath(t *testing.T) {
	deep := strings.Repeat(`{"type":"object","properties":{"a":`, 4000) + `{"type":"string"}` + strings.Repeat(`}}`, 4000)
	doc := loadData(t, `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/x":{"post":{"parameters":[{"name":"b","in":"body","schema":`+
		deep+`}],"responses":{"200":{"description":"ok"}}}}}}`)
	findOp(t, doc, "POST", "/x")
	if !hasCode(doc.Diagnostics, "schema.too-deep", "") {
		t.Errorf("no schema.too-deep warning:\n%s", doc.Diagnostics)
	}
}

// TestDeepSchemaYAML checks the depth cut for YAML documents, in block
// and in flow style.
func TestDeepSchemaYAML(t *testing.T) {
	var block strings.Builder
	block.WriteString("openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths:\n  /x:\n    post:\n      responses: {\"200\": {description: ok}}\n      requestBody:\n        content:\n          application/json:\n            schema:\n")
	indent := 14
	for range 1500 {
		pad := strings.Repeat(" ", indent)
		block.WriteString(pad + "type: object\n" + pad + "properties:\n" + pad + "  a:\n")
		indent += 4
	}
	block.WriteString(strings.Repeat(" ", indent) + "type: string\n")
	flow := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths: {/x: {post: {responses: {\"200\": {description: ok}}, requestBody: {content: {application/json: {schema: " +
		strings.Repeat("{type: object, properties: {a: ", 3000) + "{type: string}" + strings.Repeat("}}", 3000) + "}}}}}}\n"
	for name, spec := range map[string]string{"block": block.String(), "flow": flow} {
		t.Run(name, func(t *testing.T) {
			doc := loadData(t, spec)
			findOp(t, doc, "POST", "/x")
			if !hasCode(doc.Diagnostics, "schema.too-deep", "") {
				t.Errorf("no schema.too-deep warning:\n%s", doc.Diagnostics)
			}
		})
	}
}
