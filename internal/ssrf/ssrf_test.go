package ssrf

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
)

func TestAllowed(t *testing.T) {
	tests := []struct {
		ip             string
		always, strict bool // allowed by the zero Policy, by a strict one
	}{
		{"93.184.216.34", true, true},
		{"169.254.169.254", false, false},
		{"fd00:ec2::254", false, false},
		{"fe80::1", false, false},
		{"0.0.0.0", false, false},
		{"224.0.0.1", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"10.1.2.3", true, false},
		{"172.16.0.1", true, false},
		{"192.168.1.1", true, false},
		{"100.64.0.1", true, false},
		{"fc00::1", true, false},
		{"127.0.0.1", true, false},
		{"::1", true, false},
		{"2606:4700::1111", true, true},
		{"100.100.100.200", false, false},
		{"64:ff9b::a9fe:a9fe", false, false},
		{"64:ff9b::5db8:d822", true, true},
		{"64:ff9b::a00:1", true, false},
	}
	strict := Policy{BlockPrivate: true, BlockLoopback: true}
	for _, tc := range tests {
		ip := netip.MustParseAddr(tc.ip)
		if got := (Policy{}).Allowed(ip); got != tc.always {
			t.Errorf("zero policy %s: allowed=%v, want %v", tc.ip, got, tc.always)
		}
		if got := strict.Allowed(ip); got != tc.strict {
			t.Errorf("strict policy %s: allowed=%v, want %v", tc.ip, got, tc.strict)
		}
	}
}

func TestTransportRefusesAtDialTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	ok := &http.Client{Transport: Policy{}.Transport()}
	resp, err := ok.Get(srv.URL)
	if err != nil {
		t.Fatalf("loopback allowed by default: %v", err)
	}
	resp.Body.Close()
	blocked := &http.Client{Transport: Policy{BlockLoopback: true}.Transport()}
	_, err = blocked.Get(srv.URL)
	var be *BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("want BlockedError, got %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://169.254.169.254/latest/meta-data", false},
		{"http://[fe80::1%25eth0]:8080/", false},
		{"http://[fd00:ec2::254]/", false},
		{"http://0.0.0.0:80/", false},
		{"http://127.0.0.1:8080/", true},
		{"https://api.example.com/v1", true},
		{"http://10.0.0.1/", true},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if err := (Policy{}).CheckURL(u); (err == nil) != tc.ok {
			t.Errorf("CheckURL(%s) = %v, want ok %v", tc.url, err, tc.ok)
		}
	}
}
