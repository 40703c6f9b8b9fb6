package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/store/postgres/pgtest"
)

// propagationBound is how long a change made through one replica may take
// to be served by another before the test fails. The goal is 1s (NOTIFY
// usually takes milliseconds; the 1s feed check is the safety net); the
// bound leaves room for a loaded CI machine, and the delays are logged.
const propagationBound = 5 * time.Second

// startReplica runs `rest2mcp serve --store dsn` on a free loopback port
// (no configured APIs: everything comes from the shared store).
func startReplica(t *testing.T, dsn string) *gateway {
	t.Helper()
	g := gatewayAt(freePort(t))
	g.proc = startProcess(t, "rest2mcp-replica", t.TempDir(), gatewayBinary, "serve",
		"--store", dsn, "--listen", strings.TrimPrefix(g.ListenURL, "http://"))
	g.waitReady(t)
	return g
}

// adminAnswer is one admin API exchange.
type adminAnswer struct {
	status int
	body   string
}

// admin sends an admin API request to g; body is JSON unless it is a
// multipart upload (contentType set).
func (g *gateway) admin(t *testing.T, method, path, contentType string, body io.Reader) adminAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, g.ListenURL+"/admin/api"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return adminAnswer{status: resp.StatusCode, body: string(b)}
}

func (g *gateway) adminJSON(t *testing.T, method, path string, v any) adminAnswer {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return g.admin(t, method, path, "application/json", bytes.NewReader(b))
}

// uploadSpec uploads the Petstore spec as the stored API petstore.
func (g *gateway) uploadSpec(t *testing.T, method, path string, fields map[string]string, spec []byte) adminAnswer {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("spec", "openapi.yaml")
	fw.Write(spec)
	mw.Close()
	return g.admin(t, method, path, mw.FormDataContentType(), &b)
}

// servedTools lists the tools g serves for petstore (nil when it serves
// no such API).
func servedTools(t *testing.T, g *gateway) []string {
	t.Helper()
	s := &mcpSession{url: g.MCPURL, version: modernVersion}
	r := s.call(t, "tools/list", nil)
	if r.Status != http.StatusOK || r.Result == nil {
		return nil
	}
	var res struct {
		Tools []tool `json:"tools"`
	}
	if err := json.Unmarshal(r.Result, &res); err != nil {
		t.Fatalf("tools/list result: %v", err)
	}
	return toolNames(res.Tools)
}

// waitServed waits until g serves exactly want and returns how long that
// took.
func waitServed(t *testing.T, g *gateway, want []string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := servedTools(t, g)
		if slices.Equal(got, want) {
			return time.Since(start)
		}
		if time.Since(start) > propagationBound {
			t.Fatalf("%s still serves %v after %v, want %v", g.ListenURL, got, propagationBound, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wantAdmin(t *testing.T, what string, a adminAnswer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: HTTP %d, want %d: %s", what, a.status, status, a.body)
	}
}

// TestReplicasPostgres runs two (then three) gateway processes on one
// PostgreSQL database: changes made through one are served by the others
// in both protocol eras; under round-robin load one replica is killed
// with SIGKILL (only its in-flight calls may fail); the database's
// connections are terminated mid-load (calls go on); during an outage of
// the database calls go on and writes answer 503 with a clear message,
// then succeed once it is back.
func TestReplicasPostgres(t *testing.T) {
	skipShort(t)
	dsn := pgtest.Database(t)
	db := pgtest.DatabaseName(dsn)
	upstream := startUpstream(t, nil)
	spec, err := os.ReadFile(petstoreSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	a, b := startReplica(t, dsn), startReplica(t, dsn)

	// Changes through either replica reach the other.
	wantAdmin(t, "upload through A", a.uploadSpec(t, "POST", "/apis", map[string]string{"name": apiName, "upstream": upstream}, spec), http.StatusCreated)
	t.Logf("B serves the upload %v after A stored it", waitServed(t, b, allTools))
	for _, version := range []string{modernVersion, legacyVersion} {
		s := &mcpSession{url: b.MCPURL, version: version}
		if !s.modern() {
			s.initialize(t)
		}
		checkToolsAndCalls(t, s)
	}
	wantAdmin(t, "disable deletePet through B", b.adminJSON(t, "PATCH", "/apis/"+apiName+"/operations/deletePet", map[string]any{"enabled": false}), http.StatusOK)
	t.Logf("A serves the operation edit %v after B stored it", waitServed(t, a, []string{"createPet", "getPet", "listPets"}))
	wantAdmin(t, "settings through A", a.adminJSON(t, "PATCH", "/apis/"+apiName, map[string]any{"upstream": upstream, "toolPrefix": "p_"}), http.StatusOK)
	t.Logf("B serves the settings edit %v after A stored it", waitServed(t, b, []string{"p_createPet", "p_getPet", "p_listPets"}))
	wantAdmin(t, "new spec version through B", b.uploadSpec(t, "PUT", "/apis/"+apiName+"/spec", nil, spec), http.StatusOK)
	wantAdmin(t, "policy through A", a.admin(t, "PUT", "/apis/"+apiName+"/policy", "application/yaml", strings.NewReader("visibility: all\n")), http.StatusOK)
	wantAdmin(t, "rollback to 1 through B", b.adminJSON(t, "POST", "/apis/"+apiName+"/rollback", map[string]any{"version": 1}), http.StatusOK)
	t.Logf("A serves the rollback %v after B stored it", waitServed(t, a, allTools))
	waitServed(t, b, allTools)

	// Round-robin load over A and B; B is killed with SIGKILL mid-load.
	lb := &balancer{backends: []*gateway{a, b}}
	load := startLoad(t, lb, 8)
	time.Sleep(time.Second)
	if err := b.proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-b.proc.done
	killedAt := time.Now()
	time.Sleep(time.Second)
	res := load.stop()
	t.Logf("kill: %d calls, %d on B failed (in flight at the kill)", res.calls, res.failed[1])
	if res.failed[0] != 0 {
		t.Errorf("the survivor failed %d calls: %v", res.failed[0], res.errs)
	}
	if res.failed[1] > 8 {
		t.Errorf("%d calls on the killed replica failed; at most the 8 workers' in-flight calls may: %v", res.failed[1], res.errs)
	}
	if res.okAfter[0] == 0 {
		t.Errorf("the survivor served nothing after the kill (at %v)", killedAt)
	}

	// A new replica C joins from the store; connections to the database are
	// terminated mid-load: calls go on, and a change made right after is
	// served by the others.
	c := startReplica(t, dsn)
	waitServed(t, c, allTools)
	lb = &balancer{backends: []*gateway{a, c}}
	load = startLoad(t, lb, 8)
	time.Sleep(300 * time.Millisecond)
	n, err := pgtest.Terminate(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("terminated %d connections to %s", n, db)
	edit := retryWrite(t, func() adminAnswer {
		return c.adminJSON(t, "PATCH", "/apis/"+apiName+"/operations/createPet", map[string]any{"enabled": false})
	})
	t.Logf("the edit after the termination took %d attempt(s)", edit)
	t.Logf("A serves C's edit %v after it was stored (its connections were terminated)", waitServed(t, a, []string{"deletePet", "getPet", "listPets"}))
	time.Sleep(300 * time.Millisecond)
	if res := load.stop(); res.failed[0]+res.failed[1] != 0 {
		t.Errorf("terminating the database connections failed %d of %d calls: %v", res.failed[0]+res.failed[1], res.calls, res.errs)
	}

	// An outage of the database: calls go on from memory, writes answer
	// 503 with a clear message and change nothing; once the database is
	// back, writes succeed and every replica serves them.
	load = startLoad(t, lb, 8)
	time.Sleep(200 * time.Millisecond)
	restore, err := pgtest.Outage(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	restored := false
	t.Cleanup(func() {
		if !restored {
			_ = restore(context.Background())
		}
	})
	for _, g := range []*gateway{a, c} {
		w := g.adminJSON(t, "PATCH", "/apis/"+apiName+"/operations/createPet", map[string]any{"enabled": true})
		if w.status != http.StatusServiceUnavailable || !strings.Contains(w.body, "registry store (database) is unavailable") {
			t.Errorf("write during the outage: HTTP %d %s, want 503 naming the unavailable store", w.status, w.body)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if err := restore(t.Context()); err != nil {
		t.Fatal(err)
	}
	restored = true
	tries := retryWrite(t, func() adminAnswer {
		return a.adminJSON(t, "PATCH", "/apis/"+apiName+"/operations/createPet", map[string]any{"enabled": true})
	})
	t.Logf("the first write after the outage took %d attempt(s)", tries)
	t.Logf("C serves A's edit %v after the outage", waitServed(t, c, allTools))
	res = load.stop()
	t.Logf("outage: %d calls", res.calls)
	if res.failed[0]+res.failed[1] != 0 {
		t.Errorf("the database outage failed %d of %d calls: %v", res.failed[0]+res.failed[1], res.calls, res.errs)
	}
	var vs struct {
		Versions []map[string]any `json:"versions"`
	}
	if v := a.admin(t, "GET", "/apis/"+apiName+"/versions", "", nil); v.status != http.StatusOK || json.Unmarshal([]byte(v.body), &vs) != nil {
		t.Fatalf("versions: %d %s", v.status, v.body)
	}
	versions := vs.Versions
	// upload, operation, settings, spec, policy, rollback, createPet off,
	// createPet on: the refused writes added nothing.
	if len(versions) != 8 {
		t.Errorf("%d versions after the outage, want 8 (refused writes must add none): %v", len(versions), versions)
	}
}

// retryWrite repeats a write while it answers 503 (the store reconnecting),
// for a bounded time, and returns the number of attempts.
func retryWrite(t *testing.T, write func() adminAnswer) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for n := 1; ; n++ {
		w := write()
		switch {
		case w.status == http.StatusOK:
			return n
		case w.status == http.StatusServiceUnavailable && time.Now().Before(deadline):
			time.Sleep(100 * time.Millisecond)
		default:
			t.Fatalf("write: HTTP %d %s", w.status, w.body)
		}
	}
}

// balancer sends calls round-robin to the backends it believes alive, as
// a load balancer with passive health checks does: a backend whose
// connection fails is taken out.
type balancer struct {
	backends []*gateway
	next     atomic.Uint64
	mu       sync.Mutex
	down     map[int]bool
}

func (l *balancer) pick() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range l.backends {
		i := int(l.next.Add(1) % uint64(len(l.backends)))
		if !l.down[i] {
			return i
		}
	}
	return 0
}

func (l *balancer) markDown(i int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down == nil {
		l.down = map[int]bool{}
	}
	l.down[i] = true
}

// loadResult counts one load run per backend.
type loadResult struct {
	calls   int
	failed  [2]int
	okAfter [2]int // successful calls after the first failure anywhere
	errs    []string
}

type loadRun struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	res    loadResult
}

// startLoad runs workers that call listPets (2026-07-28, stateless)
// through lb until stop.
func startLoad(t *testing.T, lb *balancer, workers int) *loadRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	run := &loadRun{cancel: cancel}
	client := &http.Client{Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": "listPets", "arguments": map[string]any{"limit": 1}, "_meta": modernMeta()}})
	sawFailure := false
	for range workers {
		run.wg.Go(func() {
			for ctx.Err() == nil {
				i := lb.pick()
				err := loadCall(ctx, client, lb.backends[i].MCPURL, body)
				if ctx.Err() != nil {
					return
				}
				run.mu.Lock()
				run.res.calls++
				if err != nil {
					run.res.failed[i]++
					sawFailure = true
					if len(run.res.errs) < 5 {
						run.res.errs = append(run.res.errs, fmt.Sprintf("%s: %v", lb.backends[i].ListenURL, err))
					}
					run.mu.Unlock()
					lb.markDown(i)
					continue
				}
				if sawFailure {
					run.res.okAfter[i]++
				}
				run.mu.Unlock()
			}
		})
	}
	return run
}

func (r *loadRun) stop() loadResult {
	r.cancel()
	r.wg.Wait()
	return r.res
}

// loadCall makes one tools/call and checks that it succeeded.
func loadCall(ctx context.Context, client *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", modernVersion)
	req.Header.Set("Mcp-Method", "tools/call")
	req.Header.Set("Mcp-Name", "listPets")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	r := rpcReply{Status: resp.StatusCode, Header: resp.Header, Body: b}
	r.decode()
	if r.Status != http.StatusOK || r.Error != nil || r.Result == nil || bytes.Contains(r.Result, []byte(`"isError":true`)) {
		return fmt.Errorf("%v", r)
	}
	return nil
}
