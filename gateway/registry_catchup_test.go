package gateway

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/sqlite"
)

// flakyStore fails Get with store.ErrUnavailable while down is set.
type flakyStore struct {
	store.Store
	down  atomic.Bool
	fails atomic.Int64
}

func (f *flakyStore) Get(ctx context.Context, name string) (*store.API, error) {
	if f.down.Load() {
		f.fails.Add(1)
		return nil, fmt.Errorf("flaky: %w", store.ErrUnavailable)
	}
	return f.Store.Get(ctx, name)
}

// TestRegistryCatchesUp: a change from another writer whose record cannot
// be read when its notification arrives (the store went away) is applied
// once the store is back, without any further change.
func TestRegistryCatchesUp(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "registry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	flaky := &flakyStore{Store: st}
	e := newRegEnvStore(t, flaky, nil)
	e.follow(t)
	wantStatus(t, "upload", e.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e.upstream}, e.spec, nil), 201)
	waitFor(t, func() bool { n, _ := feedLag(t, e.g.metrics); return n == 1 }) // the upload, applied
	flaky.down.Store(true)
	// Another replica disables deletePet (written to the same database,
	// not through this gateway).
	if _, err := st.Update(t.Context(), "pets", 0, func(a *store.API) error {
		off := false
		a.Operations = map[string]store.Operation{"DELETE /pets/{petId}": {Enabled: &off}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	written := time.Now() // after the change's commit time
	// Wait until the feed tried to read the change and failed.
	for deadline := time.Now().Add(10 * time.Second); flaky.fails.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the change was not read within 10s")
		}
	}
	if got := e.tools(t, "pets"); len(got) != 4 {
		t.Fatalf("while the store is down the served tools changed: %v", got)
	}
	back := time.Now()
	flaky.down.Store(false)
	d := e.waitTools(t, "pets", []string{"createPet", "getPet", "listPets"})
	t.Logf("caught up %v after the store came back", d)
	// The change's lag runs from its commit until it was finally served,
	// the outage included.
	waitFor(t, func() bool { n, _ := feedLag(t, e.g.metrics); return n == 2 })
	_, sum := feedLag(t, e.g.metrics)
	if outage := back.Sub(written); sum < outage.Seconds() {
		t.Errorf("lags sum to %.3fs; the caught-up change alone waited more than the %v outage", sum, outage)
	}
}
