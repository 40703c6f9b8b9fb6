package mcpgen

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// FuzzGenerate loads small documents and generates tools from them: no
// panic, and every tool has a valid, unique name, a description, and input
// and output schemas that are valid JSON objects. The golden conversion
// specs are the seeds.
func FuzzGenerate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "convert", "*.txtar"))
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if spec := archiveFile(ar, "openapi.yaml"); spec != nil {
			f.Add(spec)
		}
	}
	f.Add([]byte(`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a/{b}":{"post":{"parameters":[{"name":"b","in":"path","required":true,"schema":{"$ref":"#/components/schemas/S"}}],"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"}}}},"responses":{"200":{"description":"x","content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"}}}}}}}},"components":{"schemas":{"S":{"type":"object","properties":{"s":{"$ref":"#/components/schemas/S"}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		doc, err := openapi.Load(t.Context(), openapi.Source{Data: data, Name: "fuzz"}, nil)
		if err != nil {
			return
		}
		tools, _ := Generate(doc, &Options{MaxDescription: 200})
		seen := map[string]bool{}
		for _, tool := range tools {
			if !toolNameRE.MatchString(tool.Name) || seen[tool.Name] {
				t.Fatalf("invalid or duplicate tool name %q", tool.Name)
			}
			seen[tool.Name] = true
			if tool.Description == "" {
				t.Fatalf("%s: empty description", tool.Name)
			}
			for _, raw := range []json.RawMessage{tool.InputSchema, tool.OutputSchema} {
				if raw == nil {
					continue
				}
				var root map[string]any
				if err := json.Unmarshal(raw, &root); err != nil {
					t.Fatalf("%s: schema is not a JSON object: %v", tool.Name, err)
				}
				if root["type"] != "object" {
					t.Fatalf("%s: schema root type %v", tool.Name, root["type"])
				}
			}
			if _, err := json.Marshal(tool.MCPTool()); err != nil {
				t.Fatalf("%s: encode MCP tool: %v", tool.Name, err)
			}
		}
	})
}

// fuzzDoc is the JSON shape FuzzGenerateDocument decodes into a document,
// bypassing the loader so that arbitrary schemas reach the generator.
type fuzzDoc struct {
	ID      string                    `json:"id"`
	Method  string                    `json:"method"`
	Path    string                    `json:"path"`
	Schemas map[string]map[string]any `json:"schemas"`
	Params  []struct {
		Name     string         `json:"name"`
		In       string         `json:"in"`
		Required bool           `json:"required"`
		Schema   map[string]any `json:"schema"`
	} `json:"params"`
	BodyType string         `json:"bodyType"`
	Body     map[string]any `json:"body"`
	Response map[string]any `json:"response"`
}

// FuzzGenerateDocument feeds arbitrary schemas, parameters and bodies to
// Generate: no panic, and any tool it returns has schemas that are JSON
// objects with root type object, no top-level composition, and only
// references that resolve in their own $defs.
func FuzzGenerateDocument(f *testing.F) {
	f.Add([]byte(`{"id":"x","method":"POST","path":"/a/{b}","schemas":{"S":{"type":"object","properties":{"s":{"$ref":"#/$defs/S"},"r":{"readOnly":true}},"required":["r","s","s"]}},"params":[{"name":"b","in":"path","schema":{"$ref":"#/$defs/S"}},{"name":"s","in":"query"}],"bodyType":"application/json","body":{"$ref":"#/$defs/S"},"response":{"allOf":[{"$ref":"#/$defs/S"}]}}`))
	f.Add([]byte(`{"method":"PUT","path":"/f","bodyType":"multipart/form-data","body":{"properties":{"f":{"type":"string","format":"binary"},"g":{"type":"array","items":{"contentMediaType":"image/png"}}}},"response":{"oneOf":[{"type":"string"}]}}`))
	f.Add([]byte(`{"method":"GET","path":"/g","schemas":{"A":{"$ref":"#/$defs/B"},"B":{"$ref":"#/$defs/A"}},"response":{"$ref":"#/$defs/A"},"params":[{"name":"$x[y]","in":"header"},{"name":"x_y","in":"cookie"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fd fuzzDoc
		if json.Unmarshal(data, &fd) != nil {
			return
		}
		doc := &openapi.Document{Schemas: map[string]openapi.Schema{}}
		for k, v := range fd.Schemas {
			doc.Schemas[k] = v
		}
		op := &openapi.Operation{ID: fd.ID, Method: fd.Method, Path: fd.Path, Pointer: "/paths/x/get"}
		for _, p := range fd.Params {
			op.Parameters = append(op.Parameters, &openapi.Parameter{Name: p.Name, In: p.In, Required: p.Required, Schema: p.Schema})
		}
		if fd.Body != nil || fd.BodyType != "" {
			op.RequestBody = &openapi.RequestBody{ContentType: fd.BodyType, Schema: fd.Body}
		}
		if fd.Response != nil {
			op.Success = &openapi.Response{Status: "200", ContentType: "application/json", Schema: fd.Response}
		}
		doc.Operations = []*openapi.Operation{op}
		tools, _ := Generate(doc, nil)
		for _, tool := range tools {
			if !toolNameRE.MatchString(tool.Name) || tool.Description == "" {
				t.Fatalf("bad name %q or empty description", tool.Name)
			}
			for _, raw := range []json.RawMessage{tool.InputSchema, tool.OutputSchema} {
				if raw == nil {
					continue
				}
				var root map[string]any
				if err := json.Unmarshal(raw, &root); err != nil {
					t.Fatalf("schema is not a JSON object: %v\n%s", err, raw)
				}
				if root["type"] != "object" {
					t.Fatalf("root type %v\n%s", root["type"], raw)
				}
				for _, k := range []string{"oneOf", "anyOf", "allOf", "$ref"} {
					if _, ok := root[k]; ok {
						t.Fatalf("top-level %s\n%s", k, raw)
					}
				}
				defs, _ := root["$defs"].(map[string]any)
				if err := checkRefs(root, defs); err != nil {
					t.Fatalf("%v\n%s", err, raw)
				}
			}
		}
	})
}
