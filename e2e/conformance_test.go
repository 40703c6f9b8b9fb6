package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
)

// conformanceScenarios are the @modelcontextprotocol/conformance server
// scenarios that apply to a gateway whose tools are generated from an
// OpenAPI document (see README.md for why the others do not apply).
// mustPass scenarios must report at least one SUCCESS and no FAILURE; the
// others only exercise optional legacy features (sessions, SSE resumption)
// that a stateless gateway declines, and must report no FAILURE.
var conformanceScenarios = []struct {
	name     string
	mustPass bool
}{
	{"server-initialize", true},
	{"ping", true},
	{"tools-list", true},
	{"dns-rebinding-protection", true},
	{"server-sse-multiple-streams", false},
}

// TestConformance runs the applicable conformance scenarios against an
// unauthenticated gateway and, through a bearer-adding reverse proxy (the
// suite cannot send Authorization headers), against an authenticated one.
func TestConformance(t *testing.T) {
	skipShort(t)
	t.Parallel()
	nodeBinary(t)
	upstream := startUpstream(t, nil)

	t.Run("no auth", func(t *testing.T) {
		g := startGateway(t, upstream, func(_ *gateway, _ *gwAPI, cfg *gwConfig) { cfg.InsecureNoAuth = true })
		runConformanceScenarios(t, g.MCPURL)
	})

	t.Run("oauth via bearer proxy", func(t *testing.T) {
		// The proxy is the gateway's public face: the gateway's publicURL is
		// the proxy's URL, so the protected resource (and the token's aud)
		// is the URL the suite talks to.
		var target atomic.Pointer[url.URL]
		var token atomic.Value
		proxy := httptest.NewServer(&httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target.Load())
				r.Out.Host = r.In.Host // keep Host as the client sent it (DNS-rebinding checks)
				r.Out.Header.Set("Authorization", "Bearer "+token.Load().(string))
			},
		})
		t.Cleanup(proxy.Close)

		g := gatewayBehind(freePort(t), proxy.URL)
		as := startAS(t, asOptions{resources: []string{g.MCPURL}})
		listen, err := url.Parse(g.ListenURL)
		if err != nil {
			t.Fatal(err)
		}
		target.Store(listen)
		token.Store(as.clientCredentials(t, "machine", "machine-secret", g.MCPURL, "pets:read pets:write"))
		g.start(t, gwConfig{APIs: []gwAPI{{
			Name: apiName, Spec: petstoreSpec(t), Upstream: upstream, Auth: jwtAuth(as),
		}}})

		// Without the proxy the endpoint is protected.
		direct := postRaw(t, g.ListenURL+"/mcp/"+apiName, nil, rpcRequest(t, 1, "tools/list", nil))
		if direct.Status != http.StatusUnauthorized {
			t.Fatalf("tools/list without a token: %v, want HTTP 401", direct)
		}
		runConformanceScenarios(t, g.MCPURL)
	})
}

func runConformanceScenarios(t *testing.T, mcpURL string) {
	t.Helper()
	for _, sc := range conformanceScenarios {
		t.Run(sc.name, func(t *testing.T) {
			checks := runConformance(t, mcpURL, sc.name)
			successes := 0
			for _, c := range checks {
				switch c.Status {
				case "SUCCESS":
					successes++
				case "FAILURE":
					t.Errorf("check %s (%s) failed: %s\ndetails: %s", c.ID, c.Name, c.ErrorMessage, truncate(string(c.Details), 1500))
				default:
					t.Logf("check %s: %s %s", c.ID, c.Status, truncate(string(c.Details), 300))
				}
			}
			if sc.mustPass && successes == 0 {
				t.Errorf("scenario %s reported no successful check: %+v", sc.name, checks)
			}
		})
	}
}
