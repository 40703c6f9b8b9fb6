package authbridge

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Principal is the verified caller of a protected MCP endpoint.
//
// It is built by the inbound verifier from a validated access token and put
// into the request context with [ContextWithPrincipal]. The raw token is kept
// only so that outbound strategies can exchange it (RFC 8693, Entra OBO); it
// is never logged and never forwarded upstream.
type Principal struct {
	// Issuer is the token issuer, exactly as configured.
	Issuer string
	// Subject is the token's "sub" claim.
	Subject string
	// ClientID is the OAuth client the token was issued to ("client_id",
	// "azp" or "appid"), when known.
	ClientID string
	// Audience lists the token's audiences.
	Audience []string
	// Scopes are the granted scopes, from "scope" (space separated) or "scp"
	// (string or array).
	Scopes []string
	// Claims holds all claims of the token (JWT) or introspection response.
	Claims map[string]any
	// Expiry is the token expiry; zero when unknown.
	Expiry time.Time

	token string
}

// NewPrincipal returns a principal holding raw as its token. It exists for
// the verifier and for tests; callers fill the exported fields.
func NewPrincipal(raw string) *Principal { return &Principal{token: raw} }

// Token returns the raw inbound access token, for token exchange only.
func (p *Principal) Token() string { return p.token }

// HasScope reports whether the principal was granted scope s.
func (p *Principal) HasScope(s string) bool {
	for _, g := range p.Scopes {
		if g == s {
			return true
		}
	}
	return false
}

type principalKey struct{}

// ContextWithPrincipal returns a copy of ctx carrying p.
func ContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal stored in ctx, if any.
func PrincipalFromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Format prints the principal without its token, whatever the verb, so
// that a stray %v in a log or error never reveals it.
func (p Principal) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "Principal{Issuer:%q Subject:%q ClientID:%q Scopes:%q Expiry:%s}",
		p.Issuer, p.Subject, p.ClientID, p.Scopes, p.Expiry.Format(time.RFC3339))
}

// LogValue logs the principal's identity only: no token, no claims.
func (p *Principal) LogValue() slog.Value {
	if p == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(
		slog.String("issuer", p.Issuer),
		slog.String("subject", p.Subject),
		slog.String("client_id", p.ClientID),
	)
}
