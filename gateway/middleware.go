package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/internal/loopback"
)

// originGuard enforces the Streamable HTTP transport's Origin rule (a
// request carrying an Origin that is not allowed gets 403) and protects
// loopback listeners against DNS rebinding (a request arriving on a
// loopback connection must name a loopback host or the public host).
type originGuard struct {
	allowed    map[string]bool
	publicHost string
	// loopbackOrigins allows http(s)://localhost-like origins; true only
	// when the listener itself is loopback (local development tools).
	loopbackOrigins bool
	// methods is the preflight's Access-Control-Allow-Methods: what the
	// guarded handler serves (the MCP endpoints: POST only).
	methods string
}

// withMethods sets the methods a preflight allows (default: POST, OPTIONS).
func (g *originGuard) withMethods(m string) *originGuard {
	g.methods = m
	return g
}

func newOriginGuard(publicURL string, allowed []string, listenLoopback bool) *originGuard {
	g := &originGuard{allowed: map[string]bool{}, loopbackOrigins: listenLoopback, methods: corsAllowMethods}
	if u, err := url.Parse(publicURL); err == nil {
		g.allowed[strings.ToLower(u.Scheme+"://"+u.Host)] = true
		g.publicHost = strings.ToLower(u.Host)
	}
	for _, o := range allowed {
		g.allowed[strings.ToLower(strings.TrimRight(o, "/"))] = true
	}
	return g
}

func (g *originGuard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostOK(r) {
			writeRPCError(w, http.StatusForbidden, rpcInvalidRequest, fmt.Sprintf("forbidden: Host %q is not this gateway's public host", r.Host))
			return
		}
		o := r.Header.Get("Origin")
		if o == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !g.originOK(o) {
			writeRPCError(w, http.StatusForbidden, rpcInvalidRequest, fmt.Sprintf("forbidden: Origin %q is not allowed (add it to allowedOrigins)", o))
			return
		}
		if allowCORS(w, r, o, g.methods) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CORS for allowed browser origins. Preflights are answered here, before
// authentication: browsers never send credentials on a preflight.
const (
	// corsAllowMethods are the MCP endpoints' methods: every other one
	// gets 405.
	corsAllowMethods = "POST, OPTIONS"
	corsAllowHeaders = "Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID"
	// corsExposeHeaders lets browser clients read the authorization
	// challenge and the session headers.
	corsExposeHeaders = "WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version"
)

// allowCORS sets the CORS headers for an allowed origin and answers a
// preflight (allowing methods), reporting whether it did.
func allowCORS(w http.ResponseWriter, r *http.Request, origin, methods string) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	allow := corsAllowHeaders
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		// Mcp-Param-* headers carry tool arguments (x-mcp-header); echo the
		// requested names, which are only names, once each.
		names := strings.Split(corsAllowHeaders, ", ")
		for _, n := range strings.Split(req, ",") {
			if n = strings.TrimSpace(n); n != "" && !slices.ContainsFunc(names, func(have string) bool { return strings.EqualFold(have, n) }) {
				names = append(names, n)
			}
		}
		allow = strings.Join(names, ", ")
	}
	h.Set("Access-Control-Allow-Methods", methods)
	h.Set("Access-Control-Allow-Headers", allow)
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (g *originGuard) hostOK(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || local == nil {
		return true
	}
	lh, _, err := net.SplitHostPort(local.String())
	if err != nil || !loopback.Host(lh) {
		return true
	}
	host := strings.ToLower(r.Host)
	if host == g.publicHost {
		return true
	}
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	return loopback.Host(h)
}

func (g *originGuard) originOK(origin string) bool {
	o := strings.ToLower(strings.TrimRight(origin, "/"))
	if g.allowed[o] {
		return true
	}
	if !g.loopbackOrigins {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return loopback.Host(u.Hostname())
}
