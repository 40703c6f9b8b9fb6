package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// fixerRegistry offers readiness fixes and records the one applied.
type fixerRegistry struct {
	*fakeRegistry
	applied string
}

func (f *fixerRegistry) Readiness(ctx context.Context, name string) (*web.Readiness, error) {
	rd, err := f.fakeRegistry.Readiness(ctx, name)
	if err != nil {
		return nil, err
	}
	rd.Version = 3
	rd.Fixes = []web.Fix{{ID: "discovery", Label: "Switch to discovery mode", Tools: 4}, {ID: "include-tag:pets", Label: "Include only tag pets", Tools: 200}}
	return rd, nil
}

func (f *fixerRegistry) ApplyFix(_ context.Context, name, fix string, ifVersion int64) (*web.SpecChange, error) {
	if ifVersion != 3 {
		return nil, fmt.Errorf("fix: %w", store.ErrConflict)
	}
	f.applied = fix
	return &web.SpecChange{Version: 4, Tools: 4}, nil
}

func TestReadinessFixesPage(t *testing.T) {
	reg := &fixerRegistry{fakeRegistry: newFake()}
	srv := newServer(t, reg)
	_, body, _ := get(t, srv.URL+"/apis/pets/readiness")
	mustContain(t, body, "Reduce the tools", `value="discovery"`, "Switch to discovery mode</button> <small>4 tools (under the cap)</small>",
		"Include only tag pets</button> <small>200 tools</small>")
	form := url.Values{"fix": {"discovery"}, "version": {"3"}}
	if st, _, hdr := post(t, srv.URL+"/apis/pets/readiness", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil); st != 303 ||
		hdr.Get("Location") != "/apis/pets/readiness?fixed=4" || reg.applied != "discovery" {
		t.Errorf("apply: %d %q %q", st, hdr.Get("Location"), reg.applied)
	}
	form.Set("version", "2")
	if st, body, _ := post(t, srv.URL+"/apis/pets/readiness", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil); st != 412 || !strings.Contains(body, "nothing was changed") {
		t.Errorf("stale fix: %d", st)
	}
	// Without the service the page offers no fixes.
	_, body, _ = get(t, newServer(t, newFake()).URL+"/apis/pets/readiness")
	if strings.Contains(body, "Reduce the tools") {
		t.Error("fixes offered without a fixer")
	}
}
