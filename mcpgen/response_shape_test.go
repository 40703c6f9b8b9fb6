package mcpgen

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// petstoreTools generates the example petstore's tools by name.
func petstoreTools(t *testing.T) map[string]*Tool {
	t.Helper()
	doc, err := openapi.Load(t.Context(), openapi.Source{Path: filepath.Join("..", "examples", "petstore", "openapi.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := Generate(doc, nil)
	byName := map[string]*Tool{}
	for _, tl := range tools {
		byName[tl.Name] = tl
	}
	return byName
}

// compileSchema compiles a JSON Schema for validation.
func compileSchema(t *testing.T, raw json.RawMessage) *jsonschema.Schema {
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

func TestToolSetShape(t *testing.T) {
	t.Parallel()
	tools := petstoreTools(t)
	list := tools["listPets"]
	orig := bytes.Clone(list.OutputSchema)
	if err := list.SetShape(ShapeOptions{MaxBytes: -1}); err != nil || list.Shape != nil || !bytes.Equal(list.OutputSchema, orig) {
		t.Fatalf("MaxBytes -1 without fields: shape %+v, schema changed %v, err %v", list.Shape, !bytes.Equal(list.OutputSchema, orig), err)
	}
	if err := list.SetShape(ShapeOptions{Fields: []string{"name"}}); err == nil || list.Shape != nil {
		t.Errorf("a field that is not a JSON pointer was accepted: %v", err)
	}
	if err := list.SetShape(ShapeOptions{}); err != nil {
		t.Fatal(err)
	}
	if list.Shape.MaxBytes != DefaultMaxResult {
		t.Errorf("MaxBytes = %d, want the default %d", list.Shape.MaxBytes, DefaultMaxResult)
	}
	if !strings.Contains(list.Shape.PageHint, "limit") {
		t.Errorf("PageHint = %q, want one naming limit", list.Shape.PageHint)
	}
	if bytes.Contains(list.OutputSchema, []byte(`"required"`)) || !bytes.Contains(orig, []byte(`"required"`)) {
		t.Errorf("output schema not relaxed:\nbefore %s\nafter  %s", orig, list.OutputSchema)
	}
}

func TestCallShapesResults(t *testing.T) {
	t.Parallel()
	petList := func(n int, name string) string {
		b, _ := json.Marshal(pets(n))
		if name != "" {
			b = bytes.ReplaceAll(b, []byte(`"dog"`), []byte(`"`+name+`"`))
		}
		return string(b)
	}
	long := strings.Repeat("a long description ", 400)
	tests := []struct {
		name      string
		tool      string
		body      string
		shape     ShapeOptions
		wantShape bool   // the result carries the shaping _meta and note
		wantNote  string // part of the note
		wantJSON  string // exact structuredContent, when set
	}{
		{name: "small array spliced as is", tool: "listPets", body: petList(3, ""), shape: ShapeOptions{MaxBytes: 4096},
			wantJSON: `{"result":` + petList(3, "") + `}`},
		{name: "large array truncated", tool: "listPets", body: petList(3000, ""), shape: ShapeOptions{MaxBytes: 4096},
			wantShape: true, wantNote: "items ("},
		{name: "large object fields elided", tool: "getPet", body: `{"id":1,"name":"rex","tag":"` + long + `","extra":` + petList(200, "") + `}`,
			shape: ShapeOptions{MaxBytes: 2048}, wantShape: true, wantNote: "truncated"},
		{name: "projection", tool: "listPets", body: petList(2, ""), shape: ShapeOptions{MaxBytes: -1, Fields: []string{"/*/name"}},
			wantShape: true, wantNote: "Projected onto /*/name", wantJSON: `{"result":[{"name":"pet 0"},{"name":"pet 1"}]}`},
		{name: "html characters survive shaping", tool: "listPets", body: petList(500, "<b>&</b>"), shape: ShapeOptions{MaxBytes: 2048},
			wantShape: true, wantNote: "dropped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tl := petstoreTools(t)[tc.tool]
			orig := compileSchema(t, tl.OutputSchema)
			var raw any
			if err := json.Unmarshal([]byte(tc.body), &raw); err != nil {
				t.Fatal(err)
			}
			if tl.OutputWrapped {
				raw = map[string]any{"result": raw}
			}
			if err := orig.Validate(raw); err != nil {
				t.Fatalf("the test body does not match %s's own schema: %v", tc.tool, err)
			}
			if err := tl.SetShape(tc.shape); err != nil {
				t.Fatal(err)
			}
			relaxed := compileSchema(t, tl.OutputSchema)
			up := invUpstream(t, reply(200, "application/json", tc.body))
			inv := newInvokerForTest(t, up.URL, nil)
			args := map[string]any{}
			if tc.tool == "getPet" {
				args["petId"] = 1
			}
			res := inv.Call(t.Context(), tl, args)
			if res.MCP.IsError {
				t.Fatalf("isError: %s", invText(res.MCP))
			}
			sc, ok := res.MCP.StructuredContent.(json.RawMessage)
			if !ok || !json.Valid(sc) {
				t.Fatalf("structuredContent %T is not valid raw JSON: %s", res.MCP.StructuredContent, sc)
			}
			if tc.wantJSON != "" && string(sc) != tc.wantJSON {
				t.Errorf("structuredContent = %s, want %s", sc, tc.wantJSON)
			}
			if first := res.MCP.Content[0].(mcp.TextContent).Text; first != string(sc) {
				t.Errorf("first text block is not the structured JSON:\n%s\n%s", first, sc)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(sc))
			if err != nil {
				t.Fatal(err)
			}
			if err := relaxed.Validate(v); err != nil {
				t.Errorf("structuredContent does not match the relaxed output schema: %v", err)
			}
			if tc.shape.MaxBytes > 0 && len(sc) > tc.shape.MaxBytes+len(`{"result":}`) {
				t.Errorf("%d bytes, over the %d limit", len(sc), tc.shape.MaxBytes)
			}
			meta := res.MCP.Meta
			if !tc.wantShape {
				if meta != nil || len(res.MCP.Content) != 1 {
					t.Errorf("unshaped result has meta %v and %d content blocks", meta, len(res.MCP.Content))
				}
				return
			}
			if meta == nil || meta.AdditionalFields[MetaKeyShaping] == nil {
				t.Fatalf("no %s in _meta: %+v", MetaKeyShaping, meta)
			}
			if len(res.MCP.Content) != 2 {
				t.Fatalf("%d content blocks, want the JSON and the note", len(res.MCP.Content))
			}
			note := res.MCP.Content[1].(mcp.TextContent).Text
			if !strings.Contains(note, tc.wantNote) {
				t.Errorf("note %q does not contain %q", note, tc.wantNote)
			}
			if _, err := json.Marshal(res.MCP); err != nil {
				t.Errorf("marshal result: %v", err)
			}
		})
	}
}
