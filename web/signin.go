package web

import (
	"context"
	"net/http"
)

// Sign-in is the gateway's job (OIDC or an admin token); the UI only shows
// who is signed in, offers Sign out, and puts the session's CSRF token in
// every form as the hidden field CSRFField. The gateway checks it.

// CSRFField is the name of the hidden form field carrying the session's
// CSRF token.
const CSRFField = "csrf"

// Session is the signed-in admin of a request, as the UI shows it.
type Session struct {
	// User names the admin (name, email or subject).
	User string
	// CSRF is the token every state-changing form must carry.
	CSRF string
	// SignOut is the path of the sign-out form's action.
	SignOut string
}

type sessionKey struct{}

// WithSession returns ctx carrying the signed-in admin, for the pages
// rendered for this request.
func WithSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// SessionFrom returns the signed-in admin of ctx, if any.
func SessionFrom(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(Session)
	return s, ok
}

// Notice is a page about signing in: "signed out", "not an admin", "the
// sign-in failed".
type Notice struct {
	// Title heads the page; Message explains what happened and what to do.
	Title, Message string
	// Link, when set, is offered as a button labelled LinkText.
	Link, LinkText string
}

// ServeNotice renders n with status (e.g. 403 for a user without the
// admin role).
func (h *Handler) ServeNotice(w http.ResponseWriter, r *http.Request, status int, n Notice) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	h.render(w, r, status, "notice", &page{Title: n.Title, Notice: &n})
}
