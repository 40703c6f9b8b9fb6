package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// TestStatusUnavailable: a store that cannot be reached is 503, not 500.
func TestStatusUnavailable(t *testing.T) {
	err := fmt.Errorf("postgres store: get API %q: %w: connection refused", "pets", store.ErrUnavailable)
	if got := web.Status(err); got != http.StatusServiceUnavailable {
		t.Errorf("Status = %d, want 503", got)
	}
}
