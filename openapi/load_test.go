package openapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadData loads an inline spec and fails the test on a fatal error.
func loadData(t *testing.T, spec string) *Document {
	t.Helper()
	doc, err := Load(t.Context(), Source{Data: []byte(spec), Name: "test.yaml"}, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return doc
}

// findOp returns the operation with the given method and path key.
func findOp(t *testing.T, doc *Document, method, key string) *Operation {
	t.Helper()
	for _, op := range doc.Operations {
		if op.Method == method && op.PathKey == key {
			return op
		}
	}
	t.Fatalf("operation %s %s not found; diagnostics:\n%s", method, key, doc.Diagnostics)
	return nil
}

func hasCode(ds Diagnostics, code, pointer string) bool {
	for _, d := range ds {
		if d.Code == code && (pointer == "" || d.Pointer == pointer) {
			return true
		}
	}
	return false
}

func TestLoadSwagger2(t *testing.T) {
	doc := loadData(t, `
swagger: "2.0"
info: {title: Pets, version: "1"}
host: api.example.com
basePath: /v1
schemes: [https]
securityDefinitions:
  oauth: {type: oauth2, flow: implicit, authorizationUrl: "https://auth.example.com/a", scopes: {"write:pets": w}}
paths:
  /pets/{id}/photo:
    post:
      operationId: uploadPhoto
      consumes: [multipart/form-data]
      security: [{oauth: ["write:pets"]}]
      parameters:
        - {name: id, in: path, required: true, type: integer}
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string}
      responses:
        "200": {description: ok, schema: {$ref: "#/definitions/Photo"}}
definitions:
  Photo: {type: object, properties: {url: {type: string}}}
`)
	if doc.OpenAPIVersion != "2.0" {
		t.Errorf("OpenAPIVersion = %q, want 2.0", doc.OpenAPIVersion)
	}
	if diff := cmp.Diff([]Server{{URL: "https://api.example.com/v1"}}, doc.Servers); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	op := findOp(t, doc, "POST", "/pets/{id}/photo")
	if op.RequestBody == nil || op.RequestBody.ContentType != "multipart/form-data" {
		t.Fatalf("request body = %+v, want multipart/form-data", op.RequestBody)
	}
	props, _ := op.RequestBody.Schema["properties"].(map[string]any)
	if diff := cmp.Diff(Schema{"type": "string", "format": "binary"}, props["file"]); diff != "" {
		t.Errorf("file property (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]SecurityRequirement{{"oauth": {"write:pets"}}}, op.Security); diff != "" {
		t.Errorf("security (-want +got):\n%s", diff)
	}
	if !op.SecurityDefined {
		t.Error("SecurityDefined = false")
	}
	if got := op.Success.Schema["$ref"]; got != "#/$defs/Photo" {
		t.Errorf("success schema ref = %v", got)
	}
	if s := doc.SecuritySchemes["oauth"]; s == nil || s.Flows["implicit"].Scopes["write:pets"] != "w" {
		t.Errorf("oauth scheme = %+v", s)
	}
}

func TestSchemaConversion(t *testing.T) {
	tests := []struct {
		name    string
		version string
		schema  string
		want    Schema
		defs    map[string]Schema
	}{
		{
			name: "3.0 nullable scalar", version: "3.0.3",
			schema: `{type: string, nullable: true, example: abc, xml: {name: x}, x-foo: 1}`,
			want:   Schema{"type": []any{"string", "null"}, "examples": []any{"abc"}},
		},
		{
			name: "3.0 nullable enum", version: "3.0.3",
			schema: `{type: string, nullable: true, enum: [a, b]}`,
			want:   Schema{"type": []any{"string", "null"}, "enum": []any{"a", "b", nil}},
		},
		{
			name: "3.0 nullable ref wrapper", version: "3.0.3",
			schema: `{nullable: true, allOf: [{$ref: "#/components/schemas/Pet"}]}`,
			want: Schema{"anyOf": []any{
				Schema{"allOf": []any{Schema{"$ref": "#/$defs/Pet"}}},
				Schema{"type": "null"},
			}},
			defs: map[string]Schema{"Pet": {"type": "object"}},
		},
		{
			name: "3.0 boolean exclusive bounds", version: "3.0.3",
			schema: `{type: integer, minimum: 1, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false}`,
			want:   Schema{"type": "integer", "exclusiveMinimum": 1.0, "maximum": 9.0},
		},
		{
			name: "3.1 type array and numeric bound", version: "3.1.0",
			schema: `{type: [string, "null"], exclusiveMinimum: 3, const: x, examples: [x]}`,
			want:   Schema{"type": []any{"string", "null"}, "exclusiveMinimum": 3.0, "const": "x", "examples": []any{"x"}},
		},
		{
			name: "3.1 nullable ignored", version: "3.1.0",
			schema: `{type: string, nullable: true}`,
			want:   Schema{"type": "string"},
		},
		{
			name: "recursive schema", version: "3.0.3",
			schema: `{$ref: "#/components/schemas/Node"}`,
			want:   Schema{"$ref": "#/$defs/Node"},
			defs: map[string]Schema{"Node": {"type": "object", "properties": Schema{
				"children": Schema{"type": "array", "items": Schema{"$ref": "#/$defs/Node"}},
			}}},
		},
		{
			name: "arrays objects composition", version: "3.0.3",
			schema: `{type: object, required: [a], additionalProperties: false, discriminator: {propertyName: a},
			  properties: {a: {type: array, minItems: 1, uniqueItems: true, readOnly: true}, b: {oneOf: [{type: string}, {type: integer}], deprecated: true},
			  c: {type: object, additionalProperties: {type: string}}, d: {not: {type: string}, title: D, description: dd, format: f, default: 1}}}`,
			want: Schema{"type": "object", "required": []any{"a"}, "additionalProperties": false, "properties": Schema{
				"a": Schema{"type": "array", "minItems": uint64(1), "uniqueItems": true, "readOnly": true},
				"b": Schema{"oneOf": []any{Schema{"type": "string"}, Schema{"type": "integer"}}, "deprecated": true},
				"c": Schema{"type": "object", "additionalProperties": Schema{"type": "string"}},
				"d": Schema{"not": Schema{"type": "string"}, "title": "D", "description": "dd", "format": "f", "default": 1.0},
			}},
		},
		{
			name: "unsupported pattern dropped", version: "3.0.3",
			schema: `{type: string, pattern: "^(?!x)a$"}`,
			want:   Schema{"type": "string"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadData(t, `
openapi: `+tt.version+`
info: {title: t, version: "1"}
paths:
  /x:
    post:
      requestBody:
        content:
          application/json:
            schema: `+tt.schema+`
      responses: {"200": {description: ok}}
components:
  schemas:
    Pet: {type: object}
    Node:
      type: object
      properties:
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
`)
			op := findOp(t, doc, "POST", "/x")
			if diff := cmp.Diff(tt.want, op.RequestBody.Schema); diff != "" {
				t.Errorf("schema (-want +got):\n%s", diff)
			}
			if tt.defs == nil {
				tt.defs = map[string]Schema{}
			}
			if diff := cmp.Diff(tt.defs, doc.Schemas); diff != "" {
				t.Errorf("defs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSchemaNameCollision(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      parameters:
        - {name: a, in: query, schema: {$ref: "#/components/schemas/Pet"}}
        - {name: b, in: query, schema: {$ref: "#/components/schemas/Other/properties/Pet"}}
      responses: {"200": {description: ok}}
components:
  schemas:
    Pet: {type: string}
    Other: {type: object, properties: {Pet: {type: integer}}}
`)
	op := findOp(t, doc, "GET", "/x")
	got := []any{op.Parameters[0].Schema["$ref"], op.Parameters[1].Schema["$ref"]}
	if diff := cmp.Diff([]any{"#/$defs/Pet", "#/$defs/Pet_2"}, got); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]Schema{"Pet": {"type": "string"}, "Pet_2": {"type": "integer"}}, doc.Schemas); diff != "" {
		t.Errorf("defs (-want +got):\n%s", diff)
	}
}

func TestParameters(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: q, in: query, description: shared, schema: {type: string}}
      - {name: X-Trace, in: header, schema: {type: string}}
    get:
      parameters:
        - {name: q, in: query, description: own, required: true, style: spaceDelimited, schema: {type: array, items: {type: string}}}
        - {name: filter, in: query, content: {application/json: {schema: {type: object}}}}
        - {name: sid, in: cookie, explode: false, schema: {type: string}}
      responses: {"200": {description: ok}}
`)
	op := findOp(t, doc, "GET", "/items/{id}")
	want := []*Parameter{
		{Name: "id", In: InPath, Required: true, Style: "simple", Schema: Schema{"type": "string"}},
		{Name: "q", In: InQuery, Description: "own", Required: true, Style: "spaceDelimited", Schema: Schema{"type": "array", "items": Schema{"type": "string"}}},
		{Name: "X-Trace", In: InHeader, Style: "simple", Schema: Schema{"type": "string"}},
		{Name: "filter", In: InQuery, Style: "form", Explode: true, Schema: Schema{"type": "object"}, ContentType: "application/json"},
		{Name: "sid", In: InCookie, Style: "form", Schema: Schema{"type": "string"}},
	}
	if diff := cmp.Diff(want, op.Parameters); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
}

func TestSecurityInheritance(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    oidc: {type: openIdConnect, openIdConnectUrl: "https://id.example.com/.well-known/openid-configuration"}
paths:
  /inherit: {get: {responses: {"200": {description: ok}}}}
  /public: {get: {security: [], responses: {"200": {description: ok}}}}
  /own: {get: {security: [{oidc: [read]}, {ghost: []}], responses: {"200": {description: ok}}}}
`)
	tests := []struct {
		path    string
		want    []SecurityRequirement
		defined bool
	}{
		{"/inherit", []SecurityRequirement{{"key": {}}}, false},
		{"/public", []SecurityRequirement{}, true},
		{"/own", []SecurityRequirement{{"oidc": {"read"}}, {"ghost": {}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			op := findOp(t, doc, "GET", tt.path)
			if diff := cmp.Diff(tt.want, op.Security); diff != "" {
				t.Errorf("security (-want +got):\n%s", diff)
			}
			if op.Security == nil {
				t.Error("security is nil, want non-nil")
			}
			if op.SecurityDefined != tt.defined {
				t.Errorf("SecurityDefined = %v, want %v", op.SecurityDefined, tt.defined)
			}
		})
	}
	if k := doc.SecuritySchemes["key"]; k == nil || k.In != "header" || k.ParamName != "X-Key" {
		t.Errorf("key scheme = %+v", k)
	}
	if !hasCode(doc.Diagnostics, "security.undefined-scheme", "") {
		t.Errorf("no security.undefined-scheme diagnostic:\n%s", doc.Diagnostics)
	}
}

func TestPathKeys(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /oauth2/token:
    post: {operationId: token, responses: {"200": {description: ok}}}
  /oauth2/token#refresh:
    post: {operationId: refresh, responses: {"200": {description: ok}}}
  /responses?beta=true&x=1:
    get: {operationId: beta, responses: {"200": {description: ok}}}
  /a/{id}:
    get: {operationId: a.b/c, responses: {"200": {description: ok}}}
`)
	type row struct {
		ID, Method, Path, Key string
		Fixed                 map[string]string
	}
	var got []row
	for _, op := range doc.Operations {
		got = append(got, row{op.ID, op.Method, op.Path, op.PathKey, op.FixedQuery})
	}
	want := []row{
		{"a.b/c", "GET", "/a/{id}", "/a/{id}", nil},
		{"token", "POST", "/oauth2/token", "/oauth2/token", nil},
		{"refresh", "POST", "/oauth2/token", "/oauth2/token#refresh", nil},
		{"beta", "GET", "/responses", "/responses?beta=true&x=1", map[string]string{"beta": "true", "x": "1"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if !hasCode(doc.Diagnostics, "path.param-undeclared", "/paths/~1a~1{id}/get") {
		t.Errorf("missing path.param-undeclared:\n%s", doc.Diagnostics)
	}
	if op := findOp(t, doc, "GET", "/a/{id}"); len(op.Parameters) != 1 || !op.Parameters[0].Required {
		t.Errorf("synthesised path parameter = %+v", op.Parameters)
	}
	if !hasCode(doc.Diagnostics, "path.fragment", "") || !hasCode(doc.Diagnostics, "path.query", "") {
		t.Errorf("missing path diagnostics:\n%s", doc.Diagnostics)
	}
}

func TestOperationDetails(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: T, version: "2", description: D}
servers: [{url: "https://{env}.example.com", variables: {env: {default: api, enum: [api, sandbox]}}}]
paths:
  /a:
    servers: [{url: "https://path.example.com"}]
    post:
      operationId: dup
      tags: [t1]
      deprecated: true
      x-mcp-header: secret
      x-rate: 5
      requestBody:
        required: true
        content:
          text/plain: {schema: {type: string}}
          application/x-www-form-urlencoded:
            schema: {type: object}
            encoding: {tags: {style: form, explode: true}}
          application/vnd.api+json: {schema: {type: object, title: J}}
      responses:
        "2XX": {description: range}
        "201": {description: created, content: {application/xml: {schema: {type: string}}, application/json: {schema: {type: integer}}}}
        default: {description: err}
  /b:
    get:
      operationId: dup
      servers: [{url: "https://op.example.com"}]
      responses: {default: {description: fallback}}
`)
	a := findOp(t, doc, "POST", "/a")
	if diff := cmp.Diff(&RequestBody{
		Required:     true,
		ContentType:  "application/vnd.api+json",
		ContentTypes: []string{"application/vnd.api+json", "application/x-www-form-urlencoded", "text/plain"},
		Schema:       Schema{"type": "object", "title": "J"},
	}, a.RequestBody); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&Response{Status: "201", Description: "created", ContentType: "application/json", Schema: Schema{"type": "integer"}}, a.Success); diff != "" {
		t.Errorf("success (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"x-rate": 5.0}, a.Extensions); diff != "" {
		t.Errorf("extensions (-want +got):\n%s", diff)
	}
	if !a.Deprecated || a.Tags[0] != "t1" || a.Servers[0].URL != "https://path.example.com" {
		t.Errorf("operation = %+v", a)
	}
	b := findOp(t, doc, "GET", "/b")
	if b.Success == nil || b.Success.Status != "default" || b.Servers[0].URL != "https://op.example.com" {
		t.Errorf("operation b = %+v", b)
	}
	if !hasCode(doc.Diagnostics, "operation.duplicate-id", "/paths/~1b/get") {
		t.Errorf("missing duplicate id diagnostic:\n%s", doc.Diagnostics)
	}
	if doc.Title != "T" || doc.Version != "2" || doc.Description != "D" || doc.Servers[0].Variables["env"].Default != "api" {
		t.Errorf("document = %+v", doc)
	}
	if doc.Security != nil || b.Security != nil {
		t.Errorf("security = %v / %v, want nil", doc.Security, b.Security)
	}
}

func TestBrokenOperationSkipped(t *testing.T) {
	doc := loadData(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /good: {get: {responses: {"200": {description: ok}}}}
  /bad:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Missing"}}}}}
  /errors-only-broken:
    get:
      responses:
        "200": {description: ok}
        "404": {$ref: "#/components/responses/Gone"}
`)
	if len(doc.Operations) != 2 {
		t.Fatalf("got %d operations, want 2:\n%s", len(doc.Operations), doc.Diagnostics)
	}
	if !hasCode(doc.Diagnostics, "ref.unresolved", "/paths/~1bad/get") {
		t.Errorf("missing ref.unresolved for /bad:\n%s", doc.Diagnostics)
	}
	findOp(t, doc, "GET", "/errors-only-broken")
	if !doc.Diagnostics.HasErrors() {
		t.Error("HasErrors = false")
	}
}

func TestWebhooksOnly(t *testing.T) {
	doc := loadData(t, `
openapi: 3.1.0
info: {title: t, version: "1"}
webhooks:
  newPet:
    post:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"200": {description: ok}}
`)
	if len(doc.Operations) != 0 {
		t.Errorf("got %d operations, want 0", len(doc.Operations))
	}
	if !hasCode(doc.Diagnostics, "spec.webhooks", "") || doc.Diagnostics.HasErrors() {
		t.Errorf("diagnostics:\n%s", doc.Diagnostics)
	}
}

func TestLoadFatal(t *testing.T) {
	tests := []struct {
		name string
		src  Source
		is   error
	}{
		{"not openapi", Source{Data: []byte(`{"hello": "world"}`)}, ErrNotOpenAPI},
		{"unsupported version", Source{Data: []byte("openapi: 4.0.0\n")}, ErrNotOpenAPI},
		{"plain text", Source{Data: []byte("just some text")}, ErrNotOpenAPI},
		{"broken json", Source{Data: []byte(`{"openapi": "3.0.0", "info": `)}, nil},
		{"broken yaml", Source{Data: []byte("openapi: 3.0.0\ninfo: [\n")}, nil},
		{"no source", Source{}, nil},
		{"two sources", Source{Path: "a", URL: "http://x"}, nil},
		{"missing file", Source{Path: "testdata/does-not-exist.yaml"}, nil},
		{"bad url scheme", Source{URL: "ftp://example.com/x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Load(t.Context(), tt.src, nil)
			if err == nil {
				t.Fatalf("Load succeeded with %d operations, want error", len(doc.Operations))
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
		})
	}
}

func TestValidateOption(t *testing.T) {
	spec := `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses: {"200": {content: {application/json: {schema: {type: object}}}}}
`
	doc, err := Load(t.Context(), Source{Data: []byte(spec)}, &LoadOptions{Validate: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range doc.Diagnostics {
		found = found || (strings.HasPrefix(d.Code, "validation.") && d.Severity == SeverityWarning)
	}
	if !found || len(doc.Operations) != 1 {
		t.Errorf("want a validation warning and 1 operation, got %d:\n%s", len(doc.Operations), doc.Diagnostics)
	}
}

func TestDiagnosticsFormat(t *testing.T) {
	ds := Diagnostics{
		{Code: "b", Severity: SeverityWarning, File: "b.yaml", Message: "second"},
		{Code: "spec.parse", Severity: SeverityError, File: "openapi.yaml", Line: 12, Column: 3, Pointer: "/paths/~1pets/get", Message: "message"},
		{Code: "x", Severity: SeverityInfo, Message: "no place"},
	}
	ds.Sort()
	want := "info x: no place\n" +
		"warning b b.yaml: second\n" +
		"error spec.parse openapi.yaml:12:3 /paths/~1pets/get: message\n"
	if diff := cmp.Diff(want, ds.Format()); diff != "" {
		t.Errorf("Format (-want +got):\n%s", diff)
	}
	if !ds.HasErrors() || ds[:2].HasErrors() {
		t.Error("HasErrors wrong")
	}
}

func TestCloneSchema(t *testing.T) {
	orig := Schema{"type": "object", "properties": map[string]any{"a": map[string]any{"enum": []any{"x"}}}, "required": []string{"a"}}
	c := CloneSchema(orig)
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	c["properties"].(map[string]any)["a"].(map[string]any)["enum"].([]any)[0] = "y"
	c["required"].([]string)[0] = "b"
	if orig["properties"].(map[string]any)["a"].(map[string]any)["enum"].([]any)[0] != "x" || orig["required"].([]string)[0] != "a" {
		t.Error("modifying the clone changed the original")
	}
	if CloneSchema(nil) != nil {
		t.Error("CloneSchema(nil) != nil")
	}
}

func TestToJSONFlowStyleYAML(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":"object"}`:             `{"type":"object"}`,
		`{type: object, required: [a]}`: `{"required":["a"],"type":"object"}`,
		"type: string\n":                `{"type":"string"}`,
	} {
		got, err := toJSON([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("toJSON(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
}
