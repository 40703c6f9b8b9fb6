package authbridge

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseExpiresIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw     string
		want    time.Duration
		wantErr bool
	}{
		{raw: "", want: 0},
		{raw: "null", want: 0},
		{raw: "3600", want: time.Hour},
		{raw: `"3600"`, want: time.Hour},
		{raw: "1.5", want: 1500 * time.Millisecond},
		{raw: "0", want: time.Nanosecond},
		{raw: "-5", want: time.Nanosecond},
		{raw: "1e300", want: maxTokenLifetime},
		{raw: `"soon"`, wantErr: true},
		{raw: "true", wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseExpiresIn(json.RawMessage(tc.raw))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseExpiresIn(%s) = %v, %v; want %v, error %v", tc.raw, got, err, tc.want, tc.wantErr)
		}
	}
}

// FuzzTokenResponse feeds arbitrary token endpoint answers to the parser:
// it must not panic, must return either a usable token or a
// *CredentialError, and its messages must not quote the body.
func FuzzTokenResponse(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"a","token_type":"Bearer","expires_in":60}`))
	f.Add(400, []byte(`{"error":"invalid_grant","error_description":"expired"}`))
	f.Add(400, []byte(`{"error":"invalid_grant","suberror":"consent_required","error_description":"AADSTS65001: x"}`))
	f.Add(200, []byte(`{"access_token":"a","token_type":"N_A","expires_in":"1e9"}`))
	f.Add(503, []byte(`<html>busy</html>`))
	f.Add(200, []byte(`{"access_token":"a\r\nX: y"}`))
	ep := &tokenEndpoint{svc: tokenService{api: "pets", host: "as.example.com"}}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		g, err := ep.parse(status, body, []string{"s"}, true)
		if err != nil {
			var ce *CredentialError
			if !errors.As(err, &ce) || ce.Code == "" || ce.Message == "" {
				t.Fatalf("error %v is not a complete *CredentialError", err)
			}
			if len(body) >= 40 && strings.Contains(ce.Message, string(body)) {
				t.Fatalf("message %q quotes the body", ce.Message)
			}
			return
		}
		if g.token == "" || !validHeaderValue(g.token) || g.lifetime < 0 || g.lifetime > maxTokenLifetime {
			t.Fatalf("unusable grant %+v", g)
		}
	})
}
