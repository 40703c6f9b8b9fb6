package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// TestJSONRPCHygiene: every malformed message gets the JSON-RPC error the
// specification prescribes, with a clear message, in both eras.
func TestJSONRPCHygiene(t *testing.T) {
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "pets"}}})
	url := srv.URL + "/mcp/pets"
	call := func(id string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`
	}
	tests := []struct {
		name, body string
		code       int
		msg        string
		wantID     string
	}{
		{"object id", call(`{}`), -32600, `"id" must be a string or an integer`, "null"},
		{"array id", call(`[]`), -32600, `"id" must be a string or an integer`, "null"},
		{"boolean id", call(`true`), -32600, `"id" must be a string or an integer`, "null"},
		{"fractional id", call(`1.5`), -32600, `"id" must be a string or an integer, not 1.5`, "null"},
		{"exponent id", call(`1e3`), -32600, `"id" must be a string or an integer`, "null"},
		{"null id on a request", call(`null`), -32600, `"id" must not be null`, "null"},
		{"batch", `[` + call(`1`) + `]`, -32600, "batches are not supported", "null"},
		{"empty batch", `[]`, -32600, "batches are not supported", "null"},
		{"non-string method", `{"jsonrpc":"2.0","id":3,"method":123}`, -32600, `"method" must be a string`, "3"},
		{"not an object", `"tools/call"`, -32600, "must be a JSON object", "null"},
		{"malformed", `{"jsonrpc":"2.0","id":1,`, -32700, "not valid JSON", "null"},
		{"malformed batch", `[{"jsonrpc":`, -32700, "not valid JSON", "null"},
		{"empty body", ``, -32700, "empty", "null"},
	}
	for _, era := range []struct {
		name string
		h    http.Header
	}{
		{"legacy", http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}},
		{"modern", http.Header{"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"getPet"}}},
	} {
		for _, tc := range tests {
			t.Run(era.name+" "+tc.name, func(t *testing.T) {
				r := postRaw(t, url, "", era.h, []byte(tc.body))
				var msg struct {
					ID    json.RawMessage `json:"id"`
					Error struct {
						Code    int    `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal(r.raw, &msg); err != nil {
					t.Fatalf("answer is not JSON (%v): HTTP %d %s", err, r.status, r.raw)
				}
				if r.status != http.StatusBadRequest || msg.Error.Code != tc.code || !strings.Contains(msg.Error.Message, tc.msg) || string(msg.ID) != tc.wantID {
					t.Errorf("got HTTP %d %s; want 400, code %d, message with %q, id %s", r.status, r.raw, tc.code, tc.msg, tc.wantID)
				}
			})
		}
	}
}

// TestIDsEchoedByteForByte: ids come back exactly as sent, on the fast
// path and through mcp-go (tools/list), including integers beyond 2^53.
func TestIDsEchoedByteForByte(t *testing.T) {
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "pets"}}})
	url := srv.URL + "/mcp/pets"
	h := http.Header{"Mcp-Protocol-Version": {"2025-11-25"}}
	for _, id := range []string{`9007199254740993`, `-9007199254740993`, `123456789012345678901234567890`, `"a\u00e9"`, `"<&>"`, `7`, `"x"`} {
		for _, body := range []string{
			`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`,
			`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/list"}`,
			`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"nope"}}`,
		} {
			r := postRaw(t, url, "", h, []byte(body))
			if !bytes.HasPrefix(r.raw, []byte(`{"jsonrpc":"2.0","id":`+id+`,`)) {
				t.Errorf("%s: id not echoed: %.120s", body, r.raw)
			}
		}
	}
}

// TestMethodsOtherThanPOST: 405 with Allow and a JSON body; GET never
// opens a stream.
func TestMethodsOtherThanPOST(t *testing.T) {
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "pets"}}})
	url := srv.URL + "/mcp/pets"
	client := &http.Client{Timeout: 5 * time.Second}
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, "PROPFIND"} {
		t.Run(m, func(t *testing.T) {
			req, _ := http.NewRequest(m, url, nil)
			req.Header.Set("Accept", "text/event-stream, application/json")
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
				t.Fatalf("HTTP %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
			}
			if m == http.MethodHead {
				return
			}
			if resp.Header.Get("Content-Type") != "application/json" || !json.Valid(b) || !bytes.Contains(b, []byte(m)) {
				t.Errorf("body %q (%s)", b, resp.Header.Get("Content-Type"))
			}
		})
	}
}

// TestBodyBudget: over the global budget a request is answered 503 with
// Retry-After before its body is read, and the budget is given back.
func TestBodyBudget(t *testing.T) {
	g, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "pets"}}, MaxBodyBytes: 64 << 10, MaxTotalBodyBytes: 100 << 10})
	url := srv.URL + "/mcp/pets"
	// Hold 64 KiB of the budget with a body that is still arriving.
	pr, pw := io.Pipe()
	held := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, url, pr)
		req.ContentLength = 60 << 10
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		held <- err
	}()
	_, _ = pw.Write([]byte(" "))
	waitFor(t, func() bool { return g.budget.used.Load() >= 60<<10 })
	big := bytes.Repeat([]byte(" "), 50<<10)
	r := postRaw(t, url, "", nil, append(big, []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)...))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !bytes.Contains(r.raw, []byte("busy")) {
		t.Fatalf("over budget: HTTP %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.raw)
	}
	small := legacy(t, url, "", "tools/list", nil)
	if small.status != http.StatusOK {
		t.Fatalf("a body within the budget: HTTP %d %s", small.status, small.raw)
	}
	pw.CloseWithError(io.ErrUnexpectedEOF)
	<-held
	waitFor(t, func() bool { return g.budget.used.Load() == 0 })
	if r := postRaw(t, url, "", nil, append(big, []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)...)); r.status != http.StatusOK {
		t.Fatalf("after release: HTTP %d %s", r.status, r.raw)
	}
}

// TestAuthenticatesBeforeReadingTheBody: without a valid token the answer
// comes while the body is still being sent, and nothing of it is held.
func TestAuthenticatesBeforeReadingTheBody(t *testing.T) {
	as, base := protectedGateway(t, nil, nil)
	url := base + "/mcp/petstore"
	forged := as.Mint(t, as.AccessClaims(url, "pets:read"), oidctestForeignKey())
	for _, tc := range []struct{ name, auth string }{
		{"no token", ""},
		{"malformed header", "Bearer a b"},
		{"forged token", "Bearer " + forged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close()
			req, _ := http.NewRequest(http.MethodPost, url, pr)
			req.ContentLength = 4 << 20
			req.Header.Set("Content-Type", "application/json")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			go func() { _, _ = pw.Write([]byte(`{"jsonrpc":"2.0",`)) }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp, err := http.DefaultClient.Do(req.WithContext(ctx))
			if err != nil {
				t.Fatalf("no answer before the body was sent: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("HTTP %d", resp.StatusCode)
			}
		})
	}
}

// TestShutdownDrainsCalls: on shutdown an in-flight call completes, idle
// clients do not hold the server, and Run returns nil promptly.
func TestShutdownDrainsCalls(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	slowUp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if once.CompareAndSwap(false, true) {
			close(arrived)
		}
		<-release
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":1,"name":"Rex"}`)
	})
	up := newLocalServer(t, slowUp)
	cfg := &config.Config{Listen: "127.0.0.1:0", APIs: []config.API{{Name: "pets", Spec: petstoreSpec(t), Upstream: up + "/v1"}}}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	g, err := New(context.Background(), Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, func(a net.Addr) { addr <- a }) }()
	url := "http://" + (<-addr).String() + "/mcp/pets"
	// An idle keep-alive client and a GET that, before, opened a stream.
	_ = legacy(t, url, "", "tools/list", nil)
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
	}
	result := make(chan rpc, 1)
	go func() {
		result <- legacy(t, url, "", "tools/call", map[string]any{"name": "getPet", "arguments": map[string]any{"petId": 1}})
	}()
	<-arrived
	start := time.Now()
	stop()
	// The listener closes at once; the call is still running.
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/mcp/pets"))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	close(release)
	if r := <-result; r.status != http.StatusOK || r.body["result"] == nil {
		t.Fatalf("in-flight call: HTTP %d %s", r.status, r.raw)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	t.Logf("shutdown took %s", time.Since(start))
}

// waitFor polls cond until it holds, failing after 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// newLocalServer serves h on loopback for the test and returns its URL.
func newLocalServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func oidctestForeignKey() oidctest.MintOption { return oidctest.WithForeignKey() }

// TestPlainIDKey: the shortcut agrees with the decoding it replaces.
func TestPlainIDKey(t *testing.T) {
	for _, raw := range []string{`1`, `0`, `-7`, `999999`, `100000`, `"abc"`, `""`, `"a b"`} {
		k, ok := plainIDKey(json.RawMessage(raw))
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		if !ok || k != fmt.Sprint(v) {
			t.Errorf("%s: %q %v, want %q", raw, k, ok, fmt.Sprint(v))
		}
	}
	for _, raw := range []string{`1000000`, `"a\u00e9"`, `"é"`, `-0`, `1.5`} {
		if _, ok := plainIDKey(json.RawMessage(raw)); ok {
			t.Errorf("%s taken by the shortcut", raw)
		}
	}
}

// TestReadLimitedChunked: bodies of unknown length are read in reserved
// steps, bounded by the request limit and by the budget.
func TestReadLimitedChunked(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 100<<10)
	tests := []struct {
		name          string
		limit, budget int64
		want          error
	}{
		{"fits", 1 << 20, 1 << 20, nil},
		{"over the request limit", 64 << 10, 1 << 20, &http.MaxBytesError{}},
		{"over the budget", 1 << 20, 40 << 10, errBudget},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &bodyBudget{max: tc.budget}
			bp, held, err := readLimited(io.MultiReader(bytes.NewReader(body)), -1, tc.limit, b)
			switch want := tc.want.(type) {
			case nil:
				if err != nil || !bytes.Equal(*bp, body) {
					t.Fatalf("err %v, %d bytes", err, len(*bp))
				}
			case *http.MaxBytesError:
				var mbe *http.MaxBytesError
				if !errors.As(err, &mbe) {
					t.Fatalf("err %v, want %T", err, want)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err %v, want %v", err, want)
				}
			}
			if held > tc.budget || b.used.Load() != held {
				t.Errorf("held %d of a %d budget (used %d)", held, tc.budget, b.used.Load())
			}
			b.give(held)
			if b.used.Load() != 0 {
				t.Errorf("budget not given back: %d", b.used.Load())
			}
		})
	}
}

// TestPreDispatchErrorsAreJSONRPC: a wrong Content-Type, an unsupported
// Mcp-Protocol-Version and a body without "jsonrpc":"2.0" are answered as
// JSON-RPC errors by the gateway, not in plain text by mcp-go.
func TestPreDispatchErrorsAreJSONRPC(t *testing.T) {
	_, srv := testGateway(t, &config.Config{APIs: []config.API{{Name: "pets"}}})
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	for _, tc := range []struct {
		name, ct, version, body string
		status, code            int
		msg, id                 string
	}{
		{"text/plain", "text/plain", "2025-11-25", list, 415, -32600, "Content-Type must be application/json", "null"},
		{"no content type", "", "2025-11-25", list, 415, -32600, "Content-Type must be application/json", "null"},
		{"unsupported version", "application/json", "1999-01-01", list, 400, -32022, `unsupported protocol version "1999-01-01"`, "1"},
		{"no jsonrpc (legacy)", "application/json", "2025-11-25", `{"id":1,"method":"tools/list"}`, 400, -32600, `"jsonrpc" must be "2.0"`, "1"},
		{"jsonrpc 1.0", "application/json", "2025-11-25", `{"jsonrpc":"1.0","id":2,"method":"tools/list"}`, 400, -32600, `"jsonrpc" must be "2.0"`, "2"},
		{"no jsonrpc (modern)", "application/json", "2026-07-28", `{"id":1,"method":"tools/list"}`, 400, -32600, `"jsonrpc" must be "2.0"`, "1"},
		{"charset allowed", "application/json; charset=utf-8", "2025-11-25", list, 200, 0, "", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp/pets", strings.NewReader(tc.body))
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", tc.version)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var msg struct {
				ID    json.RawMessage `json:"id"`
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
					Data    struct{ Supported []string }
				} `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
				t.Fatalf("HTTP %d, not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tc.status || msg.Error.Code != tc.code || !strings.Contains(msg.Error.Message, tc.msg) || string(msg.ID) != tc.id {
				t.Errorf("HTTP %d %+v id %s; want %d, code %d, %q, id %s", resp.StatusCode, msg.Error, msg.ID, tc.status, tc.code, tc.msg, tc.id)
			}
			if tc.code == -32022 && !slices.Contains(msg.Error.Data.Supported, "2025-11-25") {
				t.Errorf("supported versions not listed: %+v", msg.Error)
			}
		})
	}
}
