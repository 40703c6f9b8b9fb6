package openapi

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSwagger2JSONSchemaisms checks that JSON Schema constructs Swagger
// 2.0 does not allow (a tuple "items" array, a "type" list, draft 3
// "required": true, wrongly typed keywords) degrade only the schema they
// are in: kin-openapi refuses every definition for one of them, and every
// operation used to be lost.
func TestSwagger2JSONSchemaisms(t *testing.T) {
	doc := loadData(t, `{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"api.example.com",
"paths":{
 "/pets":{"get":{"operationId":"listPets","responses":{"200":{"description":"ok","schema":{"type":"array","items":{"$ref":"#/definitions/Pet"}}}}},
          "post":{"operationId":"addPet","parameters":[{"name":"body","in":"body","schema":{"$ref":"#/definitions/Pair"}}],"responses":{"200":{"description":"ok"}}}},
 "/owners":{"get":{"operationId":"listOwners","parameters":[{"name":"q","in":"query","type":"string"}],"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Owner"}}}}}
},
"definitions":{
 "Pet":{"type":"object","properties":{"name":{"type":["null","string"]},"tag":{"type":"string","required":true,"maxLength":"20"}}},
 "Pair":{"type":"array","items":[{"type":"string"},{"type":"integer"}]},
 "Owner":{"type":"object","properties":{"name":{"type":"string"}}}
}}`)
	if len(doc.Operations) != 3 {
		t.Fatalf("got %d operations, want 3; diagnostics:\n%s", len(doc.Operations), doc.Diagnostics)
	}
	if diff := cmp.Diff(Schema{"type": "object", "properties": Schema{
		"name": Schema{"type": []any{"null", "string"}},
		"tag":  Schema{"type": "string"},
	}}, doc.Schemas["Pet"]); diff != "" {
		t.Errorf("Pet (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Schema{"type": "array", "items": Schema{}}, doc.Schemas["Pair"]); diff != "" {
		t.Errorf("Pair (-want +got):\n%s", diff)
	}
	for _, ptr := range []string{"/definitions/Pair/items", "/definitions/Pet/properties/tag/required", "/definitions/Pet/properties/tag/maxLength"} {
		if !hasCode(doc.Diagnostics, "schema.repaired", ptr) {
			t.Errorf("no schema.repaired warning at %s:\n%s", ptr, doc.Diagnostics)
		}
	}
	if doc.Diagnostics.HasErrors() {
		t.Errorf("errors:\n%s", doc.Diagnostics)
	}
}

// TestOAS3TupleItems checks both decoders turn a tuple "items" into
// prefixItems in OpenAPI 3.0 (fast decoder: JSON; kin-openapi: YAML).
func TestOAS3TupleItems(t *testing.T) {
	for name, spec := range map[string]string{
		"json": `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/p":{"post":{
"requestBody":{"content":{"application/json":{"schema":{"type":"array","items":[{"type":"string"},{"type":"integer"}]}}}},
"responses":{"200":{"description":"ok"}}}}}}`,
		"yaml": `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /p:
    post:
      requestBody: {content: {application/json: {schema: {type: array, items: [{type: string}, {type: integer}]}}}}
      responses: {"200": {description: ok}}
`,
	} {
		t.Run(name, func(t *testing.T) {
			doc := loadData(t, spec)
			op := findOp(t, doc, "POST", "/p")
			if diff := cmp.Diff(Schema{"type": "array", "prefixItems": []any{Schema{"type": "string"}, Schema{"type": "integer"}}},
				op.RequestBody.Schema); diff != "" {
				t.Errorf("body schema (-want +got):\n%s", diff)
			}
		})
	}
}

// idSpec references schemas by $id and $anchor (OpenAPI 3.1), including
// one nested in $defs and one relative to an enclosing $id.
const idSpec = `
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "/schemas/address"}}}}}
  /b:
    post:
      requestBody: {content: {application/json: {schema: {$ref: "/schemas/address#home"}}}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Person"}}}}}
  /c:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "/schemas/address#/properties/street"}}}}}
components:
  schemas:
    Address:
      $id: /schemas/address
      type: object
      properties: {street: {type: string}}
      $defs:
        home:
          $anchor: home
          type: object
          properties: {since: {type: integer}}
    Person:
      $id: /schemas/person
      type: object
      properties:
        address: {$ref: "address"}
`

// TestIDAndAnchorRefs checks that OpenAPI 3.1 references to a schema's
// $id or $anchor resolve inside the document (kin-openapi resolves them
// as file paths and refuses them), for file and in-memory sources.
func TestIDAndAnchorRefs(t *testing.T) {
	dir := writeFiles(t, map[string]string{"openapi.yaml": idSpec})
	for name, src := range map[string]Source{
		"file": {Path: dir + "/openapi.yaml"},
		"data": {Data: []byte(idSpec), Name: "openapi.yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := Load(t.Context(), src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Operations) != 3 || doc.Diagnostics.HasErrors() {
				t.Fatalf("got %d operations, want 3; diagnostics:\n%s", len(doc.Operations), doc.Diagnostics)
			}
			b := findOp(t, doc, "POST", "/b")
			home := doc.Schemas[strings.TrimPrefix(b.RequestBody.Schema["$ref"].(string), "#/$defs/")]
			if diff := cmp.Diff(Schema{"type": "integer"}, home["properties"].(Schema)["since"]); diff != "" {
				t.Errorf("anchored schema (-want +got):\n%s\nbody schema %v", diff, b.RequestBody.Schema)
			}
			person := doc.Schemas[strings.TrimPrefix(b.Success.Schema["$ref"].(string), "#/$defs/")]
			addr := person["properties"].(Schema)["address"].(Schema)
			if _, ok := doc.Schemas[strings.TrimPrefix(addr["$ref"].(string), "#/$defs/")]; !ok {
				t.Errorf("relative $id reference not resolved: %v", addr)
			}
		})
	}
}

// TestContainerRefs checks that maps and lists of objects given as $ref
// to another file (a parameters list, a whole responses object, a
// content map, response headers) are inlined instead of losing the
// operations of a multi-file document, and that a broken one drops only
// itself.
func TestContainerRefs(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"openapi.yaml": `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a/{id}:
    get:
      operationId: getA
      parameters: {$ref: "common/params.yaml#/list"}
      responses: {$ref: "common/responses.yaml"}
  /b:
    post:
      operationId: postB
      requestBody:
        content: {$ref: "common/content.yaml#/json"}
      responses:
        "200": {description: ok, content: {$ref: "common/content.yaml#/json"}, headers: {$ref: "common/content.yaml#/headers"}}
  /c:
    get:
      operationId: getC
      parameters: {$ref: "common/missing.yaml#/list"}
      responses: {"204": {description: none}}
`,
		"common/params.yaml": `
list:
  - {name: id, in: path, required: true, schema: {type: integer}}
  - {$ref: "#/limit"}
limit: {name: limit, in: query, schema: {$ref: "schemas.yaml#/Limit"}}
`,
		"common/schemas.yaml": "Limit: {type: integer, maximum: 100}\nThing: {type: object, properties: {name: {type: string}}}\n",
		"common/responses.yaml": `
"200": {description: ok, content: {application/json: {schema: {$ref: "schemas.yaml#/Thing"}}}}
"404": {description: missing}
`,
		"common/content.yaml": `
json: {application/json: {schema: {$ref: "schemas.yaml#/Thing"}}}
headers: {X-Rate: {schema: {type: integer}}}
`,
	})
	doc, err := Load(t.Context(), Source{Path: dir + "/openapi.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Operations) != 3 {
		t.Fatalf("got %d operations, want 3; diagnostics:\n%s", len(doc.Operations), doc.Diagnostics)
	}
	a := findOp(t, doc, "GET", "/a/{id}")
	if len(a.Parameters) != 2 || a.Parameters[1].Name != "limit" || a.Success == nil || a.Success.Schema == nil {
		t.Errorf("GET /a: parameters %v, success %+v", a.Parameters, a.Success)
	}
	limit := a.Parameters[1].Schema
	if ref, _ := limit["$ref"].(string); doc.Schemas[strings.TrimPrefix(ref, "#/$defs/")]["maximum"] != float64(100) {
		t.Errorf("limit schema %v not resolved", limit)
	}
	b := findOp(t, doc, "POST", "/b")
	if b.RequestBody == nil || b.RequestBody.ContentType != "application/json" || b.Success == nil || b.Success.ContentType != "application/json" {
		t.Errorf("POST /b: body %+v, success %+v", b.RequestBody, b.Success)
	}
	if c := findOp(t, doc, "GET", "/c"); len(c.Parameters) != 0 {
		t.Errorf("GET /c parameters = %v, want none", c.Parameters)
	}
	if !hasCode(doc.Diagnostics, "ref.unresolved", "") {
		t.Errorf("no warning for the missing parameters file:\n%s", doc.Diagnostics)
	}
}
