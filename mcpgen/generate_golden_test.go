package mcpgen

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/tools/txtar"

	"github.com/rest2mcp/rest2mcp/openapi"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// TestGolden converts each testdata/convert/*.txtar archive's openapi.yaml
// (with the Options in options.json, when present) and compares the MCP
// wire form of the tools with tools.json and the diagnostics with
// diagnostics.txt; with -update, the expected files are rewritten. It also
// checks that the document is left unmodified and validates the optional
// sample arguments (arguments.json) and upstream responses
// (responses.json), each a map from tool name to a list of values, against
// the generated schemas.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "convert", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden archives")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if len(bytes.TrimSpace(ar.Comment)) == 0 {
				t.Error("archive has no prose comment")
			}
			spec := archiveFile(ar, "openapi.yaml")
			if spec == nil {
				t.Fatal("archive has no openapi.yaml")
			}
			var opts *Options
			if raw := archiveFile(ar, "options.json"); raw != nil {
				opts = new(Options)
				if err := json.Unmarshal(raw, opts); err != nil {
					t.Fatalf("options.json: %v", err)
				}
			}
			doc, err := openapi.Load(t.Context(), openapi.Source{Data: spec, Name: "openapi.yaml"}, nil)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			before := snapshotDocument(t, doc)
			tools, diags := Generate(doc, opts)
			if after := snapshotDocument(t, doc); after != before {
				t.Error("Generate modified the document")
			}
			checkTools(t, tools)
			gotTools := wireTools(t, tools)
			gotDiags := formatDiagnostics(diags)
			// The result must not depend on the order of the operations.
			slices.Reverse(doc.Operations)
			again, againDiags := Generate(doc, opts)
			if diff := cmp.Diff(string(gotTools), string(wireTools(t, again))); diff != "" {
				t.Errorf("tools depend on operation order (-first +reversed):\n%s", diff)
			}
			if diff := cmp.Diff(string(gotDiags), string(formatDiagnostics(againDiags))); diff != "" {
				t.Errorf("diagnostics depend on operation order (-first +reversed):\n%s", diff)
			}
			validateSamples(t, tools, archiveFile(ar, "arguments.json"), true)
			validateSamples(t, tools, archiveFile(ar, "responses.json"), false)
			if *update {
				setArchiveFile(ar, "tools.json", gotTools)
				setArchiveFile(ar, "diagnostics.txt", gotDiags)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(archiveFile(ar, "tools.json")), string(gotTools)); diff != "" {
				t.Errorf("tools.json mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(string(archiveFile(ar, "diagnostics.txt")), string(gotDiags)); diff != "" {
				t.Errorf("diagnostics.txt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// snapshotDocument encodes the parts of doc that Generate reads, to detect
// modifications of the shared schemas.
func snapshotDocument(t *testing.T, doc *openapi.Document) string {
	t.Helper()
	b, err := json.Marshal(struct {
		Schemas    map[string]openapi.Schema
		Operations []*openapi.Operation
	}{doc.Schemas, doc.Operations})
	if err != nil {
		t.Fatalf("snapshot document: %v", err)
	}
	return string(b)
}

// validateSamples validates sample values against the tools' schemas:
// samples maps tool names to tool arguments (input) or to upstream JSON
// responses (output), which are wrapped as {"result": value} for tools
// with OutputWrapped, as the invoker does.
func validateSamples(t *testing.T, tools []*Tool, samples []byte, input bool) {
	t.Helper()
	if samples == nil {
		return
	}
	var byName map[string][]any
	if err := json.Unmarshal(samples, &byName); err != nil {
		t.Fatalf("samples: %v", err)
	}
	for name, values := range byName {
		i := slices.IndexFunc(tools, func(tool *Tool) bool { return tool.Name == name })
		if i < 0 {
			t.Errorf("samples for unknown tool %q", name)
			continue
		}
		raw := tools[i].OutputSchema
		if input {
			raw = tools[i].InputSchema
		}
		schema, err := checkToolSchema(raw, input)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, v := range values {
			if !input && tools[i].OutputWrapped {
				v = map[string]any{ResultProperty: v}
			}
			// Round-trip through the validator's own decoder so that
			// numbers have the types it expects.
			b, _ := json.Marshal(v)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("%s: sample %s does not validate: %v", name, b, err)
			}
		}
	}
}

// wireTools returns the MCP wire form of tools: the "tools" array of a
// tools/list result, indented.
func wireTools(t *testing.T, tools []*Tool) []byte {
	t.Helper()
	list := make([]mcp.Tool, len(tools))
	for i, tool := range tools {
		list[i] = tool.MCPTool()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(list); err != nil {
		t.Fatalf("encode tools: %v", err)
	}
	return buf.Bytes()
}

// formatDiagnostics renders one diagnostic per line.
func formatDiagnostics(diags openapi.Diagnostics) []byte {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s %s %s: %s\n", d.Severity, d.Code, d.Pointer, d.Message)
	}
	return []byte(b.String())
}

func archiveFile(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func setArchiveFile(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}
