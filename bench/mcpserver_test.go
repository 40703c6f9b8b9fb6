package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// newMCPHandler returns a stateless mcp-go Streamable HTTP handler with a
// getPet tool. When upstream is not empty, getPet GETs
// {upstream}/pets/{petId} (like the gateway); otherwise it answers itself.
// petId 404 gives an isError result either way.
func newMCPHandler(upstream string) http.Handler {
	s := server.NewMCPServer("bench-test", "1", server.WithToolCapabilities(false))
	hc := &http.Client{Timeout: 10 * time.Second}
	s.AddTool(mcp.NewTool("getPet",
		mcp.WithDescription("Get a pet by ID."),
		mcp.WithNumber("petId", mcp.Required(), mcp.Description("The pet ID.")),
	), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		id, err := req.RequireFloat("petId")
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		if id == 404 {
			return mcp.NewToolResultError("pet not found"), nil
		}
		if upstream == "" {
			return mcp.NewToolResultText(fmt.Sprintf(`{"id":%d,"name":"Rex"}`, int(id))), nil
		}
		hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream+"/pets/"+strconv.Itoa(int(id)), nil)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(hreq)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			return mcp.NewToolResultError(fmt.Sprintf("upstream status %d", resp.StatusCode)), nil
		}
		return mcp.NewToolResultText(string(b)), nil
	})
	s.AddTool(mcp.NewTool("listPets", mcp.WithDescription("List pets.")),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(`[]`), nil
		})
	return server.NewStreamableHTTPServer(s, server.WithStateLess(true))
}

// headerLog records the request headers seen by a handler.
type headerLog struct {
	mu      sync.Mutex
	headers []http.Header
}

func (l *headerLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.headers = append(l.headers, r.Header.Clone())
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *headerLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.headers)
}

func (l *headerLog) last() http.Header {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.headers) == 0 {
		return nil
	}
	return l.headers[len(l.headers)-1]
}

// newMCPServer serves newMCPHandler("") on a loopback test server, the
// MCP endpoint being the server's root URL, with a header log.
func newMCPServer(t *testing.T) (*httptest.Server, *headerLog) {
	t.Helper()
	log := &headerLog{}
	srv := httptest.NewServer(log.wrap(newMCPHandler("")))
	t.Cleanup(srv.Close)
	return srv, log
}
