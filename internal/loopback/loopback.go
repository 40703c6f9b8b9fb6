// Package loopback decides whether a host names this machine's loopback
// interface, the one rule behind "http:// only for loopback" and the DNS
// rebinding guard.
package loopback

import (
	"net/netip"
	"strings"
)

// Host reports whether host is "localhost" or a loopback IP address
// (127.0.0.0/8, ::1). Brackets around IPv6 literals are accepted; ports are
// not (pass url.URL.Hostname()).
func Host(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
