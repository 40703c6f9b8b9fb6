package mcpgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// mustShape shapes v (encoded) and checks the invariants every result
// has: valid JSON, within the bound, Truncated iff a note says so.
func mustShape(t *testing.T, v any, opts ShapeOptions) Shaped {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ShapeJSON(raw, opts)
	if err != nil {
		t.Fatalf("ShapeJSON: %v", err)
	}
	if !json.Valid(res.Value) {
		t.Fatalf("invalid JSON: %s", res.Value)
	}
	if opts.MaxBytes > 0 && len(res.Value) > opts.MaxBytes {
		t.Errorf("%d bytes > max %d", len(res.Value), opts.MaxBytes)
	}
	if res.Truncated != (res.Meta["truncated"] == true) || res.Truncated && !strings.Contains(res.Note, "truncated") {
		t.Errorf("truncated %v, meta %v, note %q", res.Truncated, res.Meta, res.Note)
	}
	return res
}

func pets(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"id": i, "name": fmt.Sprintf("pet %d", i), "tag": "dog"}
	}
	return out
}

func TestShapeSmallUntouched(t *testing.T) {
	res := mustShape(t, map[string]any{"a": 1, "b": []any{1, 2}}, ShapeOptions{})
	if res.Truncated || res.Note != "" || res.Meta != nil || string(res.Value) != `{"a":1,"b":[1,2]}` {
		t.Errorf("%+v", res)
	}
}

func TestShapeArrays(t *testing.T) {
	hint := "Paginated: set per_page for fewer items per call and increase page for the next ones."
	// A root array keeps its first items.
	res := mustShape(t, pets(5000), ShapeOptions{MaxBytes: 4096, PageHint: hint})
	var got []map[string]any
	if err := json.Unmarshal(res.Value, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) < 50 || got[0]["name"] != "pet 0" || got[len(got)-1]["name"] != fmt.Sprintf("pet %d", len(got)-1) {
		t.Errorf("kept %d items, not the first ones", len(got))
	}
	cuts := res.Meta["arrays"].([]ArrayCut)
	if len(cuts) != 1 || cuts[0].Pointer != "" || cuts[0].Kept != len(got) || cuts[0].Total != 5000 {
		t.Errorf("arrays meta %+v", cuts)
	}
	wantNote := fmt.Sprintf("the result: first %d of 5000 items (%d dropped).", len(got), 5000-len(got))
	if !strings.Contains(res.Note, wantNote) || !strings.HasSuffix(res.Note, hint) {
		t.Errorf("note %q lacks %q or the page hint", res.Note, wantNote)
	}
	// A nested array is cut, the small fields around it stay.
	res = mustShape(t, map[string]any{"total_count": 5000, "items": pets(5000)}, ShapeOptions{MaxBytes: 2048})
	var obj map[string]any
	json.Unmarshal(res.Value, &obj)
	if obj["total_count"] != float64(5000) || res.Meta["arrays"].([]ArrayCut)[0].Pointer != "/items" {
		t.Errorf("nested: %s / %+v", res.Value, res.Meta)
	}
	if !strings.Contains(res.Note, "Ask for less") {
		t.Errorf("no paging advice without a hint: %q", res.Note)
	}
}

func TestShapeObjects(t *testing.T) {
	big := strings.Repeat("x", 20000)
	v := map[string]any{
		"id":      7,
		"name":    "keep me",
		"payload": map[string]any{"blob": map[string]any{"a": big, "b": big}, "small": 1},
		"notes":   big + big,
	}
	res := mustShape(t, v, ShapeOptions{MaxBytes: 30000})
	var got map[string]any
	json.Unmarshal(res.Value, &got)
	if got["id"] != float64(7) || got["name"] != "keep me" {
		t.Errorf("small fields lost: %s", res.Value)
	}
	// The largest value (notes, 40 kB) is a string: shortened, not
	// elided.
	if s, ok := got["notes"].(string); !ok || !strings.HasSuffix(s, "…") || len(s) >= 40000 {
		t.Errorf("notes not shortened: %.40q", got["notes"])
	}
	if len(res.Meta["strings"].([]StringCut)) == 0 {
		t.Errorf("meta %v", res.Meta)
	}
	// Containers without long strings lose their largest fields first.
	v = map[string]any{"id": 1, "a": map[string]any{"x": pets(300)[0], "deep": map[string]any{"k1": []any{1, 2, 3}, "k2": strings.Repeat("y", 100)}}}
	for i := range 200 {
		v["f"+fmt.Sprint(i)] = map[string]any{"n": i, "s": strings.Repeat("z", 40)}
	}
	res = mustShape(t, v, ShapeOptions{MaxBytes: 2000})
	if len(res.Meta["elided"].([]string)) == 0 || !strings.Contains(res.Note, "Fields left out: /") {
		t.Errorf("nothing elided: %v %q", res.Meta, res.Note)
	}
}

func TestShapeProjection(t *testing.T) {
	v := map[string]any{"total": 3, "items": []any{
		map[string]any{"id": 1, "name": "a", "body": "long"},
		map[string]any{"id": 2, "body": "long"},
	}, "links": map[string]any{"next": "n"}}
	res := mustShape(t, v, ShapeOptions{Fields: []string{"/total", "/items/*/name", "/items/*/id", "/nope"}})
	if string(res.Value) != `{"items":[{"id":1,"name":"a"},{"id":2}],"total":3}` {
		t.Errorf("projection = %s", res.Value)
	}
	if res.Truncated || !strings.Contains(res.Note, "Projected onto") {
		t.Errorf("%+v", res)
	}
	if _, err := ShapeJSON([]byte(`{}`), ShapeOptions{Fields: []string{"total"}}); err == nil {
		t.Error("pointer without / accepted")
	}
	res = mustShape(t, []any{1, 2}, ShapeOptions{Fields: []string{"/x"}})
	if string(res.Value) != `[]` {
		t.Errorf("no match = %s", res.Value)
	}
}

func TestShapeBadInput(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":1} x`, `nope`} {
		if _, err := ShapeJSON([]byte(in), ShapeOptions{}); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestEncodedSize(t *testing.T) {
	for _, v := range []any{
		nil, true, false, json.Number("-1.5e3"), "", "a\"b\\c\n\t\x01<>&", "é✓😀\u2028\u2029", "bad \xff utf8",
		map[string]any{"k\"": []any{1.5, "x", nil, map[string]any{}}, "": []any{}},
	} {
		raw, _ := json.Marshal(v)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var d any
		dec.Decode(&d)
		enc, _ := encodeJSON(d)
		if got := encodedSize(d); got != len(enc) {
			t.Errorf("encodedSize(%s) = %d, encoding has %d bytes", raw, got, len(enc))
		}
	}
}

// randomJSON builds a random JSON value for the property test.
func randomJSON(r *rand.Rand, depth int) any {
	k := r.IntN(7)
	if depth > 4 {
		k = r.IntN(4)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.Float64() * 1e6
	case 3:
		return strings.Repeat("ab✓\"", r.IntN(120))
	case 4, 5:
		m := map[string]any{}
		for i := range r.IntN(12) {
			m[fmt.Sprintf("k%d/~%d", i, r.IntN(3))] = randomJSON(r, depth+1)
		}
		return m
	}
	a := make([]any, r.IntN(12))
	for i := range a {
		a[i] = randomJSON(r, depth+1)
	}
	return a
}

// TestShapeAlwaysValid shapes random documents to random bounds: the
// result is always valid JSON within the bound and deterministic.
func TestShapeAlwaysValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		v := randomJSON(r, 0)
		raw, _ := json.Marshal(v)
		max := 64 + r.IntN(len(raw)+1)
		a := mustShape(t, v, ShapeOptions{MaxBytes: max})
		b, _ := ShapeJSON(raw, ShapeOptions{MaxBytes: max})
		if !bytes.Equal(a.Value, b.Value) || a.Note != b.Note {
			t.Fatalf("case %d: not deterministic", i)
		}
	}
}

// TestShapeMatchesRelaxedSchema shapes large results of real tools and
// validates them against the tools' relaxed output schemas; the
// original schema rejects a result that lost a required field.
func TestShapeMatchesRelaxedSchema(t *testing.T) {
	doc, err := openapi.Load(t.Context(), openapi.Source{Path: filepath.Join("..", "examples", "petstore", "openapi.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := Generate(doc, nil)
	byName := map[string]*Tool{}
	for _, tl := range tools {
		byName[tl.Name] = tl
	}
	compile := func(t *testing.T, raw json.RawMessage) *jsonschema.Schema {
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
	validate := func(s *jsonschema.Schema, raw json.RawMessage) error {
		d, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return err
		}
		return s.Validate(d)
	}
	long := strings.Repeat("a very long description ", 500)
	bigExtra := map[string]any{}
	for i := range 50 {
		bigExtra[fmt.Sprint("x", i)] = pets(20)
	}
	cases := []struct {
		tool  string
		value any
		max   int
	}{
		{"listPets", map[string]any{"result": pets(3000)}, 4096},
		{"listPets", map[string]any{"result": []any{map[string]any{"id": 1, "name": long, "tag": long}}}, 1024},
		{"getPet", map[string]any{"id": 1, "name": "rex", "tag": long, "extra": bigExtra}, 2048},
		{"getPet", map[string]any{"id": 1, "name": long + long, "tag": "x"}, 300},
	}
	for i, c := range cases {
		tl := byName[c.tool]
		if tl == nil || len(tl.OutputSchema) == 0 {
			t.Fatalf("%s has no output schema", c.tool)
		}
		relaxed, err := RelaxOutputSchema(tl.OutputSchema)
		if err != nil {
			t.Fatal(err)
		}
		orig, rel := compile(t, tl.OutputSchema), compile(t, relaxed)
		raw, _ := json.Marshal(c.value)
		if err := validate(orig, raw); err != nil {
			t.Fatalf("case %d: the unshaped value does not match %s's schema: %v", i, c.tool, err)
		}
		res := mustShape(t, c.value, ShapeOptions{MaxBytes: c.max})
		if !res.Truncated {
			t.Errorf("case %d: not truncated", i)
		}
		if err := validate(rel, res.Value); err != nil {
			t.Errorf("case %d (%s): shaped result does not match the relaxed schema: %v\n%s", i, c.tool, err, res.Value)
		}
	}
	if out, err := RelaxOutputSchema(nil); err != nil || out != nil {
		t.Errorf("nil schema: %s %v", out, err)
	}
	relaxed, _ := RelaxOutputSchema(json.RawMessage(`{"type":"object","required":["a"],"properties":{"required":{"type":"array","minItems":2}}}`))
	if string(relaxed) != `{"properties":{"required":{"type":"array"}},"type":"object"}` {
		t.Errorf("relaxed = %s", relaxed)
	}
}

func TestPaginationHint(t *testing.T) {
	q := func(names ...string) *openapi.Operation {
		op := &openapi.Operation{}
		for _, n := range names {
			op.Parameters = append(op.Parameters, &openapi.Parameter{Name: n, In: openapi.InQuery})
		}
		return op
	}
	tests := []struct {
		op   *openapi.Operation
		want string
	}{
		{q("per_page", "page"), "Paginated: set per_page for fewer items per call and increase page for the next ones."},
		{q("limit", "cursor"), "Paginated: set limit for fewer items per call and pass the cursor from the previous result in cursor for the next ones."},
		{q("offset"), "Paginated: increase offset for the next items."},
		{q("limit"), "Set limit to bound the number of items returned."},
		{q("q", "sort"), ""},
		{&openapi.Operation{Parameters: []*openapi.Parameter{{Name: "page", In: openapi.InPath}}}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := PaginationHint(tt.op); got != tt.want {
			t.Errorf("PaginationHint = %q, want %q", got, tt.want)
		}
	}
}

// BenchmarkShapeJSON shapes a 1.4 MB list result to the default 64 KiB,
// against BenchmarkShapeDecodeBaseline (decoding and encoding the same
// bytes, the least any shaping costs).
func BenchmarkShapeJSON(b *testing.B) {
	raw, _ := json.Marshal(map[string]any{"total": 20000, "items": pets(20000), "body": strings.Repeat("x", 200000)})
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ShapeJSON(raw, ShapeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkShapeDecodeBaseline(b *testing.B) {
	raw, _ := json.Marshal(map[string]any{"total": 20000, "items": pets(20000), "body": strings.Repeat("x", 200000)})
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			b.Fatal(err)
		}
		if _, err := encodeJSON(v); err != nil {
			b.Fatal(err)
		}
	}
}
