package openapi

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yaml3 "go.yaml.in/yaml/v3"
)

// loadBothWays loads a document with the fast decoder and with
// kin-openapi's own unmarshalling.
func loadBothWays(t *testing.T, src Source) (fast, kin *Document) {
	t.Helper()
	var err error
	fast, err = Load(t.Context(), src, nil)
	if err != nil {
		t.Fatalf("Load (fast): %v", err)
	}
	disableFastDecoder = true
	defer func() { disableFastDecoder = false }()
	kin, err = Load(t.Context(), src, nil)
	if err != nil {
		t.Fatalf("Load (kin-openapi): %v", err)
	}
	return fast, kin
}

// TestFastDecoderMatchesKin checks that the fast decoder yields exactly
// the Document kin-openapi's unmarshalling yields, on every corpus
// document and on GitHub's current description (under -short only on the
// small ones).
func TestFastDecoderMatchesKin(t *testing.T) {
	specs := readManifest(t)
	paths := make([]string, 0, len(specs)+1)
	for _, s := range specs {
		paths = append(paths, filepath.Join(corpusDir, s.file))
	}
	paths = append(paths, octokitPath)
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			st, err := os.Stat(p)
			if err != nil {
				t.Skipf("absent: %v", err)
			}
			if testing.Short() && st.Size() > 300<<10 {
				t.Skip("large document: compared without -short only")
			}
			fast, kin := loadBothWays(t, Source{Path: p})
			// The fast decoder keeps integers beyond 2^53 exact.
			floatNumbers(fast)
			if diff := cmp.Diff(kin, fast); diff != "" {
				if len(diff) > 4000 && os.Getenv("FULLDIFF") == "" {
					diff = diff[:4000] + "\n…"
				}
				t.Errorf("fast decoder differs (-kin +fast):\n%s", diff)
			}
		})
	}
}

// TestFastDecoderLenient checks that the fast decoder degrades a keyword
// of the wrong type or a schema nested too deeply to a warning, keeping
// the operation.
func TestFastDecoderLenient(t *testing.T) {
	deep := strings.Repeat(`{"type":"object","properties":{"a":`, 4000) + `{"type":"string"}` + strings.Repeat(`}}`, 4000)
	doc := loadData(t, `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
"/deep":{"post":{"requestBody":{"content":{"application/json":{"schema":`+deep+`}}},"responses":{"200":{"description":"ok"}}}},
"/odd":{"get":{"parameters":[{"name":"q","in":"query","schema":{"type":"string","minLength":"5","maxLength":10}}],"responses":{"200":{"description":"ok"}}}}}}`)
	findOp(t, doc, "POST", "/deep")
	odd := findOp(t, doc, "GET", "/odd")
	if diff := cmp.Diff(Schema{"type": "string", "maxLength": uint64(10)}, odd.Parameters[0].Schema); diff != "" {
		t.Errorf("schema with a bad keyword (-want +got):\n%s", diff)
	}
	if !hasCode(doc.Diagnostics, "schema.too-deep", "") || !hasCode(doc.Diagnostics, "schema.invalid", "/paths/~1odd/get/parameters/0/schema/minLength") {
		t.Errorf("missing diagnostics:\n%s", doc.Diagnostics)
	}
}

// octokitPath is GitHub's current description from the e2e npm packages.
const octokitPath = "../e2e/testdata/node_modules/@octokit/openapi/generated/api.github.com.json"

// floatNumbers replaces the json.Number values of doc's schemas by their
// float64 value, as kin-openapi decodes them.
func floatNumbers(doc *Document) {
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case json.Number:
			f, _ := t.Float64()
			return f
		case map[string]any:
			for k, c := range t {
				t[k] = walk(c)
			}
		case []any:
			for i, c := range t {
				t[i] = walk(c)
			}
		}
		return v
	}
	for _, s := range doc.Schemas {
		walk(s)
	}
	for _, op := range doc.Operations {
		for _, p := range op.Parameters {
			walk(p.Schema)
		}
		if op.RequestBody != nil {
			walk(op.RequestBody.Schema)
		}
		if op.Success != nil {
			walk(op.Success.Schema)
		}
	}
}

// TestFastDecoderMatchesKinJSON compares both decoders on the YAML corpus
// documents converted to JSON (which the fast decoder then reads,
// including OpenAI's OpenAPI 3.1 description). Without -short only.
func TestFastDecoderMatchesKinJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("slow; without -short only")
	}
	for _, s := range readManifest(t) {
		p := filepath.Join(corpusDir, s.file)
		if strings.HasSuffix(p, ".json") || strings.Contains(s.file, "/") {
			continue // JSON already compared; multi-file documents are not eligible
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Skip(err)
			}
			// YAML 1.2, as kin-openapi reads it ("y" stays a string).
			var tree any
			if err := yaml3.Unmarshal(data, &tree); err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(stringKeys(tree))
			if err != nil {
				t.Fatal(err)
			}
			fast, kin := loadBothWays(t, Source{Data: js, Name: filepath.Base(p)})
			if hasCode(kin.Diagnostics, "spec.partial", "") {
				// The YAML 1.1 conversion made the document invalid (e.g.
				// "y" became true): the decoders repair it differently.
				t.Skip("kin-openapi refuses the converted document")
			}
			floatNumbers(fast)
			if diff := cmp.Diff(kin, fast); diff != "" {
				if len(diff) > 4000 && os.Getenv("FULLDIFF") == "" {
					diff = diff[:4000] + "\n…"
				}
				t.Errorf("fast decoder differs (-kin +fast):\n%s", diff)
			}
		})
	}
}

// stringKeys turns the map[any]any values yaml.v3 makes of mappings with
// non-string keys into map[string]any.
func stringKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			t[k] = stringKeys(c)
		}
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, c := range t {
			m[fmt.Sprint(k)] = stringKeys(c)
		}
		return m
	case []any:
		for i, c := range t {
			t[i] = stringKeys(c)
		}
	}
	return v
}

// TestExactIntegers checks that integers float64 cannot hold (beyond
// 2^53) keep their exact value in enum, default and bounds.
func TestExactIntegers(t *testing.T) {
	doc := loadData(t, `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/p":{"get":{
"parameters":[{"name":"id","in":"query","schema":{"type":"integer","format":"int64",
  "enum":[9007199254740993,1],"default":9007199254740993,"minimum":-9223372036854775808,"maximum":18446744073709551615,"exclusiveMaximum":true}}],
"responses":{"200":{"description":"ok"}}}}}}`)
	got := findOp(t, doc, "GET", "/p").Parameters[0].Schema
	want := Schema{"type": "integer", "format": "int64",
		"enum":             []any{json.Number("9007199254740993"), float64(1)},
		"default":          json.Number("9007199254740993"),
		"minimum":          json.Number("-9223372036854775808"),
		"exclusiveMaximum": json.Number("18446744073709551615"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
}
