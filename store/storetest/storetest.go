// Package storetest is the conformance suite every store.Store backend
// runs: records round-trip exactly, versions are immutable, stale edits
// fail with store.ErrConflict and overwrite nothing, concurrent edits lose
// nothing, and the change feed reaches a second connection and a second
// process.
//
// A backend's test file calls [Run] from a test and [HelperMain] from
// TestMain (the second-process test re-executes the test binary):
//
//	func TestMain(m *testing.M) { storetest.HelperMain(open); os.Exit(m.Run()) }
//	func TestConformance(t *testing.T) { storetest.Run(t, storetest.Harness{NewDSN: newDSN, Open: open}) }
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rest2mcp/rest2mcp/store"
)

// Harness connects the suite to a backend.
type Harness struct {
	// NewDSN returns the address of a new, empty database (one per
	// subtest), cleaned up by the test.
	NewDSN func(t *testing.T) string
	// Open opens a store on dsn. Every call must give an independent store
	// (its own connections), as another replica would have.
	Open func(ctx context.Context, dsn string) (store.Store, error)
}

// Environment of the second-process helper.
const (
	envWriterDSN  = "REST2MCP_STORETEST_WRITER_DSN"
	envWriterName = "REST2MCP_STORETEST_WRITER_NAME"
)

var helperInstalled bool

// HelperMain must be called first in the backend's TestMain. In the child
// process started by the second-process test it opens the store, creates
// the API it was asked to, and exits; otherwise it returns at once.
func HelperMain(open func(ctx context.Context, dsn string) (store.Store, error)) {
	helperInstalled = true
	dsn := os.Getenv(envWriterDSN)
	if dsn == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := func() error {
		s, err := open(ctx, dsn)
		if err != nil {
			return err
		}
		defer s.Close()
		// Write only after the parent's watcher went idle, so that the
		// change must reach it across processes.
		time.Sleep(300 * time.Millisecond)
		_, err = s.Create(ctx, NewAPI(os.Getenv(envWriterName)))
		return err
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest writer:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// NewAPI returns a complete API record named name, with every field set.
func NewAPI(name string) *store.API {
	on, off := true, false
	return &store.API{
		Name:    name,
		Message: "upload",
		Spec: store.Spec{
			Data:   []byte("openapi: 3.1.0\ninfo: {title: " + name + ", version: '1'}\npaths: {}\n"),
			Source: store.Source{Kind: store.SourceUpload, Location: name + ".yaml"},
		},
		Settings: store.Settings{
			Upstream:         "https://" + name + ".example",
			ServerVariables:  map[string]string{"region": "eu"},
			ToolPrefix:       "p_",
			Timeout:          15 * time.Second,
			MaxResponseBytes: 1 << 20,
			MaxOutputSchema:  4096,
			Include:          &store.Selector{Tags: []string{"pets"}, Methods: []string{"GET"}},
			Exclude:          &store.Selector{Paths: []string{"/admin/**"}, OperationIDs: []string{"deleteAll"}},
			Mode:             "granted",
		},
		Policy: []byte("default: deny\nrules:\n  - name: read\n    match: {methods: [GET]}\n    scopes: [pets:read]\n"),
		Operations: map[string]store.Operation{
			"GET /pets/{petId}": {Enabled: &on, ToolName: "get_pet", Description: "Reads a pet.", Scopes: []string{"pets:read"}},
			"DELETE /pets":      {Enabled: &off, Scopes: []string{}},
		},
		UpstreamAuth: json.RawMessage(`{"type":"clientCredentials","tokenURL":"https://as.example/token","clientID":"gw","clientSecret":{"fromEnv":"PETS_SECRET"}}`),
		ToolNames: []store.ToolName{
			{Key: "DELETE /pets", Name: "deletePets"},
			{Key: "GET /pets/{petId}", OperationID: "getPet", Name: "get_pet", Pinned: true},
		},
		Compiled: []byte{0, 1, 2, 3, 0xff, 0},
	}
}

// ignoreStoreSet ignores what the store sets when comparing with input.
var ignoreStoreSet = cmpopts.IgnoreFields(store.API{}, "Version", "CreatedAt", "Spec.Digest")

type harness struct {
	Harness
	t *testing.T
}

// open opens a store on dsn, closed at the end of the test.
func (h harness) open(t *testing.T, dsn string) store.Store {
	t.Helper()
	s, err := h.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	hh := harness{Harness: h, t: t}
	tests := []struct {
		name string
		fn   func(t *testing.T, h harness)
	}{
		{"CreateGet", testCreateGet},
		{"CreateRefused", testCreateRefused},
		{"NotFound", testNotFound},
		{"ListVersions", testListVersions},
		{"Update", testUpdate},
		{"UpdateRefused", testUpdateRefused},
		{"StaleEdit", testStaleEdit},
		{"ConcurrentEdits", testConcurrentEdits},
		{"Delete", testDelete},
		{"Rollback", testRollback},
		{"Reopen", testReopen},
		{"LargeSpec", testLargeSpec},
		{"Feed", testFeed},
		{"FeedSecondConnection", testFeedSecondConnection},
		{"FeedSecondProcess", testFeedSecondProcess},
		{"WatchEnds", testWatchEnds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, hh)
		})
	}
}

func (h harness) fresh(t *testing.T) (store.Store, string) {
	dsn := h.NewDSN(t)
	return h.open(t, dsn), dsn
}

func testCreateGet(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	in := NewAPI("pets")
	before := time.Now().Add(-time.Second)
	got, err := s.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.CreatedAt.Before(before) || got.Spec.Digest != store.Digest(in.Spec.Data) {
		t.Errorf("Create = version %d, createdAt %v, digest %q; want 1, now, sha256 of the spec", got.Version, got.CreatedAt, got.Spec.Digest)
	}
	if diff := cmp.Diff(in, got, ignoreStoreSet); diff != "" {
		t.Errorf("Create result (-input +got):\n%s", diff)
	}
	read, err := s.Get(ctx, "pets")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, read); diff != "" {
		t.Errorf("Get after Create (-created +read):\n%s", diff)
	}
	v1, err := s.GetVersion(ctx, "pets", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, v1); diff != "" {
		t.Errorf("GetVersion(1) (-created +read):\n%s", diff)
	}
	// The caller's record is not aliased.
	read.Spec.Data[0] = 'X'
	again, _ := s.Get(ctx, "pets")
	if again.Spec.Data[0] == 'X' {
		t.Error("Get returned data shared with the store")
	}

	// A minimal record round-trips with its empty fields empty.
	min := &store.API{Name: "min", Spec: store.Spec{Data: []byte("{}"), Source: store.Source{Kind: store.SourceURL, Location: "https://x.example/openapi.json"}}}
	if _, err := s.Create(ctx, min); err != nil {
		t.Fatal(err)
	}
	gotMin, err := s.Get(ctx, "min")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(min, gotMin, ignoreStoreSet); diff != "" {
		t.Errorf("minimal record (-input +got):\n%s", diff)
	}
}

func testCreateRefused(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	if _, err := s.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, NewAPI("pets")); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("second Create = %v, want ErrAlreadyExists", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*store.API)
		want string
	}{
		{"bad name", func(a *store.API) { a.Name = "Bad Name" }, "API name"},
		{"name too long", func(a *store.API) { a.Name = strings.Repeat("a", 64) }, "API name"},
		{"empty spec", func(a *store.API) { a.Spec.Data = nil }, "spec is empty"},
		{"unknown source", func(a *store.API) { a.Spec.Source.Kind = "ftp" }, "source kind"},
		{"bad operation key", func(a *store.API) { a.Operations = map[string]store.Operation{"pets": {}} }, "operation key"},
		{"duplicate tool name", func(a *store.API) { a.ToolNames[1].Name = a.ToolNames[0].Name }, "given to both"},
		{"secret value", func(a *store.API) {
			a.UpstreamAuth = json.RawMessage(`{"type":"static","static":{"header":"X-Key","value":{"value":"s3cr3t"}}}`)
		}, "static.value.value: secret values are not stored"},
		{"secret as string", func(a *store.API) {
			a.UpstreamAuth = json.RawMessage(`{"type":"clientCredentials","clientSecret":"s3cr3t"}`)
		}, "clientSecret: secret values are not stored"},
	} {
		a := NewAPI("other")
		tc.edit(a)
		_, err := s.Create(ctx, a)
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Create = %v, want ErrInvalid mentioning %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: the error repeats the secret: %v", tc.name, err)
		}
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("after refused creates, List has %d APIs, want 1", len(list))
	}
}

func testNotFound(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get = %v, want ErrNotFound", err)
	}
	if _, err := s.Versions(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Versions = %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, "nope", 0, func(*store.API) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "nope", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete = %v, want ErrNotFound", err)
	}
	if _, err := s.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{0, -1, 2} {
		if _, err := s.GetVersion(ctx, "pets", v); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetVersion(%d) = %v, want ErrNotFound", v, err)
		}
	}
	if list, err := s.List(ctx); err != nil || len(list) != 1 {
		t.Errorf("List = %v, %v; want one API", list, err)
	}
}

func testListVersions(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	if list, err := s.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("List of an empty store = %v, %v", list, err)
	}
	for _, n := range []string{"zoo", "alpha", "mid"} {
		if _, err := s.Create(ctx, NewAPI(n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Update(ctx, "mid", 0, func(a *store.API) error {
		a.Message = "second"
		a.ToolNames = a.ToolNames[:1]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range list {
		names = append(names, fmt.Sprintf("%s@%d/%d:%s", v.Name, v.Version, v.Tools, v.Message))
	}
	if diff := cmp.Diff([]string{"alpha@1/2:upload", "mid@2/1:second", "zoo@1/2:upload"}, names); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	vs, err := s.Versions(ctx, "mid")
	if err != nil {
		t.Fatal(err)
	}
	a := NewAPI("mid")
	want := []store.VersionInfo{
		{Name: "mid", Version: 1, Message: "upload", SpecDigest: store.Digest(a.Spec.Data), Source: a.Spec.Source, Tools: 2},
		{Name: "mid", Version: 2, Message: "second", SpecDigest: store.Digest(a.Spec.Data), Source: a.Spec.Source, Tools: 1},
	}
	if diff := cmp.Diff(want, vs, cmpopts.IgnoreFields(store.VersionInfo{}, "CreatedAt")); diff != "" {
		t.Errorf("Versions (-want +got):\n%s", diff)
	}
	if vs[1].CreatedAt.Before(vs[0].CreatedAt) {
		t.Errorf("version 2 was created before version 1: %v < %v", vs[1].CreatedAt, vs[0].CreatedAt)
	}
}

func testUpdate(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	v1, err := s.Create(ctx, NewAPI("pets"))
	if err != nil {
		t.Fatal(err)
	}
	newSpec := []byte("openapi: 3.0.3\ninfo: {title: pets2, version: '2'}\npaths: {}\n")
	v2, err := s.Update(ctx, "pets", 1, func(a *store.API) error {
		if a.Version != 1 || a.Name != "pets" {
			t.Errorf("fn got version %d of %q, want 1 of pets", a.Version, a.Name)
		}
		a.Name, a.Version = "renamed", 99 // the store owns these
		a.Message = "new spec"
		a.Spec.Data = newSpec
		a.Settings.Upstream = "https://v2.example"
		a.Policy = nil
		delete(a.Operations, "DELETE /pets")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Name != "pets" || v2.Version != 2 || v2.Spec.Digest != store.Digest(newSpec) {
		t.Errorf("Update = %q version %d digest %s; want pets version 2 with the new spec's digest", v2.Name, v2.Version, v2.Spec.Digest)
	}
	if !bytes.Equal(v2.Compiled, v1.Compiled) {
		t.Error("Update did not carry the compiled form over")
	}
	got, err := s.Get(ctx, "pets")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v2, got); diff != "" {
		t.Errorf("Get after Update (-updated +read):\n%s", diff)
	}
	old, err := s.GetVersion(ctx, "pets", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v1, old); diff != "" {
		t.Errorf("version 1 changed by the update (-before +after):\n%s", diff)
	}
	// A third version that only changes the compiled form.
	v3, err := s.Update(ctx, "pets", 2, func(a *store.API) error { a.Compiled = []byte("compiled-v3"); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetVersion(ctx, "pets", 3); string(got.Compiled) != "compiled-v3" || v3.Version != 3 {
		t.Errorf("version 3 compiled = %q, want compiled-v3", got.Compiled)
	}
	if got, _ := s.GetVersion(ctx, "pets", 2); !bytes.Equal(got.Compiled, v1.Compiled) {
		t.Errorf("version 2 compiled = %q, want version 1's", got.Compiled)
	}
}

func testUpdateRefused(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	if _, err := s.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := s.Update(ctx, "pets", 0, func(a *store.API) error { a.Message = "x"; return boom }); !errors.Is(err, boom) {
		t.Errorf("Update with failing fn = %v, want the fn's error", err)
	}
	if _, err := s.Update(ctx, "pets", 0, func(a *store.API) error {
		a.UpstreamAuth = json.RawMessage(`{"type":"static","static":{"header":"X-Key","value":{"value":"s3cr3t"}}}`)
		return nil
	}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Update storing a secret value = %v, want ErrInvalid", err)
	}
	if _, err := s.Update(ctx, "pets", 0, func(a *store.API) error { a.Spec.Data = nil; return nil }); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Update with an empty spec = %v, want ErrInvalid", err)
	}
	vs, err := s.Versions(ctx, "pets")
	if err != nil || len(vs) != 1 {
		t.Errorf("after refused updates, Versions = %v, %v; want only version 1", vs, err)
	}
}

func testStaleEdit(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	if _, err := s.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "pets", 1, func(a *store.API) error { a.Message = "first editor"; return nil }); err != nil {
		t.Fatal(err)
	}
	called := false
	_, err := s.Update(ctx, "pets", 1, func(a *store.API) error { called = true; a.Message = "second editor"; return nil })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale Update = %v, want ErrConflict", err)
	}
	if called {
		t.Error("a stale Update called fn")
	}
	if err := s.Delete(ctx, "pets", 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale Delete = %v, want ErrConflict", err)
	}
	if _, err := store.Rollback(ctx, s, "pets", 1, 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale Rollback = %v, want ErrConflict", err)
	}
	got, err := s.Get(ctx, "pets")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Message != "first editor" {
		t.Errorf("after stale edits: version %d %q, want 2 %q", got.Version, got.Message, "first editor")
	}
}

// testConcurrentEdits races editors on two independent stores (as two
// replicas): with an expected version exactly one wins and the others get
// ErrConflict; without one, every edit lands (none is lost).
func testConcurrentEdits(t *testing.T, h harness) {
	s1, dsn := h.fresh(t)
	s2 := h.open(t, dsn)
	ctx := t.Context()
	if _, err := s1.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		s := []store.Store{s1, s2}[i%2]
		wg.Go(func() {
			_, errs[i] = s.Update(ctx, "pets", 1, func(a *store.API) error {
				a.Message = fmt.Sprintf("editor %d", i)
				return nil
			})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("editor %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d editors based on version 1 won, want exactly 1", won)
	}

	// Unconditional edits: each adds one to a counter; none may be lost.
	for i := range n {
		s := []store.Store{s1, s2}[i%2]
		wg.Go(func() {
			_, errs[i] = s.Update(ctx, "pets", 0, func(a *store.API) error {
				a.Settings.MaxResponseBytes++
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("unconditional editor %d: %v", i, err)
		}
	}
	got, err := s2.Get(ctx, "pets")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1<<20 + n); got.Settings.MaxResponseBytes != want || got.Version != 2+n {
		t.Errorf("after %d concurrent increments: counter %d at version %d, want %d at version %d", n, got.Settings.MaxResponseBytes, got.Version, want, 2+n)
	}
	vs, err := s1.Versions(ctx, "pets")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if v.Version != int64(i+1) {
			t.Fatalf("versions are not 1..%d without gaps: %v", len(vs), vs)
		}
	}
}

func testDelete(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	if _, err := s.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, NewAPI("keep")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "pets", 0, func(a *store.API) error { a.Message = "v2"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "pets", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "pets"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if _, err := s.GetVersion(ctx, "pets", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetVersion after Delete = %v, want ErrNotFound", err)
	}
	// The other API shares the spec's blob... and keeps it.
	keep, err := s.Get(ctx, "keep")
	if err != nil || len(keep.Spec.Data) == 0 || len(keep.Compiled) == 0 {
		t.Fatalf("the other API after Delete: %v, %v", keep, err)
	}
	a, err := s.Create(ctx, NewAPI("pets"))
	if err != nil || a.Version != 1 {
		t.Errorf("Create after Delete = version %v, %v; want version 1", a, err)
	}
}

func testRollback(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	v1, err := s.Create(ctx, NewAPI("pets"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "pets", 1, func(a *store.API) error {
		a.Spec.Data = []byte("{}")
		a.Settings = store.Settings{Upstream: "https://other.example"}
		a.Operations, a.Policy, a.Compiled, a.ToolNames, a.UpstreamAuth = nil, nil, nil, nil, nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Rollback(ctx, s, "pets", 9, 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Rollback to a missing version = %v, want ErrNotFound", err)
	}
	v3, err := store.Rollback(ctx, s, "pets", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if v3.Version != 3 || v3.Message != "rollback to 1" {
		t.Errorf("Rollback = version %d %q, want 3 \"rollback to 1\"", v3.Version, v3.Message)
	}
	got, err := s.Get(ctx, "pets")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v1, got, cmpopts.IgnoreFields(store.API{}, "Version", "CreatedAt", "Message")); diff != "" {
		t.Errorf("after rollback (-version 1 +latest):\n%s", diff)
	}
	if vs, _ := s.Versions(ctx, "pets"); len(vs) != 3 {
		t.Errorf("rollback rewrote history: %d versions, want 3", len(vs))
	}
}

func testReopen(t *testing.T, h harness) {
	dsn := h.NewDSN(t)
	s, err := h.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Create(t.Context(), NewAPI("pets"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Opening again applies no migration twice and finds everything.
	s2 := h.open(t, dsn)
	got, err := s2.Get(t.Context(), "pets")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reopening (-before +after):\n%s", diff)
	}
}

func testLargeSpec(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	a := NewAPI("big")
	a.Spec.Data = bytes.Repeat([]byte("# padding line of a large OpenAPI document\n"), 200_000) // ~8.6 MB
	a.Compiled = bytes.Repeat([]byte{0, 1, 2, 0xfe}, 1<<20)
	if _, err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // versions share the spec's bytes
		if _, err := s.Update(ctx, "big", 0, func(a *store.API) error { a.Message = fmt.Sprint(i); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetVersion(ctx, "big", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Spec.Data, a.Spec.Data) || !bytes.Equal(got.Compiled, a.Compiled) {
		t.Error("large spec or compiled form did not round-trip")
	}
}

func next(t *testing.T, ch <-chan store.Change) store.Change {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("the feed closed")
		}
		return c
	case <-time.After(15 * time.Second):
		t.Fatal("no change on the feed after 15s")
	}
	return store.Change{}
}

func expectChanges(t *testing.T, ch <-chan store.Change, want ...store.Change) {
	t.Helper()
	var got []store.Change
	for range want {
		got = append(got, next(t, ch))
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(store.Change{}, "Seq", "At")); diff != "" {
		t.Errorf("feed (-want +got):\n%s", diff)
	}
	// Commit times: set, on this machine's clock, in feed order.
	now := time.Now()
	for i, c := range got {
		if c.Kind == store.ChangeResync {
			continue
		}
		if c.At.IsZero() || c.At.After(now) || now.Sub(c.At) > time.Minute {
			t.Errorf("change %d committed at %v, want a time in the last minute (now %v)", i, c.At, now)
		}
		if i > 0 && c.At.Before(got[i-1].At) {
			t.Errorf("change %d committed at %v, before change %d (%v)", i, c.At, i-1, got[i-1].At)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq != got[i-1].Seq+1 {
			t.Errorf("feed sequence numbers not consecutive: %v", got)
		}
	}
}

func testFeed(t *testing.T, h harness) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	if _, err := s.Create(ctx, NewAPI("before")); err != nil { // not on the feed
		t.Fatal(err)
	}
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch2, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "pets", 0, func(a *store.API) error { a.Message = "2"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "pets", 1, func(a *store.API) error { return nil }); err == nil {
		t.Fatal("stale update succeeded")
	}
	if err := s.Delete(ctx, "before", 0); err != nil {
		t.Fatal(err)
	}
	want := []store.Change{
		{Kind: store.ChangePut, Name: "pets", Version: 1},
		{Kind: store.ChangePut, Name: "pets", Version: 2},
		{Kind: store.ChangeDelete, Name: "before"},
	}
	expectChanges(t, ch, want...)
	expectChanges(t, ch2, want...)
}

func testFeedSecondConnection(t *testing.T, h harness) {
	s1, dsn := h.fresh(t)
	s2 := h.open(t, dsn)
	ctx := t.Context()
	ch, err := s2.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := s1.Create(ctx, NewAPI("pets")); err != nil {
		t.Fatal(err)
	}
	expectChanges(t, ch, store.Change{Kind: store.ChangePut, Name: "pets", Version: 1})
	t.Logf("change seen by a second connection after %v", time.Since(start))
	if a, err := s2.Get(ctx, "pets"); err != nil || a.Version != 1 {
		t.Errorf("second connection Get = %v, %v", a, err)
	}
}

func testFeedSecondProcess(t *testing.T, h harness) {
	if !helperInstalled {
		t.Fatal("the backend's TestMain must call storetest.HelperMain")
	}
	s, dsn := h.fresh(t)
	ctx := t.Context()
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWriterDSN+"="+dsn, envWriterName+"=from-child")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("writer process: %v\n%s", err, out)
	}
	start := time.Now()
	expectChanges(t, ch, store.Change{Kind: store.ChangePut, Name: "from-child", Version: 1})
	t.Logf("change by a second process seen %v after it exited", time.Since(start))
	if _, err := s.Get(ctx, "from-child"); err != nil {
		t.Error(err)
	}
}

func testWatchEnds(t *testing.T, h harness) {
	dsn := h.NewDSN(t)
	s, err := h.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitClosed(t, ch, "after its context ended")
	ch2, err := s.Watch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ch2, "after Close")
	if _, err := s.Watch(t.Context()); err == nil {
		t.Error("Watch after Close succeeded")
	}
}

func waitClosed(t *testing.T, ch <-chan store.Change, when string) {
	t.Helper()
	select {
	case _, ok := <-ch:
		if ok {
			t.Errorf("unexpected change %s", when)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the feed was not closed %s", when)
	}
}
