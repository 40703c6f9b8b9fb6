package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/rest2mcp/rest2mcp/internal/ssrf"
)

// CheckUpstream checks an upstream URL without I/O: it must be an absolute
// http(s) URL, its host must not be an address the outbound SSRF guard
// refuses at call time (cloud metadata, link-local, …), and it must not be
// the gateway itself (its listener, admin listener or public URLs), which
// would expose the gateway's own endpoints through a tool. bound adds
// listeners' bound addresses (a listen port 0 resolved).
func (c *Config) CheckUpstream(raw string, bound ...net.Addr) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("must be an absolute http(s) URL, got %q", raw)
	}
	if err := (ssrf.Policy{}).CheckURL(u); err != nil {
		return fmt.Errorf("%q: %w", raw, err)
	}
	host, port := hostPort(u)
	selves := []string{c.Listen, c.AdminListen}
	for _, a := range bound {
		if a != nil {
			selves = append(selves, a.String())
		}
	}
	for _, s := range []string{c.PublicURL, c.AdminPublicURL()} {
		if p, err := url.Parse(s); err == nil && p.Host != "" {
			h, pt := hostPort(p)
			selves = append(selves, net.JoinHostPort(h, pt))
		}
	}
	for _, s := range selves {
		sh, sp, err := net.SplitHostPort(s)
		if err != nil || sp != port {
			continue
		}
		if strings.EqualFold(sh, host) || (isLocalHost(host) && (sh == "" || isLocalHost(sh))) {
			return fmt.Errorf("%q is this gateway (%s): an upstream must be the REST API, not the gateway's own listener or admin endpoints", raw, s)
		}
	}
	return nil
}

// hostPort is a URL's host (without brackets) and port, the scheme's
// default port when none is given.
func hostPort(u *url.URL) (string, string) {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return u.Hostname(), port
}

// isLocalHost reports whether host names this machine: localhost, a
// loopback or an unspecified address.
func isLocalHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && (ip.IsLoopback() || ip.IsUnspecified())
}
