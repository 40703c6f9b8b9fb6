package gateway

import (
	"log/slog"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/rest2mcp/rest2mcp/store"
)

// feedLag returns the sample count and sum of the change-lag histogram.
func feedLag(t *testing.T, m *metrics) (uint64, float64) {
	t.Helper()
	var d dto.Metric
	if err := m.feedLag.Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetHistogram().GetSampleCount(), d.GetHistogram().GetSampleSum()
}

// TestChangeLagMetric: the lag is the time from a change's commit to its
// application; changes without a commit time are not counted and a commit
// time ahead of the replica's clock counts as no lag.
func TestChangeLagMetric(t *testing.T) {
	m, err := newMetrics(&Gateway{log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		c         store.Change
		wantCount uint64
		wantSum   float64
	}{
		{"put 2s ago", store.Change{Kind: store.ChangePut, Name: "a", At: now.Add(-2 * time.Second)}, 1, 2},
		{"delete 250ms ago", store.Change{Kind: store.ChangeDelete, Name: "a", At: now.Add(-250 * time.Millisecond)}, 2, 2.25},
		{"resync", store.Change{Kind: store.ChangeResync}, 2, 2.25},
		{"old row without a time", store.Change{Kind: store.ChangePut, Name: "a"}, 2, 2.25},
		{"writer's clock ahead", store.Change{Kind: store.ChangePut, Name: "a", At: now.Add(time.Second)}, 3, 2.25},
	} {
		m.changeApplied(tc.c, now)
		if n, sum := feedLag(t, m); n != tc.wantCount || sum != tc.wantSum {
			t.Errorf("after %s: %d samples, sum %v; want %d, %v", tc.name, n, sum, tc.wantCount, tc.wantSum)
		}
	}
}

// TestRegistryChangeLag: a change written to the store by another replica
// is applied by the feed loop and its lag recorded, between zero and the
// time the test took.
func TestRegistryChangeLag(t *testing.T) {
	e1 := newRegEnv(t, "", nil)
	e2 := newRegEnv(t, e1.dbPath, nil)
	e2.follow(t)
	start := time.Now()
	wantStatus(t, "upload", e1.upload(t, "POST", "/admin/api/apis", map[string]string{"name": "pets", "upstream": e1.upstream}, e1.spec, nil), 201)
	e2.waitTools(t, "pets", petTools)
	var n uint64
	var sum float64
	for deadline := time.Now().Add(10 * time.Second); n == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		n, sum = feedLag(t, e2.g.metrics)
	}
	if n != 1 || sum < 0 || sum > time.Since(start).Seconds() {
		t.Fatalf("replica recorded %d change lags summing %vs; want 1 within the %v the change took", n, sum, time.Since(start))
	}
	t.Logf("change applied by the replica %.3fs after its commit", sum)
}
