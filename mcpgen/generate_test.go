package mcpgen

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/openapi"
)

func TestGenerateNilDocument(t *testing.T) {
	tools, diags := Generate(nil, nil)
	if tools != nil || diags != nil {
		t.Errorf("Generate(nil) = %v, %v", tools, diags)
	}
}

func TestGenerateBindings(t *testing.T) {
	id := &openapi.Parameter{Name: "id", In: openapi.InPath, Required: true, Schema: openapi.Schema{"type": "string"}}
	sel := &openapi.Parameter{Name: "$select", In: openapi.InQuery, Schema: openapi.Schema{"type": "string"}}
	hdr := &openapi.Parameter{Name: "id", In: openapi.InHeader, Schema: openapi.Schema{"type": "string"}}
	ck := &openapi.Parameter{Name: "sess ion", In: openapi.InCookie, Required: true, Schema: openapi.Schema{"type": "string"}}
	doc := &openapi.Document{
		Operations: []*openapi.Operation{{
			ID: "update", Method: "PATCH", Path: "/things/{id}", Pointer: "/paths/~1things~1{id}/patch",
			Parameters: []*openapi.Parameter{hdr, sel, id, ck},
			RequestBody: &openapi.RequestBody{
				Required: true, ContentType: "application/json",
				Schema: openapi.Schema{
					"type":     "object",
					"required": []any{"@type", "name"},
					"properties": map[string]any{
						"@type": map[string]any{"type": "string"},
						"name":  map[string]any{"type": "string"},
						"etag":  map[string]any{"type": "string", "readOnly": true},
					},
				},
			},
		}},
	}
	tools, diags := Generate(doc, nil)
	if len(diags) != 0 {
		t.Errorf("diagnostics: %v", diags)
	}
	if len(tools) != 1 {
		t.Fatalf("got %d tools", len(tools))
	}
	want := []Binding{
		{Arg: "header_id", Loc: LocHeader, Name: "id", Param: hdr},
		{Arg: "id", Loc: LocPath, Name: "id", Param: id, Required: true},
		{Arg: "name", Loc: LocBodyField, Name: "name", Required: true},
		{Arg: "select", Loc: LocQuery, Name: "$select", Param: sel},
		{Arg: "sess_ion", Loc: LocCookie, Name: "sess ion", Param: ck, Required: true},
		{Arg: "type", Loc: LocBodyField, Name: "@type", Required: true},
	}
	if diff := cmp.Diff(want, tools[0].Bindings); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
		Required   []string       `json:"required"`
	}
	if err := json.Unmarshal(tools[0].InputSchema, &schema); err != nil {
		t.Fatal(err)
	}
	var props []string
	for k := range schema.Properties {
		props = append(props, k)
	}
	var args []string
	for _, b := range tools[0].Bindings {
		args = append(args, b.Arg)
	}
	if diff := cmp.Diff(args, props, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("schema properties differ from bindings (-bindings +schema):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"id", "name", "sess_ion", "type"}, schema.Required); diff != "" {
		t.Errorf("required (-want +got):\n%s", diff)
	}
}

func TestGenerateDiagnostics(t *testing.T) {
	doc := &openapi.Document{
		Schemas: map[string]openapi.Schema{
			"Broken": {"type": "object", "properties": map[string]any{"x": map[string]any{"$ref": "#/$defs/Missing"}}},
		},
		Operations: []*openapi.Operation{
			{
				ID: "badInput", Method: "POST", Path: "/a", Pointer: "/paths/~1a/post",
				RequestBody: &openapi.RequestBody{ContentType: "application/json", Schema: openapi.Schema{"$ref": "#/$defs/Broken"}},
			},
			{
				ID: "badOutput", Method: "GET", Path: "/b", Pointer: "/paths/~1b/get",
				Parameters: []*openapi.Parameter{{Name: "f", In: "formData", Schema: openapi.Schema{}}},
				Success:    &openapi.Response{Status: "200", ContentType: "application/json", Schema: openapi.Schema{"$ref": "https://example.com/s.json"}},
			},
		},
	}
	tools, diags := Generate(doc, nil)
	if len(tools) != 1 || tools[0].Name != "badOutput" || tools[0].OutputSchema != nil {
		t.Fatalf("tools = %+v, want only badOutput without an output schema", tools)
	}
	var codes []string
	for _, d := range diags {
		codes = append(codes, d.Code)
		if d.Pointer == "" || d.Message == "" {
			t.Errorf("diagnostic without pointer or message: %+v", d)
		}
	}
	want := []string{CodeToolSkipped, CodeParamUnsupported, CodeOutputDropped}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("diagnostic codes (-want +got):\n%s", diff)
	}
}

func TestAnnotationsFor(t *testing.T) {
	tests := []struct {
		method string
		want   Annotations
	}{
		{"GET", Annotations{ReadOnly: true, Idempotent: true, OpenWorld: true}},
		{"head", Annotations{ReadOnly: true, Idempotent: true, OpenWorld: true}},
		{"PUT", Annotations{Destructive: true, Idempotent: true, OpenWorld: true}},
		{"DELETE", Annotations{Destructive: true, Idempotent: true, OpenWorld: true}},
		{"POST", Annotations{Destructive: true, OpenWorld: true}},
		{"PATCH", Annotations{Destructive: true, OpenWorld: true}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			if got := AnnotationsFor(tt.method); got != tt.want {
				t.Errorf("AnnotationsFor(%q) = %+v, want %+v", tt.method, got, tt.want)
			}
		})
	}
}

func TestMCPTool(t *testing.T) {
	tool := &Tool{
		Name: "getPet", Title: "Get a pet", Description: "Gets a pet.",
		InputSchema:  json.RawMessage(`{"type":"object","additionalProperties":false}`),
		OutputSchema: json.RawMessage(`{"type":"object"}`),
		Annotations:  AnnotationsFor("GET"),
	}
	mt := tool.MCPTool()
	b, err := json.Marshal(mt)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name": "getPet", "title": "Get a pet", "description": "Gets a pet.",
		"inputSchema":  map[string]any{"type": "object", "additionalProperties": false},
		"outputSchema": map[string]any{"type": "object"},
		"annotations": map[string]any{
			"title": "Get a pet", "readOnlyHint": true, "destructiveHint": false,
			"idempotentHint": true, "openWorldHint": true,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wire tool (-want +got):\n%s", diff)
	}
	if err := mcp.ValidateParamHeaderAnnotations(&mt); err != nil {
		t.Errorf("header annotations: %v", err)
	}
	tool.OutputSchema = nil
	if b, _ := json.Marshal(tool.MCPTool()); json.Valid(b) && containsKey(b, "outputSchema") {
		t.Errorf("outputSchema present without an output schema: %s", b)
	}
}

func containsKey(b []byte, key string) bool {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	_, ok := m[key]
	return ok
}
