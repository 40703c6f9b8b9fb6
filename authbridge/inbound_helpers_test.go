package authbridge

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rest2mcp/rest2mcp/internal/oidctest"
)

const testResource = "https://gw.example.com/mcp/pets"

// fakeClock is a manually advanced clock shared by the test issuer and the
// verifier.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newAS starts a test issuer on clk.
func newAS(t *testing.T, clk *fakeClock, opts *oidctest.Options) *oidctest.Server {
	t.Helper()
	if opts == nil {
		opts = &oidctest.Options{}
	}
	opts.Now = clk.Now
	return oidctest.New(t, opts)
}

// issuerFor returns the IssuerConfig trusting as.
func issuerFor(as *oidctest.Server) IssuerConfig {
	return IssuerConfig{Issuer: as.Issuer()}
}

// introspectionFor returns an introspection config with as's credentials.
func introspectionFor(as *oidctest.Server, method string) *IntrospectionConfig {
	id, secret := as.ClientCredentials()
	return &IntrospectionConfig{ClientID: id, ClientSecret: Secret{Value: secret}, AuthMethod: method}
}

// newTestVerifier builds a verifier for testResource on clk. edit may
// change the options before construction.
func newTestVerifier(t *testing.T, clk *fakeClock, cfg Config, edit func(*VerifierOptions)) *Verifier {
	t.Helper()
	opts := VerifierOptions{Resource: testResource, Config: cfg, Now: clk.Now}
	if edit != nil {
		edit(&opts)
	}
	v, err := NewVerifier(t.Context(), opts)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// protect wraps a handler that reports the principal's subject behind
// RequireBearer.
func protect(v TokenVerifier, scopes ...string) http.Handler {
	mw := RequireBearer(v, MiddlewareOptions{
		ResourceMetadataURL: "https://gw.example.com/.well-known/oauth-protected-resource/mcp/pets",
		Scopes:              func() []string { return scopes },
	})
	return mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFromContext(r.Context())
		if !ok {
			http.Error(w, "no principal", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("sub=" + p.Subject))
	}))
}

func bearerRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, testResource, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
