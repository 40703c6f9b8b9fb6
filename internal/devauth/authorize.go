package devauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ory/fosite"
)

// Cookies of the consent page. They are host-only, HttpOnly and
// SameSite=Strict; plain http on loopback rules out the __Host- prefix.
const (
	userCookie = "devas_user"
	csrfCookie = "devas_csrf"
	// userParam switches the simulated user on the consent page; fosite
	// ignores it.
	userParam = "dev_user"
)

// targetError is RFC 8707's invalid_target.
func targetError(format string, args ...any) *fosite.RFC6749Error {
	return &fosite.RFC6749Error{
		ErrorField:       "invalid_target",
		DescriptionField: "The requested resource is invalid, unknown, or malformed.",
		HintField:        fmt.Sprintf(format, args...),
		CodeField:        http.StatusBadRequest,
	}
}

// checkAuthorize applies the rules fosite leaves to us: code flow only,
// PKCE with S256, and resource indicators naming served resources. It
// sets the requested audience from the resource parameters.
func (s *Server) checkAuthorize(ar fosite.AuthorizeRequester) error {
	if !ar.GetResponseTypes().ExactOne("code") {
		return fosite.ErrUnsupportedResponseType.WithHint("Only the authorization code flow (response_type=code) is supported.")
	}
	form := ar.GetRequestForm()
	if form.Get("code_challenge") == "" {
		return fosite.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge and code_challenge_method=S256.")
	}
	if m := form.Get("code_challenge_method"); m != "S256" {
		if m == "" {
			m = "plain (the default when code_challenge_method is missing)"
		}
		return fosite.ErrInvalidRequest.WithHintf("PKCE method %s is refused: use code_challenge_method=S256.", m)
	}
	res, err := s.requestedResources(form["resource"])
	if err != nil {
		return err
	}
	ar.SetRequestedAudience(fosite.Arguments(res))
	return nil
}

// requestedResources validates resource parameters (RFC 8707). None
// means the only served resource, when there is exactly one.
func (s *Server) requestedResources(values []string) ([]string, error) {
	served := s.resourceURLs()
	if len(values) == 0 {
		if len(served) == 1 {
			return served, nil
		}
		return nil, targetError("Send a resource parameter naming the MCP endpoint; served: %s.", strings.Join(served, ", "))
	}
	for _, v := range values {
		if !slices.Contains(served, v) {
			return nil, targetError("Resource %q is not served by this gateway; served: %s.", v, strings.Join(served, ", "))
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(values))), nil
}

func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err == nil {
		err = s.checkAuthorize(ar)
	}
	if err != nil {
		s.log.InfoContext(ctx, "authorization request refused", "err", err)
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	if s.auto {
		u, _ := s.user(s.autoUser)
		s.finish(ctx, w, r, ar, u)
		return
	}
	u, signedIn := s.cookieUser(r)
	if name := r.URL.Query().Get(userParam); name != "" {
		if other, ok := s.user(name); ok {
			u, signedIn = other, false
		}
	}
	prompt := strings.Fields(ar.GetRequestForm().Get("prompt"))
	if signedIn && len(s.newScopes(u, ar)) == 0 && !slices.Contains(prompt, "consent") && !slices.Contains(prompt, "login") {
		// Everything this user may grant was consented before.
		s.finish(ctx, w, r, ar, u)
		return
	}
	s.renderConsent(w, r, ar, u)
}

// serveConsent receives the consent form.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad consent form", http.StatusBadRequest)
		return
	}
	q, name, token := r.PostForm.Get("q"), r.PostForm.Get("user"), r.PostForm.Get("csrf")
	ck, err := r.Cookie(csrfCookie)
	if err != nil || token == "" || !hmac.Equal([]byte(token), []byte(s.sign("csrf", ck.Value, q, name))) {
		http.Error(w, "The consent form expired or was not sent from this page (CSRF check failed). Go back to the client and start the sign-in again.", http.StatusForbidden)
		return
	}
	u, ok := s.user(name)
	if !ok {
		http.Error(w, "unknown user", http.StatusBadRequest)
		return
	}
	// Re-validate the original authorization request from scratch.
	orig := r.Clone(ctx)
	orig.Method = http.MethodGet
	orig.URL = &url.URL{Path: r.URL.Path, RawQuery: q}
	orig.Form, orig.PostForm, orig.Body = nil, nil, http.NoBody
	orig.Header.Del("Content-Type")
	ar, err := s.provider.NewAuthorizeRequest(ctx, orig)
	if err == nil {
		err = s.checkAuthorize(ar)
	}
	if err == nil && r.PostForm.Get("action") != "allow" {
		err = fosite.ErrAccessDenied.WithHint("The user denied the request on the consent page.")
	}
	if err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.finish(ctx, w, r, ar, u)
}

// finish grants what the user may have and redirects with the code.
//
// A request that brings nothing new because the user may never have the
// missing scopes (typically a step-up for alice, who may only read) is
// denied with a description naming them, rather than answered with the
// same insufficient token again.
func (s *Server) finish(ctx context.Context, w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, u User) {
	var unavailable []string
	for _, sc := range ar.GetRequestedScopes() {
		if !u.may(sc) {
			unavailable = append(unavailable, sc)
		}
	}
	if len(unavailable) > 0 && len(s.newScopes(u, ar)) == 0 {
		err := fosite.ErrAccessDenied.WithHintf("User %s may never be granted %s (rest2mcp dev --user %s=%s); the tools that need it stay unavailable to this user. Sign in as another user to use them.",
			u.Name, strings.Join(unavailable, " "), u.Name, strings.Join(u.Scopes, ","))
		s.log.InfoContext(ctx, "authorization denied: scopes the user may never have", "user", u.Name, "scope", strings.Join(unavailable, " "))
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	for _, sc := range ar.GetRequestedScopes() {
		if u.may(sc) {
			ar.GrantScope(sc)
		}
	}
	for _, a := range ar.GetRequestedAudience() {
		ar.GrantAudience(a)
	}
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, s.newSession(u.Name, ar.GetClient().GetID()))
	if err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.recordConsent(u.Name, ar.GetClient().GetID(), ar.GetGrantedScopes())
	http.SetCookie(w, &http.Cookie{Name: userCookie, Value: u.Name + "." + s.sign("user", u.Name), Path: s.path, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	s.log.InfoContext(ctx, "authorized", "user", u.Name, "client_id", ar.GetClient().GetID(),
		"scope", strings.Join(ar.GetGrantedScopes(), " "), "resource", strings.Join(ar.GetGrantedAudience(), " "))
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// cookieUser returns the signed-in user, if the cookie is valid.
func (s *Server) cookieUser(r *http.Request) (User, bool) {
	def, _ := s.user(DefaultUser)
	c, err := r.Cookie(userCookie)
	if err != nil {
		return def, false
	}
	name, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign("user", name))) {
		return def, false
	}
	u, ok := s.user(name)
	if !ok {
		return def, false
	}
	return u, true
}

func consentKey(user, clientID string) string { return user + "\x00" + clientID }

func (s *Server) recordConsent(user, clientID string, scopes []string) {
	s.consentMu.Lock()
	defer s.consentMu.Unlock()
	k := consentKey(user, clientID)
	s.consents[k] = slices.Compact(slices.Sorted(slices.Values(append(s.consents[k], scopes...))))
}

func (s *Server) consented(user, clientID string) []string {
	s.consentMu.Lock()
	defer s.consentMu.Unlock()
	return slices.Clone(s.consents[consentKey(user, clientID)])
}

// newScopes returns the requested scopes the user may have and has not
// yet granted to the client.
func (s *Server) newScopes(u User, ar fosite.AuthorizeRequester) []string {
	had := s.consented(u.Name, ar.GetClient().GetID())
	var out []string
	for _, sc := range ar.GetRequestedScopes() {
		if u.may(sc) && !slices.Contains(had, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// consentScope is one scope line of the consent page.
type consentScope struct {
	Name  string
	Tools []string
}

type consentPage struct {
	Client, ClientID, RedirectHost string
	URLClient                      bool
	User                           string
	OtherUsers                     []userLink
	Resources                      []Resource
	// New are the requested scopes to allow now, Granted the scopes the
	// user allowed the client before, Unavailable the requested scopes
	// the user may never have.
	New, Granted, Unavailable []consentScope
	Query, CSRF               string
	Issuer                    string
}

type userLink struct{ Name, URL string }

func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, u User) {
	q := r.URL.Query()
	q.Del(userParam)
	raw := q.Encode()
	nonce := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: nonce, Path: s.path, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	p := consentPage{
		Client:    clientName(ar.GetClient()),
		ClientID:  ar.GetClient().GetID(),
		URLClient: isURLClient(ar.GetClient().GetID()),
		User:      u.Name,
		Query:     raw,
		CSRF:      s.sign("csrf", nonce, raw, u.Name),
		Issuer:    s.issuer,
	}
	if ru := ar.GetRedirectURI(); ru != nil {
		p.RedirectHost = ru.Host
	}
	for _, other := range s.users {
		if other.Name != u.Name {
			q2 := r.URL.Query()
			q2.Set(userParam, other.Name)
			p.OtherUsers = append(p.OtherUsers, userLink{Name: other.Name, URL: r.URL.Path + "?" + q2.Encode()})
		}
	}
	tools := map[string][]string{}
	for _, a := range ar.GetRequestedAudience() {
		if res, ok := s.resource(a); ok {
			p.Resources = append(p.Resources, res)
			for _, sc := range res.Scopes {
				tools[sc.Name] = append(tools[sc.Name], sc.Tools...)
			}
		}
	}
	had := s.consented(u.Name, ar.GetClient().GetID())
	for _, sc := range had {
		p.Granted = append(p.Granted, consentScope{Name: sc})
	}
	for _, sc := range ar.GetRequestedScopes() {
		line := consentScope{Name: sc, Tools: slices.Compact(slices.Sorted(slices.Values(tools[sc])))}
		switch {
		case !u.may(sc):
			p.Unavailable = append(p.Unavailable, line)
		case !slices.Contains(had, sc):
			p.New = append(p.New, line)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	if err := consentTemplate.Execute(w, p); err != nil {
		s.log.ErrorContext(r.Context(), "consent page", "err", err)
	}
}

var consentTemplate = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rest2mcp dev: authorize {{.Client}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
.dev{background:#fff3cd;border:1px solid #e0b000;padding:.5rem .8rem;border-radius:6px}
code{background:#f3f3f3;padding:0 .25rem;border-radius:3px}
li{margin:.3rem 0}.muted{color:#666}.bad{color:#a00}
button{font-size:1rem;padding:.45rem 1.2rem;margin-right:.6rem}
</style></head><body>
<p class="dev"><strong>Development authorization server</strong> of <code>rest2mcp dev</code> ({{.Issuer}}).
Users are simulated and there are no passwords; it only listens on this machine. Never use it in production.</p>
<h1>Allow <em>{{.Client}}</em>?</h1>
<p><strong>{{.Client}}</strong>{{if ne .Client .ClientID}} (client ID <code>{{.ClientID}}</code>{{if .URLClient}}, from its metadata document{{end}}){{end}}
asks to call {{range $i, $r := .Resources}}{{if $i}}, {{end}}<strong>{{$r.Name}}</strong> (<code>{{$r.URL}}</code>){{end}}
as <strong>{{.User}}</strong>. After you answer, your browser returns to <code>{{.RedirectHost}}</code>.</p>
<p class="muted">Signed in as <strong>{{.User}}</strong>.{{if .OtherUsers}} Switch user:
{{range .OtherUsers}}<a href="{{.URL}}">{{.Name}}</a> {{end}}{{end}}</p>
{{if .New}}<h2>{{if .Granted}}Additional permissions requested{{else}}Permissions requested{{end}}</h2><ul>
{{range .New}}<li><code>{{.Name}}</code>{{if .Tools}}: lets it use {{range $i, $t := .Tools}}{{if $i}}, {{end}}<code>{{$t}}</code>{{end}}{{else}} <span class="muted">(no tool of this API needs it)</span>{{end}}</li>
{{end}}</ul>{{else}}<p>No new permissions: the client asks only for what it already has{{if .Unavailable}} or what {{.User}} may not have{{end}}.</p>{{end}}
{{if .Granted}}<p class="muted">Allowed earlier: {{range $i, $g := .Granted}}{{if $i}}, {{end}}<code>{{$g.Name}}</code>{{end}}.</p>{{end}}
{{if .Unavailable}}<h2 class="bad">Not available to {{.User}}</h2><ul>
{{range .Unavailable}}<li><code>{{.Name}}</code>{{if .Tools}} (needed by {{range $i, $t := .Tools}}{{if $i}}, {{end}}<code>{{$t}}</code>{{end}}){{end}}: {{$.User}} may never get this scope, so the token will not carry it and these tools answer <em>403 insufficient_scope</em>.</li>
{{end}}</ul>{{end}}
<form method="post" action="consent">
<input type="hidden" name="q" value="{{.Query}}"><input type="hidden" name="user" value="{{.User}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="action" value="allow">Allow</button><button type="submit" name="action" value="deny">Deny</button>
</form></body></html>
`))

// serveHome explains the server at its issuer URL.
func (s *Server) serveHome(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = homeTemplate.Execute(w, map[string]any{"Issuer": s.issuer, "Users": s.users, "Resources": s.resources(), "Metadata": s.MetadataURL()})
}

var homeTemplate = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rest2mcp dev authorization server</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .25rem}</style></head><body>
<h1>rest2mcp development authorization server</h1>
<p>Issuer <code>{{.Issuer}}</code> — metadata at <a href="{{.Metadata}}">{{.Metadata}}</a>. For trying rest2mcp on this machine only; never in production.</p>
<h2>Protected endpoints</h2><ul>{{range .Resources}}<li><code>{{.URL}}</code> ({{.Name}})</li>{{end}}</ul>
<h2>Simulated users</h2><ul>{{range .Users}}<li><strong>{{.Name}}</strong>: {{if .Scopes}}{{range $i, $s := .Scopes}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}{{else}}every scope{{end}}</li>{{end}}</ul>
</body></html>
`))
