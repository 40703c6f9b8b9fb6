package config

import (
	"net"
	"strings"
	"testing"
)

func TestCheckUpstream(t *testing.T) {
	c := &Config{Listen: "127.0.0.1:8080", PublicURL: "https://mcp.example.com", AdminListen: "127.0.0.1:9090"}
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8081}
	for _, tc := range []struct{ url, want string }{
		{"https://api.example.com/v1", ""},
		{"http://127.0.0.1:3000/", ""},
		{"http://10.0.0.7:8080/", ""},
		{"http://169.254.169.254/latest", "SSRF protection"},
		{"http://[fd00:ec2::254]/", "SSRF protection"},
		{"http://localhost:8080/admin/api", "is this gateway"},
		{"http://127.0.0.1:9090/", "is this gateway"},
		{"http://[::1]:8081/", "is this gateway"},
		{"https://MCP.example.com/mcp", "is this gateway"},
		{"mailto:x@example.com", "absolute http(s) URL"},
	} {
		err := c.CheckUpstream(tc.url, bound)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckUpstream(%s) = %v, want %q", tc.url, err, tc.want)
		}
	}
}
