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

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Allowed reports whether a connection to ip is allowed under p.
func (p Policy) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast(), ip.IsMulticast():
		// Link-local covers 169.254.169.254 (AWS, GCP, Azure metadata) and
		// fe80::/10; fd00:ec2::254 (AWS IPv6 metadata) is unique-local and
		// caught below only with BlockPrivate, so name it explicitly.
		return false
	case ip == netip.MustParseAddr("fd00:ec2::254"):
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
// dialer enforces p.
func (p Policy) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.Control}
	tr.DialContext = d.DialContext
	return tr
}
