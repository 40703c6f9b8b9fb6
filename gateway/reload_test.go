package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// pollInterval is the reload interval of these tests, below the 1s the
// configuration accepts.
const pollInterval = 50 * time.Millisecond

const (
	reloadsOK  = `rest2mcp_reloads_total{api="petstore",result="ok"}`
	reloadsErr = `rest2mcp_reloads_total{api="petstore",result="error"}`
)

// specEdits returns a writable copy of the petstore spec and the contents
// used by the tests: the original, one without deletePet, and two broken
// documents with different errors.
type specEdits struct {
	path, orig, smaller, broken, otherBroken string
}

func newSpecEdits(t *testing.T) specEdits {
	t.Helper()
	orig, err := os.ReadFile(petstoreSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	e := specEdits{
		path:        filepath.Join(t.TempDir(), "petstore.yaml"),
		orig:        string(orig),
		smaller:     strings.Replace(string(orig), "    delete:\n      operationId: deletePet", "    x-removed:\n      operationId: deletePet", 1),
		broken:      "this is: [not, an openapi document",
		otherBroken: "openapi: 3.0.3\npaths: [\n",
	}
	if e.smaller == e.orig {
		t.Fatal("the petstore spec no longer has the deletePet operation the tests remove")
	}
	e.write(t, e.orig)
	return e
}

func (e specEdits) write(t *testing.T, content string) {
	t.Helper()
	// Write and rename, so that a poll never sees a half-written file
	// (which would count as one more failed reload).
	tmp := e.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, e.path); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every small tick until it holds or 10s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startWatch runs the polling loop until the test ends.
func startWatch(t *testing.T, g *Gateway) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.watchFiles(ctx, pollInterval)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func TestWatchReloadsEditedSpec(t *testing.T) {
	e := newSpecEdits(t)
	g, srv := testGateway(t, &config.Config{Metrics: true, APIs: []config.API{{Name: "petstore", Spec: e.path}}})
	url := srv.URL + "/mcp/petstore"
	tools := func() []string { return toolNames(t, modern(t, url, "", "tools/list", nil)) }
	metric := func(name string) float64 { return scrape(t, srv.URL+"/metrics")[name] }
	startWatch(t, g)

	e.write(t, e.smaller)
	eventually(t, "the edit is served", func() bool { return len(tools()) == 3 })
	if diff := cmp.Diff([]string{"createPet", "getPet", "listPets"}, tools()); diff != "" {
		t.Fatalf("after the edit (-want +got):\n%s", diff)
	}

	e.write(t, e.broken)
	eventually(t, "the broken edit is tried", func() bool { return metric(reloadsErr) == 1 })
	if n := len(tools()); n != 3 {
		t.Fatalf("after a broken edit: %d tools, want the previous 3", n)
	}

	e.write(t, e.orig)
	eventually(t, "the repaired spec is served", func() bool { return len(tools()) == 4 })
	want := map[string]float64{reloadsOK: 2, reloadsErr: 1}
	if diff := cmp.Diff(want, pick(scrape(t, srv.URL+"/metrics"), want)); diff != "" {
		t.Errorf("reloads (-want +got):\n%s", diff)
	}
}

func TestWatcherPoll(t *testing.T) {
	e := newSpecEdits(t)
	g, srv := testGateway(t, &config.Config{Metrics: true, APIs: []config.API{{Name: "petstore", Spec: e.path}}})
	a, _ := g.API("petstore")
	var logs bytes.Buffer
	a.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	w := newWatcher(g)
	ctx := t.Context()
	pollN := func(n int) {
		for range n {
			w.poll(ctx)
		}
	}
	errorLogs := func() int { return strings.Count(logs.String(), "level=ERROR") }

	t.Run("unchanged file: no reload", func(t *testing.T) {
		before := a.snap.Load()
		pollN(3)
		if a.snap.Load() != before {
			t.Fatal("polling an unchanged spec replaced the snapshot")
		}
	})
	t.Run("broken edit: tried and logged once, old snapshot kept", func(t *testing.T) {
		before := a.snap.Load()
		e.write(t, e.broken)
		pollN(3)
		if a.snap.Load() != before {
			t.Fatal("a broken spec replaced the snapshot")
		}
		if n := errorLogs(); n != 1 {
			t.Fatalf("%d error logs after 3 polls of one broken file, want 1:\n%s", n, logs.String())
		}
	})
	t.Run("another broken edit: tried again, logged again", func(t *testing.T) {
		e.write(t, e.otherBroken)
		pollN(2)
		if n := errorLogs(); n != 2 {
			t.Fatalf("%d error logs, want 2:\n%s", n, logs.String())
		}
	})
	t.Run("good edit: reloaded once", func(t *testing.T) {
		before := a.snap.Load()
		e.write(t, e.smaller)
		pollN(1)
		after := a.snap.Load()
		if after == before || len(after.list) != 3 {
			t.Fatalf("good edit not picked up: %d tools", len(after.list))
		}
		pollN(2)
		if a.snap.Load() != after {
			t.Fatal("the snapshot was rebuilt although nothing changed")
		}
		if !strings.Contains(logs.String(), "level=INFO msg=reloaded") {
			t.Errorf("no Info record for the reload:\n%s", logs.String())
		}
	})
	want := map[string]float64{reloadsOK: 1, reloadsErr: 2}
	if diff := cmp.Diff(want, pick(scrape(t, srv.URL+"/metrics"), want)); diff != "" {
		t.Errorf("reloads (-want +got):\n%s", diff)
	}
}

func TestWatcherPolicyFile(t *testing.T) {
	as := oidctest.New(t, nil)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	writePolicy := func(scope string) {
		if err := os.WriteFile(policy, []byte("baselineScopes: ["+scope+"]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writePolicy("pets:read")
	g, _ := testGateway(t, &config.Config{APIs: []config.API{{
		Name:       "petstore",
		Auth:       &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
		PolicyFile: policy,
	}}})
	a, _ := g.API("petstore")
	w := newWatcher(g)
	if diff := cmp.Diff([]string{"pets:read"}, a.baseline()); diff != "" {
		t.Fatalf("initial baseline (-want +got):\n%s", diff)
	}
	writePolicy("pets:everything")
	w.poll(t.Context())
	if diff := cmp.Diff([]string{"pets:everything"}, a.baseline()); diff != "" {
		t.Fatalf("baseline after editing the policy file (-want +got):\n%s", diff)
	}
}

func TestURLSpecNotPolled(t *testing.T) {
	a := &API{cfg: config.API{Spec: "https://specs.example.com/petstore.yaml", PolicyFile: "policy.yaml"}}
	if got := a.stampFiles(); len(got) != 0 {
		t.Fatalf("stamps of a URL spec without auth: %v, want none", got)
	}
}

func TestRunStopsWatchLoop(t *testing.T) {
	e := newSpecEdits(t)
	cfg := &config.Config{Listen: "127.0.0.1:0", ReloadInterval: config.Duration(time.Second), APIs: []config.API{{Name: "petstore", Spec: e.path}}}
	g, _ := testGateway(t, cfg)
	// Validation accepts 1s at least; poll faster to keep the test short.
	g.cfg.ReloadInterval = config.Duration(pollInterval)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan net.Addr, 1)
	runErr := make(chan error, 1)
	go func() { runErr <- g.Run(ctx, func(addr net.Addr) { addrc <- addr }) }()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-runErr:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not start listening")
	}
	url := "http://" + addr.String() + "/mcp/petstore"

	e.write(t, e.smaller)
	eventually(t, "Run's loop reloads the edit", func() bool {
		return len(toolNames(t, modern(t, url, "", "tools/list", nil))) == 3
	})

	cancel()
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, ".watchFiles(") {
		t.Fatalf("the polling loop outlived Run:\n%s", stacks)
	}
}
