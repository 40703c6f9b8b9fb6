package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDemoStoredPetstore: rest2mcp demo serves the Petstore as a stored
// API — listed as editable in the registry, its tools served and callable,
// an operation edit served at once.
func TestDemoStoredPetstore(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f := serveFlags{listen: "127.0.0.1:0", logLevel: "error", logFormat: "text"}
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, f, io.Discard, func(string) (string, bool) { return "", false }, func(a net.Addr) { addr <- a })
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("demo: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not start")
	}
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, body := do("GET", "/admin/api/apis/petstore", "")
	var rec struct {
		Version  int64 `json:"version"`
		ReadOnly bool  `json:"readOnly"`
		Tools    int   `json:"tools"`
	}
	if err := json.Unmarshal([]byte(body), &rec); st != 200 || err != nil || rec.ReadOnly || rec.Tools != 4 || rec.Version != 1 {
		t.Fatalf("the demo's Petstore: %d %s", st, body)
	}
	if st, body := do("POST", "/mcp/petstore", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getPet","arguments":{"petId":1}}}`); st != 200 || strings.Contains(body, `"isError":true`) {
		t.Errorf("getPet: %d %s", st, body)
	}
	if st, body := do("PATCH", "/admin/api/apis/petstore/operations/deletePet", `{"enabled": false}`); st != 200 {
		t.Fatalf("disable deletePet: %d %s", st, body)
	}
	if _, body := do("POST", "/mcp/petstore", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); strings.Contains(body, "deletePet") || !strings.Contains(body, "getPet") {
		t.Errorf("after disabling deletePet, tools/list: %s", body)
	}
	if _, page := do("GET", "/apis/petstore", ""); !bytes.Contains([]byte(page), []byte("Save settings")) {
		t.Error("the demo's Petstore page has no edit forms")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v", err)
	}
}
