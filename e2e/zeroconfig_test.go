package e2e

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestZeroConfig starts the gateway from flags only
// (`rest2mcp serve --spec … --upstream … --name … --listen …`), first
// unauthenticated on loopback, then protected by an issuer.
func TestZeroConfig(t *testing.T) {
	skipShort(t)
	t.Parallel()
	upstream := startUpstream(t, nil)

	serve := func(t *testing.T, g *gateway, extra ...string) {
		t.Helper()
		argv := append([]string{gatewayBinary, "serve",
			"--spec", petstoreSpec(t), "--upstream", upstream, "--name", apiName,
			"--listen", g.ListenURL[len("http://"):]}, extra...)
		g.proc = startProcess(t, "rest2mcp", t.TempDir(), argv...)
		g.waitReady(t)
	}

	t.Run("no auth on loopback", func(t *testing.T) {
		g := gatewayAt(freePort(t))
		serve(t, g)
		s := &mcpSession{url: g.MCPURL, version: modernVersion}
		if diff := cmp.Diff(allTools, toolNames(s.toolsList(t))); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
	})

	t.Run("with issuer", func(t *testing.T) {
		g := gatewayAt(freePort(t))
		as := startAS(t, asOptions{resources: []string{g.MCPURL}})
		serve(t, g, "--public-url", g.BaseURL, "--issuer", as.Issuer)
		checkPRM(t, g, as)
		anon := &mcpSession{url: g.MCPURL, version: modernVersion}
		if r := anon.call(t, "tools/list", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("tools/list without a token : %v, want HTTP 401", r)
		}
		token := as.clientCredentials(t, "machine", "machine-secret", g.MCPURL, "pets:read pets:write")
		s := &mcpSession{url: g.MCPURL, version: modernVersion, token: token}
		if diff := cmp.Diff(allTools, toolNames(s.toolsList(t))); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
	})
}
