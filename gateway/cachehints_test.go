package gateway

import (
	"testing"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

// TestToolsListCacheHints: tools/list publishes ttlMs and cacheScope in
// the protocol version that has them (2026-07-28) on every surface —
// direct tools, toolsets and discovery mode — private when the list
// depends on the caller (protected APIs), public otherwise; the legacy
// era has no such fields.
func TestToolsListCacheHints(t *testing.T) {
	as := oidctest.New(t, nil)
	auth := func() *authbridge.Config {
		return &authbridge.Config{Issuers: []authbridge.IssuerConfig{{Issuer: as.Issuer()}}}
	}
	_, srv := testGateway(t, &config.Config{APIs: []config.API{
		{Name: "direct"},
		{Name: "sets", Toolsets: &config.Toolsets{Auto: true}},
		{Name: "disc", Mode: config.ModeDiscovery},
		{Name: "pdirect", Auth: auth()},
		{Name: "psets", Auth: auth(), Toolsets: &config.Toolsets{Auto: true}},
		{Name: "pdisc", Auth: auth(), Mode: config.ModeDiscovery},
	}})
	for _, c := range []struct {
		path      string
		protected bool
	}{
		{"direct", false}, {"sets/more", false}, {"sets/more-readonly", false}, {"disc", false},
		{"pdirect", true}, {"psets/more", true}, {"psets/more-readonly", true}, {"pdisc", true},
	} {
		t.Run(c.path, func(t *testing.T) {
			url := srv.URL + "/mcp/" + c.path
			tok := ""
			if c.protected {
				tok = as.Mint(t, as.AccessClaims(url, "pets:read", "pets:write"))
			}
			wantScope := "public"
			if c.protected {
				wantScope = "private"
			}
			res := modern(t, url, tok, "tools/list", nil).result(t)
			if ttl, ok := res["ttlMs"].(float64); !ok || ttl <= 0 {
				t.Errorf("modern tools/list: ttlMs = %v", res["ttlMs"])
			}
			if res["cacheScope"] != wantScope {
				t.Errorf("modern tools/list: cacheScope = %v, want %s", res["cacheScope"], wantScope)
			}
			if len(res["tools"].([]any)) == 0 {
				t.Error("no tools")
			}
			old := legacy(t, url, tok, "tools/list", nil).result(t)
			if _, ok := old["ttlMs"]; ok {
				t.Errorf("legacy tools/list has ttlMs: %v", old)
			}
		})
	}
}
