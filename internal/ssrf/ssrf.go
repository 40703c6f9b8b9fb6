// Package ssrf guards the gateway's outbound connections against
// server-side request forgery: connections to addresses that are never a
// legitimate upstream (cloud metadata services, link-local, unspecified,
// multicast) are refused at dial time, after DNS resolution, so that a
// hostname that resolves to such an address — or a redirect to one — is
// caught too.
package ssrf

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Policy says which address classes a dialer refuses besides the ones
// always refused.
type Policy struct {
	// BlockPrivate refuses RFC 1918, unique-local (fc00::/7) and carrier
	// grade NAT (100.64.0.0/10) addresses.
	BlockPrivate bool
	// BlockLoopback refuses 127.0.0.0/8 and ::1.
	BlockLoopback bool
}

// BlockedError is returned when a connection is refused.
type BlockedError struct{ Addr netip.Addr }

// Error names the refused address.
func (e *BlockedError) Error() string {
	return fmt.Sprintf("connection to %s refused: address not allowed for outbound requests (SSRF protection)", e.Addr)
}

var (
	cgnat = netip.MustParsePrefix("100.64.0.0/10")
	// nat64 prefixes embed an IPv4 address in their last 32 bits
	// (RFC 6052 well-known and local-use prefixes).
	nat64 = []netip.Prefix{netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("64:ff9b:1::/48")}
	// metadata lists cloud metadata addresses outside link-local ranges.
	metadata = map[netip.Addr]bool{
		netip.MustParseAddr("fd00:ec2::254"):   true, // AWS IPv6
		netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	}
)

// Allowed reports whether a connection to ip is allowed under p.
func (p Policy) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, pre := range nat64 {
		if pre.Contains(ip) {
			b := ip.As16()
			if !p.Allowed(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})) {
				return false
			}
		}
	}
	if metadata[ip] {
		return false
	}
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast(), ip.IsMulticast():
		// Link-local covers 169.254.169.254 (AWS, GCP, Azure metadata) and
		// fe80::/10; other metadata addresses are listed in metadata.
		return false
	case ip.IsLoopback():
		return !p.BlockLoopback
	case ip.IsPrivate(), cgnat.Contains(ip):
		return !p.BlockPrivate
	}
	return true
}

// Control is a net.Dialer Control function enforcing p.
func (p Policy) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("ssrf: unexpected dial address %q: %w", address, err)
	}
	if !p.Allowed(ap.Addr()) {
		return &BlockedError{Addr: ap.Addr()}
	}
	return nil
}

// Transport returns an http.Transport (a clone of the default one) whose
// dialer enforces p. It keeps the default transport's HTTP(S)_PROXY
// support: with a proxy configured, the check applies to the connection to
// the proxy, and the proxy's own egress rules must do the rest.
func (p Policy) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.Control}
	tr.DialContext = d.DialContext
	return tr
}

// CheckURL checks, without I/O, that p would not refuse the host of an
// absolute URL: a literal IP address must be allowed (a host name is only
// checked at dial time, after resolution). It lets configuration and
// settings be refused when given instead of failing on every call.
func (p Policy) CheckURL(u *url.URL) error {
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil
	}
	if !p.Allowed(ip) {
		return fmt.Errorf("address %s is not allowed for outbound requests (SSRF protection: cloud metadata, link-local, unspecified and multicast addresses are refused)", ip)
	}
	return nil
}
