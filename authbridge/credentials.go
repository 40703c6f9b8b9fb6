package authbridge

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Credentials puts upstream credentials on an outgoing request.
//
// Apply first removes any Authorization header the request carries, then
// adds the strategy's credential. scopes are the scopes of the called
// operation (from its policy or OpenAPI security), used by delegated
// strategies to request a least-privilege token. p is the verified caller;
// it may be nil for none, static and clientCredentials. Failures to obtain
// credentials are [*CredentialError] values whose messages are safe to
// show; a caller whose ctx ends while waiting gets ctx.Err().
//
// The caller's own access token never reaches the upstream: a request that
// would carry it anywhere in its headers or URL is refused with
// [CredentialPassthroughRefused]. After any error the request must not be
// sent.
type Credentials interface {
	Apply(ctx context.Context, req *http.Request, p *Principal, scopes []string) error
}

// CredentialsOptions are the dependencies of [NewCredentials].
type CredentialsOptions struct {
	// Name is the API name, used in cache keys, logs and user-facing
	// messages; empty uses the token endpoint host.
	Name string
	// HTTPClient sends token endpoint requests; nil uses a client with the
	// configured timeout. Redirects are never followed either way.
	HTTPClient *http.Client
	// Logger receives debug events without tokens or secrets; nil discards.
	Logger *slog.Logger
	// LookupEnv resolves secrets with fromEnv; nil makes them fail.
	LookupEnv func(string) (string, bool)
	// Now is the clock for expiries and client assertions; nil is time.Now.
	Now func() time.Time
	// Cache is a token cache shared across APIs; nil builds one of
	// [UpstreamAuthConfig.CacheSize] entries for this API.
	Cache *TokenCache
}

// NewCredentials validates cfg, resolves its secrets and returns the
// credentials it describes. Resolution errors name the field, never the value.
func NewCredentials(ctx context.Context, cfg UpstreamAuthConfig, opts CredentialsOptions) (Credentials, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var (
		s   strategy
		err error
	)
	switch cfg.kind() {
	case UpstreamAuthNone:
		s = noneStrategy{}
	case UpstreamAuthStatic:
		s, err = newStaticStrategy(*cfg.Static, opts.LookupEnv)
	default:
		s, err = newOAuthStrategy(cfg, opts)
	}
	if err != nil {
		return nil, err
	}
	opts.Logger.DebugContext(ctx, "upstream credentials ready", "upstream", opts.Name, "type", cfg.kind())
	return &guarded{kind: cfg.kind(), name: opts.Name, s: s}, nil
}

// strategy is one way of adding credentials; guarded wraps it with the
// passthrough protections every strategy shares.
type strategy interface {
	apply(ctx context.Context, req *http.Request, p *Principal, scopes []string) error
}

// guarded is the [Credentials] returned by [NewCredentials].
type guarded struct {
	kind string
	name string
	s    strategy
}

// Apply implements [Credentials].
func (g *guarded) Apply(ctx context.Context, req *http.Request, p *Principal, scopes []string) error {
	if req == nil {
		return errors.New("apply upstream credentials: nil request")
	}
	req.Header.Del("Authorization")
	if err := g.s.apply(ctx, req, p, scopes); err != nil {
		return err
	}
	if p != nil && carriesToken(req, p.Token()) {
		return tokenService{api: g.label()}.passthroughRefused("the outgoing request contains it")
	}
	return nil
}

func (g *guarded) label() string {
	if g.name != "" {
		return g.name
	}
	return g.kind
}

// String describes the credentials without any secret.
func (g *guarded) String() string {
	if g.name == "" {
		return "upstreamAuth(" + g.kind + ")"
	}
	return "upstreamAuth(" + g.kind + ", " + g.name + ")"
}

// Format prints [guarded.String] for every verb, so that %+v and %#v
// cannot reveal the secrets held inside.
func (g *guarded) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, g.String()) }

// LogValue implements [slog.LogValuer] without secrets.
func (g *guarded) LogValue() slog.Value { return slog.StringValue(g.String()) }

// minPassthroughCheck is the shortest inbound token searched for in
// outgoing requests; shorter strings would match by accident.
const minPassthroughCheck = 16

// carriesToken reports whether tok appears in any header value or in the
// URL of req.
func carriesToken(req *http.Request, tok string) bool {
	if len(tok) < minPassthroughCheck {
		return tok != "" && headerEquals(req.Header, tok)
	}
	for _, vs := range req.Header {
		for _, v := range vs {
			if strings.Contains(v, tok) {
				return true
			}
		}
	}
	if req.URL != nil {
		if strings.Contains(req.URL.RawQuery, tok) || strings.Contains(req.URL.Path, tok) {
			return true
		}
		if strings.Contains(req.URL.RawQuery, "%") {
			if q, err := url.QueryUnescape(req.URL.RawQuery); err == nil && strings.Contains(q, tok) {
				return true
			}
		}
	}
	return false
}

// headerEquals reports whether a header value is tok or "Bearer "+tok.
func headerEquals(h http.Header, tok string) bool {
	for _, vs := range h {
		for _, v := range vs {
			if v == tok || strings.TrimPrefix(v, "Bearer ") == tok {
				return true
			}
		}
	}
	return false
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// tokenPlacement says where an obtained token goes.
type tokenPlacement struct {
	header string
	prefix string
}

// set puts tok on req after checking that it is not the caller's token.
func (tp tokenPlacement) set(req *http.Request, tok string, p *Principal, svc tokenService) error {
	if p != nil && sameToken(tok, p.Token()) {
		return svc.passthroughRefused("the token service returned the caller's token")
	}
	req.Header.Set(tp.header, tp.prefix+tok)
	return nil
}

// noneStrategy adds nothing.
type noneStrategy struct{}

func (noneStrategy) apply(context.Context, *http.Request, *Principal, []string) error { return nil }
