package gateway

import (
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// callGate holds an upstream request until it is released or cancelled.
type callGate struct {
	started, release, cancelled chan struct{}
}

// TestCancellationIsScopedToTheCaller checks that notifications/cancelled
// only reaches the sender's own in-flight request. mcp-go keys in-flight
// requests by session and JSON-RPC id, and a stateless server gives every
// request the same empty session, so without the gateway's own handling
// any caller (even one without scopes) could cancel every other caller's
// tool calls by sending small request ids.
func TestCancellationIsScopedToTheCaller(t *testing.T) {
	var gates sync.Map // pet ID → *callGate
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := gates.Load(path.Base(r.URL.Path))
		if !ok {
			http.NotFound(w, r)
			return
		}
		g := v.(*callGate)
		close(g.started)
		select {
		case <-r.Context().Done():
			close(g.cancelled)
			return
		case <-g.release:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":1,"name":"Rex","tag":"dog"}`))
	}))
	t.Cleanup(up.Close)
	as := oidctest.New(t, nil)
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{
		Name: "petstore", Upstream: up.URL + "/v1",
		Auth: &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}},
	}}})
	url := srv.URL + "/mcp/petstore"
	alice, bob := as.AccessClaims(url, "pets:read"), as.AccessClaims(url)
	alice["sub"], bob["sub"] = "alice", "bob"
	aliceTok, bobTok := as.Mint(t, alice), as.Mint(t, bob)
	legacyHeader := http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}

	// start begins a getPet call of alice (JSON-RPC id 1) that the
	// upstream holds; it returns the gate and the call's outcome.
	pet := 0
	start := func(t *testing.T, call func(*testing.T, string, string, string, map[string]any) rpc) (*callGate, chan rpc) {
		t.Helper()
		pet++
		g := &callGate{started: make(chan struct{}), release: make(chan struct{}), cancelled: make(chan struct{})}
		gates.Store(strconv.Itoa(pet), g)
		done := make(chan rpc, 1)
		args := map[string]any{"name": "getPet", "arguments": map[string]any{"petId": pet}}
		go func() { done <- call(t, url, aliceTok, "tools/call", args) }()
		select {
		case <-g.started:
		case <-time.After(5 * time.Second):
			t.Fatal("the call did not reach the upstream")
		}
		return g, done
	}

	eras := []struct {
		name string
		call func(*testing.T, string, string, string, map[string]any) rpc
	}{{"modern", modern}, {"legacy", legacy}}
	for _, era := range eras {
		t.Run(era.name+": another caller's cancellation is ignored", func(t *testing.T) {
			g, done := start(t, era.call)
			for _, body := range []string{
				`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`,
				`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"1"}}`,
				// A body the gateway's JSON-RPC peek cannot decode must not
				// reach mcp-go's unscoped cancellation either.
				`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"name":5}}`,
				`{"jsonrpc":"2.0","id":null,"method":"notifications/cancelled","params":{"requestId":1}}`,
			} {
				if r := postRaw(t, url, bobTok, legacyHeader, []byte(body)); r.status != http.StatusAccepted {
					t.Errorf("%s: status %d, want 202: %s", body, r.status, r.raw)
				}
			}
			close(g.release)
			if r := <-done; r.result(t)["isError"] == true {
				t.Fatalf("alice's call was cancelled by bob: %s", r.raw)
			}
		})
		t.Run(era.name+": the caller's own cancellation works", func(t *testing.T) {
			g, done := start(t, era.call)
			defer close(g.release)
			r := postRaw(t, url, aliceTok, legacyHeader, []byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`))
			if r.status != http.StatusAccepted {
				t.Errorf("status %d, want 202: %s", r.status, r.raw)
			}
			select {
			case <-g.cancelled:
			case <-time.After(5 * time.Second):
				t.Fatal("alice's own cancellation did not cancel her call")
			}
			<-done
		})
	}
}
