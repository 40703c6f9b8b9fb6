package authbridge

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestPrincipalNeverPrintsToken(t *testing.T) {
	const secret = "eyJ.secret-token.sig"
	p := NewPrincipal(secret)
	p.Subject, p.Issuer = "alice", "https://as.example.com"
	p.Claims = map[string]any{"email": "alice@example.com"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{p, *p} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, secret) || strings.Contains(out, "alice@example.com") {
				t.Errorf("%s printed the token or claims: %s", verb, out)
			}
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "principal", p)
	if strings.Contains(buf.String(), secret) || !strings.Contains(buf.String(), "alice") {
		t.Errorf("log line: %s", buf.String())
	}
}
