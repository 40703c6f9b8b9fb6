package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rest2mcp/rest2mcp/web"
)

// Who may use the registry's web UI and admin API (the "admin surface"):
//
//   - With admin.oidc, the UI needs an OIDC sign-in (adminauth_oidc.go):
//     a session cookie, and the session's CSRF token in every form.
//   - The admin API accepts the admin token ("Authorization: Bearer",
//     compared in constant time) or the UI's session cookie with the CSRF
//     token in the X-CSRF-Token header for every state change.
//   - With neither, the UI and an open admin API are served on loopback
//     listeners only (openRegistry refuses anything else).
//
// Cross-origin browser requests are refused in any case (net/http's
// CrossOriginProtection, in the UI and the admin API); the CSRF token is
// the second, session-bound check. Every admin change is audited with the
// admin's subject (adminSubject).
//
// With adminListen set, the admin surface has its own listener and the
// main listener does not serve it.

// csrfHeader carries the session's CSRF token on admin API requests
// authenticated by the session cookie.
const csrfHeader = "X-CSRF-Token"

// Sign-in routes of the UI.
const (
	signInPath   = "/signin"
	callbackPath = "/signin/callback"
	signOutPath  = "/signout"
)

type adminSubjectKey struct{}

// withAdminSubject records who makes the admin request ctx belongs to.
func withAdminSubject(ctx context.Context, subject string) context.Context {
	return context.WithValue(ctx, adminSubjectKey{}, subject)
}

// adminSubject is the admin making the request of ctx, for the audit log:
// "oidc:<sub>", "admin-token" or "loopback" (no sign-in configured).
func adminSubject(ctx context.Context) string {
	if s, ok := ctx.Value(adminSubjectKey{}).(string); ok {
		return s
	}
	return "unknown"
}

// tokenMatches compares a bearer token with the admin token in constant
// time. The token is never logged.
func tokenMatches(want, got string) bool {
	if want == "" {
		return false
	}
	w := sha256.Sum256([]byte(want))
	h := sha256.Sum256([]byte(strings.TrimSpace(got)))
	return subtle.ConstantTimeCompare(w[:], h[:]) == 1
}

// authorizeAdmin decides an admin API request. It answers the refusals
// itself (401 with WWW-Authenticate, 403 for a missing CSRF token) and
// returns the request carrying the admin's subject.
func (r *registry) authorizeAdmin(w http.ResponseWriter, req *http.Request) (*http.Request, bool) {
	if r.adminToken == "" && r.signin == nil {
		// Neither configured: open, on loopback listeners only.
		return req.WithContext(withAdminSubject(req.Context(), "loopback")), true
	}
	if h := req.Header.Get("Authorization"); h != "" {
		got, ok := strings.CutPrefix(h, "Bearer ")
		if ok && tokenMatches(r.adminToken, got) {
			return req.WithContext(withAdminSubject(req.Context(), "admin-token")), true
		}
		r.unauthorized(w)
		return nil, false
	}
	if r.signin != nil {
		if s, err := r.signin.session(req); err == nil {
			if !safeMethod(req.Method) && !r.signin.csrfOK(s, req.Header.Get(csrfHeader)) {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "missing or wrong " + csrfHeader + " header: requests with the session cookie need the session's CSRF token"})
				return nil, false
			}
			return req.WithContext(withAdminSubject(req.Context(), s.subject())), true
		}
	}
	r.unauthorized(w)
	return nil, false
}

func (r *registry) unauthorized(w http.ResponseWriter) {
	msg := "the admin API needs the admin token: Authorization: Bearer <token>"
	if r.signin != nil {
		msg = "the admin API needs the admin token (Authorization: Bearer <token>) or a UI sign-in (" + signInPath + ")"
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="rest2mcp-admin"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// guardUI puts the UI behind the OIDC sign-in when one is configured:
// pages need a session (GET: redirect to the sign-in), state changes also
// the session's CSRF token in the form. Without sign-in the UI is open (it
// is then served on loopback only).
func (r *registry) guardUI(ui *web.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, "/static/") {
			ui.ServeHTTP(w, req)
			return
		}
		if r.signin == nil {
			ui.ServeHTTP(w, req.WithContext(withAdminSubject(req.Context(), "loopback")))
			return
		}
		s, err := r.signin.session(req)
		if err != nil {
			if safeMethod(req.Method) {
				http.Redirect(w, req, signInPath+"?next="+url.QueryEscape(req.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			ui.ServeNotice(w, req, http.StatusForbidden, web.Notice{Title: "Sign in first", Message: "This change was not made: you are not signed in (or your sign-in expired).", Link: signInPath, LinkText: "Sign in"})
			return
		}
		if !safeMethod(req.Method) {
			tok, err := formCSRF(w, req, r.maxSpec)
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				ui.ServeNotice(w, req, http.StatusRequestEntityTooLarge, web.Notice{Title: "Too large", Message: "This change was not made: the form is larger than " + web.FormatSize(r.maxSpec) + ".", Link: "/", LinkText: "Back to the APIs"})
				return
			case err != nil:
				ui.ServeNotice(w, req, http.StatusBadRequest, web.Notice{Title: "Bad form", Message: "This change was not made: the form could not be read (" + err.Error() + ").", Link: "/", LinkText: "Back to the APIs"})
				return
			case !r.signin.csrfOK(s, tok):
				ui.ServeNotice(w, req, http.StatusForbidden, web.Notice{Title: "Change refused", Message: "This change was not made: the form carried no valid CSRF token (it is out of date, or it came from another site). Reload the page and try again.", Link: "/", LinkText: "Back to the APIs"})
				return
			}
		}
		ctx := withAdminSubject(req.Context(), s.subject())
		ctx = web.WithSession(ctx, web.Session{User: s.display(), CSRF: r.signin.csrfToken(s), SignOut: signOutPath})
		ui.ServeHTTP(w, req.WithContext(ctx))
	})
}

// formCSRF reads the CSRF field of a posted form. Multipart forms (spec
// uploads) are parsed here with the upload's bound, and stay parsed for
// the handler.
func formCSRF(w http.ResponseWriter, req *http.Request, maxSpec int64) (string, error) {
	if strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/form-data") {
		req.Body = http.MaxBytesReader(w, req.Body, maxSpec+1<<20)
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			return "", err
		}
		return req.PostFormValue(web.CSRFField), nil
	}
	req.Body = http.MaxBytesReader(w, req.Body, 1<<20)
	if err := req.ParseForm(); err != nil {
		return "", err
	}
	return req.PostFormValue(web.CSRFField), nil
}

// adminSurface is the handler of the UI (when served), the sign-in routes
// and the admin API, behind the Host check against DNS rebinding.
func (g *Gateway) adminSurface() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(adminPrefix+"/", g.reg.adminHandler())
	if g.reg.ui {
		ui, err := web.New(g.reg, &web.Options{MaxUploadBytes: g.reg.maxSpec, Logger: g.log.With("component", "web")})
		if err != nil { // the embedded templates are tested; this cannot happen
			g.log.Error("web UI unavailable", "err", err)
		} else {
			if s := g.reg.signin; s != nil {
				s.ui = ui
				mux.HandleFunc("GET "+signInPath, s.handleSignIn)
				mux.HandleFunc("GET "+callbackPath, s.handleCallback)
				mux.HandleFunc("POST "+signOutPath, s.handleSignOut)
			}
			mux.Handle("/", g.reg.guardUI(ui))
		}
	}
	guard := newOriginGuard(g.cfg.AdminPublicURL(), g.cfg.AllowedOrigins, g.cfg.AdminListenIsLoopback()).withMethods("GET, POST, PUT, PATCH, DELETE, OPTIONS")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !guard.hostOK(r) {
			http.Error(w, fmt.Sprintf("forbidden: Host %q is not this gateway's host", r.Host), http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// mountAdmin serves the admin surface on the main listener, unless
// adminListen gives it a listener of its own (see serveAdmin).
func (g *Gateway) mountAdmin(e *echo.Echo) {
	h := g.adminSurface()
	if g.cfg.AdminListen != "" {
		g.adminHandler = h
		return
	}
	wh := echo.WrapHandler(h)
	e.Any(adminPrefix+"/*", wh)
	if !g.reg.ui {
		return
	}
	for _, p := range []string{"/", "/upload", "/apis/*", "/static/*", signInPath, callbackPath, signOutPath} {
		e.Any(p, wh)
	}
}

// serveAdmin runs the admin listener (adminListen) until the returned stop
// is called.
func (g *Gateway) serveAdmin() (stop func(), err error) {
	if g.adminHandler == nil {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", g.cfg.AdminListen)
	if err != nil {
		return nil, fmt.Errorf("admin listen: %w", err)
	}
	srv := &http.Server{
		Handler:           g.adminHandler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	g.adminAddr.Store(ln.Addr())
	g.log.Info("serving the registry UI and admin API", "addr", ln.Addr().String(), "url", g.cfg.AdminPublicURL())
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("admin listener stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// boundAddrs are the bound addresses of the main and admin listeners, once
// Run has started them.
func (g *Gateway) boundAddrs() []net.Addr {
	var out []net.Addr
	for _, v := range []*atomic.Value{&g.listenAddr, &g.adminAddr} {
		if a, ok := v.Load().(net.Addr); ok {
			out = append(out, a)
		}
	}
	return out
}

// AdminAddr is the bound address of the admin listener (adminListen), once
// Run has started it; nil otherwise.
func (g *Gateway) AdminAddr() net.Addr {
	if a, ok := g.adminAddr.Load().(net.Addr); ok {
		return a
	}
	return nil
}
