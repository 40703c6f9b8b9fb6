package gateway

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestReadBodyTimesOutSlowBodies checks that a client sending its POST
// body slowly is cut off. The body is read before authentication and the
// server has no overall read timeout (it would cut SSE streams), so
// without a deadline an unauthenticated client could hold any number of
// connections and handler goroutines open by trickling bodies.
func TestReadBodyTimesOutSlowBodies(t *testing.T) {
	reached := make(chan struct{}, 1)
	srv := httptest.NewServer(&statusWriterHandler{readBody(1<<20, &bodyBudget{max: 64 << 20}, 200*time.Millisecond, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- struct{}{}
	}))})
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Declare 100 bytes, send 2, then stall.
	if _, err := conn.Write([]byte("POST /mcp/x HTTP/1.1\r\nHost: example\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"")); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", resp.StatusCode)
	}
	select {
	case <-reached:
		t.Error("a request with a stalled body reached the next stage")
	default:
	}
}

// statusWriterHandler serves through a statusWriter, as the gateway's
// chain does, so the deadline must be set through its Unwrap.
type statusWriterHandler struct{ next http.Handler }

func (h *statusWriterHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.next.ServeHTTP(&statusWriter{ResponseWriter: w}, r)
}
