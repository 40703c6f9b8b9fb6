package openapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const cachePetSpec = `openapi: 3.0.3
info: {title: pets, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1, maxLength: 5}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string, minLength: 1, default: rex, enum: [rex, 1.5, 2, true, null]}
`

// cacheEntries lists the entry and temporary files of a cache directory.
func cacheEntries(t *testing.T, dir string) (entries, temps []string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, de := range des {
		switch {
		case isEntryName(de.Name()):
			entries = append(entries, de.Name())
		case isTempName(de.Name()):
			temps = append(temps, de.Name())
		}
	}
	return entries, temps
}

// cachedLoad loads src with the cache in dir and reports whether it was a
// hit.
func cachedLoad(t *testing.T, src Source, dir string) (*Document, bool) {
	t.Helper()
	logger, rec := NewLogRecorder()
	doc, err := Load(t.Context(), src, &LoadOptions{CacheDir: dir, Logger: logger})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return doc, rec.Count(MsgCacheHit) == 1
}

func TestCacheHitAndMiss(t *testing.T) {
	specDir := writeFiles(t, map[string]string{"openapi.yaml": cachePetSpec})
	src := Source{Path: filepath.Join(specDir, "openapi.yaml")}
	fresh, err := Load(t.Context(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cache", "specs")
	for i, wantHit := range []bool{false, true, true} {
		doc, hit := cachedLoad(t, src, dir)
		if hit != wantHit {
			t.Fatalf("load %d: hit = %v, want %v", i, hit, wantHit)
		}
		if diff := cmp.Diff(fresh, doc); diff != "" {
			t.Fatalf("load %d differs from an uncached load (-want +got):\n%s", i, diff)
		}
	}
	entries, temps := cacheEntries(t, dir)
	if len(entries) != 1 || len(temps) != 0 {
		t.Fatalf("cache holds entries %v and temporary files %v, want one entry", entries, temps)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, entries[0]): 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, st.Mode().Perm(), err, want)
		}
	}
	// Changing the root document changes the key.
	if err := os.WriteFile(src.Path, []byte(strings.Replace(cachePetSpec, "getPet", "fetchPet", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, hit := cachedLoad(t, src, dir)
	if hit || doc.Operations[0].ID != "fetchPet" {
		t.Fatalf("after editing the spec: hit = %v, operation %q; want a miss and fetchPet", hit, doc.Operations[0].ID)
	}
	if entries, _ := cacheEntries(t, dir); len(entries) != 2 {
		t.Errorf("got %d entries after a changed spec, want 2", len(entries))
	}
}

// TestCacheHitSkipsLoading plants an entry holding a different document:
// a hit must return it, which proves the document was not parsed.
func TestCacheHitSkipsLoading(t *testing.T) {
	src := Source{Data: []byte(cachePetSpec), Name: "pets.yaml"}
	dir := t.TempDir()
	r := newLoadRun(t.Context(), &LoadOptions{CacheDir: dir})
	data, err := r.readRoot(src)
	if err != nil {
		t.Fatal(err)
	}
	planted := &Document{Title: "planted", Operations: []*Operation{{ID: "planted", Method: "GET", Path: "/"}}}
	r.newSpecCache(src, data).store(planted, nil)
	doc, err := Load(t.Context(), src, &LoadOptions{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(planted, doc); diff != "" {
		t.Errorf("Load did not return the cached document (-want +got):\n%s", diff)
	}
}

func TestCacheKey(t *testing.T) {
	specDir := writeFiles(t, map[string]string{"a.yaml": cachePetSpec})
	key := func(src Source, opts *LoadOptions) [32]byte {
		t.Helper()
		o := LoadOptions{CacheDir: "unused"}
		if opts != nil {
			o = *opts
			o.CacheDir = "unused"
		}
		r := newLoadRun(t.Context(), &o)
		data, err := r.readRoot(src)
		if err != nil {
			t.Fatal(err)
		}
		return r.newSpecCache(src, data).key
	}
	base := key(Source{Data: []byte(cachePetSpec), Name: "a.yaml"}, nil)
	if again := key(Source{Data: []byte(cachePetSpec), Name: "a.yaml"}, nil); again != base {
		t.Fatal("the same input gave two keys")
	}
	file := Source{Path: filepath.Join(specDir, "a.yaml")}
	tests := []struct {
		name string
		src  Source
		opts *LoadOptions
		// base is the key that must differ; zero means the data key.
		base [32]byte
	}{
		{name: "bytes", src: Source{Data: []byte(cachePetSpec + "\n"), Name: "a.yaml"}},
		{name: "name", src: Source{Data: []byte(cachePetSpec), Name: "b.yaml"}},
		{name: "kind", src: file},
		{name: "max bytes", src: Source{Data: []byte(cachePetSpec), Name: "a.yaml"}, opts: &LoadOptions{MaxBytes: 1 << 20}},
		{name: "ref hosts", src: file, opts: &LoadOptions{AllowedRefHosts: []string{"example.com"}}, base: key(file, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.base == ([32]byte{}) {
				tt.base = base
			}
			if key(tt.src, tt.opts) == tt.base {
				t.Error("key did not change")
			}
		})
	}
}

func TestCacheMultiFile(t *testing.T) {
	root := strings.Replace(cachePetSpec, `{$ref: "#/components/schemas/Pet"}`, `{$ref: "schemas/pet.yaml"}`, 1)
	root = strings.Replace(root, "components:", "  /owners:\n    get:\n      responses: {\"200\": {description: ok, content: {application/json: {schema: {$ref: \"owner.yaml\"}}}}}\ncomponents:", 1)
	specDir := writeFiles(t, map[string]string{
		"openapi.yaml":     root,
		"schemas/pet.yaml": `{"type": "object", "properties": {"name": {"type": "string"}}}`,
	})
	src := Source{Path: filepath.Join(specDir, "openapi.yaml")}
	dir := t.TempDir()
	steps := []struct {
		name    string
		edit    func(t *testing.T)
		wantHit bool
		check   func(t *testing.T, doc *Document)
	}{
		{name: "first load", wantHit: false},
		{name: "unchanged", wantHit: true},
		{
			name: "referenced file changed",
			edit: func(t *testing.T) {
				if err := os.WriteFile(filepath.Join(specDir, "schemas/pet.yaml"), []byte(`{"type": "object", "properties": {"tag": {"type": "string"}}}`), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, doc *Document) {
				if !strings.Contains(mustJSON(t, doc.Schemas), `"tag"`) {
					t.Errorf("schemas do not show the edit: %s", mustJSON(t, doc.Schemas))
				}
			},
		},
		{name: "unchanged again", wantHit: true},
		{
			name: "missing file created",
			edit: func(t *testing.T) {
				if err := os.WriteFile(filepath.Join(specDir, "owner.yaml"), []byte(`{"type": "object", "properties": {"owner": {"type": "string"}}}`), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, doc *Document) {
				if !strings.Contains(mustJSON(t, doc.Schemas), `"owner"`) {
					t.Errorf("schemas do not show the new file: %s", mustJSON(t, doc.Schemas))
				}
			},
		},
		{name: "unchanged at last", wantHit: true},
		{
			name: "referenced file removed",
			edit: func(t *testing.T) {
				if err := os.Remove(filepath.Join(specDir, "owner.yaml")); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, st := range steps {
		if st.edit != nil {
			st.edit(t)
		}
		fresh, err := Load(t.Context(), src, nil)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		doc, hit := cachedLoad(t, src, dir)
		if hit != st.wantHit {
			t.Fatalf("%s: hit = %v, want %v", st.name, hit, st.wantHit)
		}
		if diff := cmp.Diff(fresh, doc); diff != "" {
			t.Fatalf("%s: differs from an uncached load (-want +got):\n%s", st.name, diff)
		}
		if st.check != nil {
			st.check(t, doc)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCacheCorruptEntry(t *testing.T) {
	src := Source{Data: []byte(cachePetSpec), Name: "pets.yaml"}
	fresh, err := Load(t.Context(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"empty", func([]byte) []byte { return nil }},
		{"truncated", func(b []byte) []byte { return b[:len(b)*2/3] }},
		{"flipped byte", func(b []byte) []byte { b[len(b)-3] ^= 0x40; return b }},
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }},
		{"other version", func(b []byte) []byte { b[len(cacheMagic)] = cacheFormatVersion + 1; return b }},
		{"other key", func(b []byte) []byte { b[len(cacheMagic)+1] ^= 1; return b }},
		{"trailing bytes", func(b []byte) []byte { return append(b, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cachedLoad(t, src, dir)
			entries, _ := cacheEntries(t, dir)
			if len(entries) != 1 {
				t.Fatalf("got entries %v, want one", entries)
			}
			p := filepath.Join(dir, entries[0])
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tt.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			for i, wantHit := range []bool{false, true} {
				doc, hit := cachedLoad(t, src, dir)
				if hit != wantHit {
					t.Fatalf("load %d after damage: hit = %v, want %v", i, hit, wantHit)
				}
				if diff := cmp.Diff(fresh, doc); diff != "" {
					t.Fatalf("load %d after damage differs (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestCacheUnwritable(t *testing.T) {
	// A directory below a regular file cannot be created, even by root.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	logger, rec := NewLogRecorder()
	doc, err := Load(t.Context(), Source{Data: []byte(cachePetSpec)}, &LoadOptions{CacheDir: filepath.Join(blocker, "cache"), Logger: logger})
	if err != nil || len(doc.Operations) != 1 {
		t.Fatalf("Load with an unwritable cache: %v", err)
	}
	if rec.Count("spec cache not written") != 1 {
		t.Error("no warning about the unwritable cache")
	}
}

func TestCacheValidateBypass(t *testing.T) {
	// The response lacks its required description: only validation
	// reports that.
	src := Source{Data: []byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses: {"200": {content: {application/json: {schema: {type: object}}}}}
`)}
	dir := t.TempDir()
	logger, rec := NewLogRecorder()
	opts := &LoadOptions{CacheDir: dir, Validate: true, Logger: logger}
	if _, err := Load(t.Context(), src, opts); err != nil {
		t.Fatal(err)
	}
	if entries, _ := cacheEntries(t, dir); len(entries) != 0 {
		t.Fatalf("a validating load wrote %v", entries)
	}
	cachedLoad(t, src, dir) // fills the cache
	doc, err := Load(t.Context(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Count(MsgCacheHit) != 0 || !slices.ContainsFunc(doc.Diagnostics, func(d Diagnostic) bool { return strings.HasPrefix(d.Code, "validation.") }) {
		t.Errorf("a validating load used the cache; diagnostics:\n%s", doc.Diagnostics)
	}
}

func TestCachePrune(t *testing.T) {
	now := time.Now()
	name := func(i int) string { return fmt.Sprintf("%064x", i) + cacheExt }
	others := []string{"README", "." + name(0) + ".tmp123"}
	oldTemp := "." + name(1) + ".tmp456"
	// setup fills a directory with 70 entries, entry i being i minutes old
	// and i+1 KiB large, and other files.
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		for i := range 70 {
			p := filepath.Join(dir, name(i))
			if err := os.WriteFile(p, make([]byte, (i+1)<<10), 0o600); err != nil {
				t.Fatal(err)
			}
			mod := now.Add(-time.Duration(i) * time.Minute)
			if err := os.Chtimes(p, mod, mod); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range append(others, oldTemp) {
			if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		old := now.Add(-2 * cacheTempMaxAge)
		if err := os.Chtimes(filepath.Join(dir, oldTemp), old, old); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct {
		name       string
		self       int
		maxEntries int
		maxBytes   int64
		want       []int
	}{
		{name: "entry bound", self: 0, maxEntries: 64, maxBytes: 1 << 30, want: seq(0, 64)},
		{name: "oldest entry is kept when it is this load's", self: 69, maxEntries: 3, maxBytes: 1 << 30, want: []int{0, 1, 69}},
		{name: "size bound", self: 0, maxEntries: 64, maxBytes: 6 << 10, want: []int{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := setup(t)
			c := &specCache{dir: dir, maxEntries: tt.maxEntries, maxBytes: tt.maxBytes}
			if _, err := hex.Decode(c.key[:], []byte(strings.TrimSuffix(name(tt.self), cacheExt))); err != nil {
				t.Fatal(err)
			}
			if err := c.prune(); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, i := range tt.want {
				want = append(want, name(i))
			}
			got, _ := cacheEntries(t, dir)
			slices.Sort(want)
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("entries kept (-want +got):\n%s", diff)
			}
			for _, n := range others {
				if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
					t.Errorf("%s was removed: %v", n, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, oldTemp)); !os.IsNotExist(err) {
				t.Errorf("abandoned temporary file survived: %v", err)
			}
		})
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestCacheConcurrentLoads(t *testing.T) {
	specDir := writeFiles(t, map[string]string{"openapi.yaml": cachePetSpec})
	src := Source{Path: filepath.Join(specDir, "openapi.yaml")}
	fresh, err := Load(t.Context(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 8
	docs := make([]*Document, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Go(func() {
			docs[i], errs[i] = Load(t.Context(), src, &LoadOptions{CacheDir: dir})
		})
	}
	wg.Wait()
	for i := range docs {
		if errs[i] != nil {
			t.Fatalf("load %d: %v", i, errs[i])
		}
		if diff := cmp.Diff(fresh, docs[i]); diff != "" {
			t.Fatalf("load %d differs (-want +got):\n%s", i, diff)
		}
	}
	entries, temps := cacheEntries(t, dir)
	if len(entries) != 1 || len(temps) != 0 {
		t.Errorf("cache holds entries %v and temporary files %v, want one entry", entries, temps)
	}
	if _, hit := cachedLoad(t, src, dir); !hit {
		t.Error("the entry written by concurrent loads is not a hit")
	}
}

func TestCacheURLSource(t *testing.T) {
	var requests atomic.Int32
	files := map[string]string{
		"/local.yaml":  cachePetSpec,
		"/remote.yaml": strings.Replace(cachePetSpec, `"#/components/schemas/Pet"`, `"pet.yaml"`, 1),
		"/pet.yaml":    "{type: object}",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	tests := []struct {
		name string
		path string
		// wantHit is the outcome of the second load; wantRequests counts
		// the requests of both loads.
		wantHit      bool
		wantRequests int32
	}{
		{name: "self-contained", path: "/local.yaml", wantHit: true, wantRequests: 2},
		{name: "with a URL reference", path: "/remote.yaml", wantHit: false, wantRequests: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requests.Store(0)
			dir := t.TempDir()
			src := Source{URL: srv.URL + tt.path}
			first, _ := cachedLoad(t, src, dir)
			second, hit := cachedLoad(t, src, dir)
			if hit != tt.wantHit || requests.Load() != tt.wantRequests {
				t.Errorf("hit = %v after %d requests, want %v after %d", hit, requests.Load(), tt.wantHit, tt.wantRequests)
			}
			if diff := cmp.Diff(first, second); diff != "" {
				t.Errorf("loads differ (-first +second):\n%s", diff)
			}
		})
	}
}

func TestCacheCancelledLoadNotStored(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r := newLoadRun(ctx, &LoadOptions{CacheDir: t.TempDir()})
	src := Source{Data: []byte(cachePetSpec)}
	data, err := r.readRoot(src)
	if err != nil {
		t.Fatal(err)
	}
	c := r.newSpecCache(src, data)
	cancel()
	r.storeCache(c, &Document{})
	if entries, _ := cacheEntries(t, c.dir); len(entries) != 0 {
		t.Errorf("a cancelled load was cached: %v", entries)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
	}{
		{name: "xdg", env: map[string]string{"XDG_CACHE_HOME": "/var/cache/u"}},
		{name: "no home", env: map[string]string{"XDG_CACHE_HOME": "", "HOME": "", "LocalAppData": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			want := ""
			if base, err := os.UserCacheDir(); err == nil {
				want = filepath.Join(base, "rest2mcp", "specs")
			}
			if got := DefaultCacheDir(); got != want {
				t.Errorf("DefaultCacheDir() = %q, want %q", got, want)
			}
		})
	}
}

func TestReadSized(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	tests := []struct {
		name    string
		size    int64 // the size Stat reported
		max     int64
		wantErr bool
	}{
		{name: "exact", size: 10000, max: 10000},
		{name: "grew", size: 10, max: 20000},
		{name: "shrank", size: 20000, max: 20000},
		{name: "over the limit", size: 10, max: 9999, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readSized(bytes.NewReader(data), tt.size, tt.max, "test")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(got, data) {
				t.Errorf("read %d bytes, want %d", len(got), len(data))
			}
		})
	}
}

// TestCacheCodec round-trips a document holding every kind of value a
// schema may contain and checks that types, nil-ness and sharing survive.
func TestCacheCodec(t *testing.T) {
	shared := Schema{"type": "string", "maxLength": uint64(5)}
	explode := true
	doc := &Document{
		Title: "t", Servers: []Server{{URL: "https://x", Variables: map[string]ServerVariable{"v": {Default: "a", Enum: []string{"a", "b"}}}}},
		Operations: []*Operation{{
			ID: "op", FixedQuery: map[string]string{"a": "b"}, Tags: []string{},
			Parameters: []*Parameter{{Name: "a", Schema: shared}, {Name: "b", Schema: shared}},
			RequestBody: &RequestBody{Schema: Schema{
				"n": float64(1.5), "u": uint64(1 << 63), "i": -3, "i64": int64(-1 << 40), "num": json.Number("12345678901234567890"),
				"nil": nil, "nilMap": map[string]any(nil), "nilSlice": []any(nil), "empty": []any{}, "strs": []string{"x"},
				"nilStrs": []string(nil), "b": true, "f": false, "nested": []any{map[string]any{"s": shared}},
			}, Encoding: map[string]Encoding{"a": {Explode: &explode}}},
			Security:   []SecurityRequirement{},
			Extensions: map[string]any{"x-a": map[string]any{"k": []any{1.0, "v"}}},
		}},
		Schemas:         map[string]Schema{"Shared": shared},
		SecuritySchemes: map[string]*SecurityScheme{"oauth": {Flows: map[string]OAuthFlow{"implicit": {Scopes: map[string]string{"r": "read"}}}}},
		Diagnostics:     Diagnostics{{Code: "c", Severity: SeverityInfo, Line: 3, Message: "m"}},
	}
	b, err := encodeDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc, got); diff != "" {
		t.Fatalf("round trip differs (-want +got):\n%s", diff)
	}
	op := got.Operations[0]
	p0, p1 := reflect.ValueOf(op.Parameters[0].Schema).Pointer(), reflect.ValueOf(op.Parameters[1].Schema).Pointer()
	if p0 != p1 || p0 != reflect.ValueOf(got.Schemas["Shared"]).Pointer() {
		t.Error("a shared schema was decoded into separate maps")
	}
	// Every truncation is an error, never a panic.
	for i := range len(b) {
		if _, err := decodeDocument(b[:i]); err == nil {
			t.Fatalf("decoding %d of %d bytes succeeded", i, len(b))
		}
	}
}

func TestCacheCodecUnsupported(t *testing.T) {
	doc := &Document{Schemas: map[string]Schema{"x": {"bad": struct{}{}}}}
	if _, err := encodeDocument(doc); err == nil {
		t.Fatal("encoding an unsupported value succeeded")
	}
	cyclic := Schema{}
	cyclic["self"] = []any{cyclic}
	b, err := encodeDocument(&Document{Schemas: map[string]Schema{"c": cyclic}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	c := got.Schemas["c"]
	if reflect.ValueOf(c["self"].([]any)[0]).Pointer() != reflect.ValueOf(c).Pointer() {
		t.Error("a cycle was not preserved")
	}
}

// FuzzCacheDecode checks that no entry body, however damaged, makes the
// decoder panic or allocate without bound.
func FuzzCacheDecode(f *testing.F) {
	doc, err := Load(f.Context(), Source{Data: []byte(cachePetSpec)}, nil)
	if err != nil {
		f.Fatal(err)
	}
	b, err := encodeDocument(doc)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		if doc, err := decodeDocument(data); err == nil {
			if _, err := encodeDocument(doc); err != nil {
				t.Errorf("a decoded document does not encode: %v", err)
			}
		}
	})
}
