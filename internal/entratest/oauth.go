package entratest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	grantAuthCode  = "authorization_code"
	grantRefresh   = "refresh_token"
	grantClientCrd = "client_credentials"
	// GrantJWTBearer is the grant type of on-behalf-of requests.
	GrantJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	codeLifetime   = 10 * time.Minute
)

// scopeRequest is a parsed scope parameter: OpenID Connect scopes plus the
// permissions of exactly one resource.
type scopeRequest struct {
	api    *App
	prefix string   // the App ID URI (or client ID) the scopes used
	names  []string // permission names, without .default
	dflt   bool     // {prefix}/.default was requested
	oidc   []string
}

// qualified returns names qualified by the prefix the client used.
func (sr *scopeRequest) qualified(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, trimSlash(sr.prefix)+"/"+n)
	}
	return out
}

// parseScopes resolves scope for client: unqualified names are Microsoft
// Graph permissions; every permission must exist on its resource, and all
// must belong to one resource. s.mu is held.
func (s *Server) parseScopes(scope, client, tenant string) (*scopeRequest, *aadError) {
	sr := &scopeRequest{}
	for _, tok := range strings.Fields(scope) {
		if slices.Contains(oidcScopes, tok) {
			sr.oidc = append(sr.oidc, tok)
			continue
		}
		prefix, name := "https://graph.microsoft.com", tok
		if i := strings.LastIndex(tok, "/"); i >= 0 {
			prefix, name = tok[:i], tok[i+1:]
		}
		if sr.prefix != "" && sr.prefix != prefix {
			return nil, errManyResources(scope)
		}
		api := s.resourceApp(prefix)
		if api == nil {
			return nil, errUnknownResource(prefix, tenant)
		}
		sr.api, sr.prefix = api, prefix
		switch {
		case name == ".default":
			sr.dflt = true
		case !slices.Contains(api.Scopes, name):
			return nil, errUnknownScope(client, name, api.ClientID)
		case !slices.Contains(sr.names, name):
			sr.names = append(sr.names, name)
		}
	}
	if sr.api == nil {
		// Only OpenID Connect scopes: the access token is for Graph.
		sr.api, sr.prefix, sr.names = s.apps[GraphAppID], "https://graph.microsoft.com", []string{"User.Read"}
	}
	return sr, nil
}

// checkResource applies Entra's rule for an RFC 8707 resource parameter on
// the v2.0 endpoint: it must be an App ID URI of the requested API and the
// scopes must use it as their prefix.
func checkResource(resource string, sr *scopeRequest) *aadError {
	if resource == "" {
		return nil
	}
	if sr.prefix != resource || !slices.Contains(sr.api.AppIDURIs, resource) {
		return errResourceMismatch()
	}
	return nil
}

// authCode is an issued authorization code.
type authCode struct {
	tenant, client, redirect    string
	challenge, method, resource string
	sr                          *scopeRequest
	granted                     []string
	expires                     time.Time
	used                        bool
}

// refreshGrant is what a refresh token stands for.
type refreshGrant struct {
	tenant, client string
	sr             *scopeRequest
	granted        []string
}

// serveAuthorize handles the authorization endpoint: the test user signs
// in and consents at once, then the browser is redirected with a code.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request, tenant string) {
	q := r.URL.Query()
	now := s.now()
	s.mu.Lock()
	client := s.app(q.Get("client_id"))
	s.mu.Unlock()
	if client == nil {
		writeError(w, now, http.StatusBadRequest, *errUnknownClient(q.Get("client_id"), tenant))
		return
	}
	redirect := q.Get("redirect_uri")
	if !redirectAllowed(client.RedirectURIs, redirect) {
		writeError(w, now, http.StatusBadRequest, *errRedirectMismatch(redirect, client.ClientID))
		return
	}
	fail := func(e *aadError) {
		u, _ := url.Parse(redirect)
		v := u.Query()
		v.Set("error", e.err)
		v.Set("error_description", e.description(now))
		v.Set("error_uri", fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", e.code))
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		fail(&aadError{code: 700054, err: "unsupported_response_type", msg: fmt.Sprintf("response_type '%s' is not enabled for the application.", q.Get("response_type"))})
		return
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method != "S256" && method != "plain" && method != "" {
		fail(&aadError{code: 501491, err: "invalid_request", msg: "Invalid size of Code_Challenge parameter or invalid Code_Challenge_Method."})
		return
	}
	s.mu.Lock()
	sr, aerr := s.parseScopes(q.Get("scope"), client.ClientID, tenant)
	if aerr == nil {
		aerr = checkResource(q.Get("resource"), sr)
	}
	if aerr != nil {
		s.mu.Unlock()
		fail(aerr)
		return
	}
	granted := sr.names
	if sr.dflt {
		granted = s.consents[[2]string{client.ClientID, sr.api.ClientID}]
		if len(granted) == 0 {
			granted = sr.api.Scopes
		}
	}
	granted = slices.Clone(granted)
	// The user consents interactively to what was asked.
	k := [2]string{client.ClientID, sr.api.ClientID}
	for _, g := range granted {
		if !slices.Contains(s.consents[k], g) {
			s.consents[k] = append(s.consents[k], g)
		}
	}
	code := opaque(32)
	s.codes[code] = &authCode{
		tenant: tenant, client: client.ClientID, redirect: redirect,
		challenge: q.Get("code_challenge"), method: method, resource: q.Get("resource"),
		sr: sr, granted: granted, expires: now.Add(codeLifetime),
	}
	s.mu.Unlock()
	u, _ := url.Parse(redirect)
	v := u.Query()
	v.Set("code", code)
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	v.Set("session_state", newGUID())
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// redirectAllowed matches uri against the registered redirect URIs; a
// loopback registration matches any port (Entra's rule for native apps).
func redirectAllowed(registered []string, uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || uri == "" {
		return false
	}
	for _, reg := range registered {
		if reg == uri {
			return true
		}
		ru, err := url.Parse(reg)
		if err != nil || !isLoopback(ru.Hostname()) || ru.Scheme != u.Scheme || ru.Hostname() != u.Hostname() {
			continue
		}
		if strings.TrimSuffix(ru.Path, "/") == strings.TrimSuffix(u.Path, "/") {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveToken handles the token endpoint.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, tenant string) {
	now := s.now()
	if r.Method != http.MethodPost {
		writeError(w, now, http.StatusMethodNotAllowed, aadError{code: 900561, err: "invalid_request", msg: "The endpoint only accepts POST requests."})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, now, http.StatusBadRequest, *errMissingParam("grant_type"))
		return
	}
	var (
		body map[string]any
		aerr *aadError
	)
	switch g := r.PostForm.Get("grant_type"); g {
	case grantAuthCode:
		body, aerr = s.redeemCode(r, tenant)
	case grantRefresh:
		body, aerr = s.redeemRefresh(r, tenant)
	case grantClientCrd:
		body, aerr = s.clientCredentials(r, tenant)
	case GrantJWTBearer:
		body, aerr = s.onBehalfOf(r, tenant)
	case "":
		aerr = errMissingParam("grant_type")
	default:
		aerr = errUnsupportedGrant(g)
	}
	if aerr != nil {
		status := http.StatusBadRequest
		if aerr.err == "invalid_client" && aerr.code != 650053 {
			status = http.StatusUnauthorized
		}
		writeError(w, now, status, *aerr)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// authClient authenticates the client of a token request
// (client_secret_basic or client_secret_post; public clients send only
// client_id).
func (s *Server) authClient(r *http.Request, tenant string, confidential bool) (*App, *aadError) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		return nil, errMissingParam("client_id")
	}
	s.mu.Lock()
	app := s.app(id)
	s.mu.Unlock()
	switch {
	case app == nil:
		return nil, errUnknownClient(id, tenant)
	case app.ClientSecret == "" && secret != "":
		return nil, errPublicWithSecret()
	case app.ClientSecret == "" && confidential, app.ClientSecret != "" && secret == "":
		return nil, errMissingSecret()
	case app.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(app.ClientSecret)) != 1:
		return nil, errBadSecret(app.ClientID)
	}
	return app, nil
}

func (s *Server) redeemCode(r *http.Request, tenant string) (map[string]any, *aadError) {
	client, aerr := s.authClient(r, tenant, false)
	if aerr != nil {
		return nil, aerr
	}
	f := r.PostForm
	s.mu.Lock()
	c := s.codes[f.Get("code")]
	switch {
	case c == nil || c.tenant != tenant || c.client != client.ClientID || s.now().After(c.expires):
		s.mu.Unlock()
		return nil, errCodeExpired()
	case c.used:
		s.mu.Unlock()
		return nil, errCodeRedeemed()
	}
	c.used = true
	s.mu.Unlock()
	if f.Get("redirect_uri") != c.redirect {
		return nil, &aadError{code: 500112, err: "invalid_grant", msg: "The reply address does not match the reply address provided when requesting the authorization code."}
	}
	if c.challenge != "" && !pkceOK(c.challenge, c.method, f.Get("code_verifier")) {
		return nil, errPKCE()
	}
	if res := f.Get("resource"); res != "" {
		if aerr := checkResource(res, c.sr); aerr != nil {
			return nil, aerr
		}
	}
	return s.delegatedResponse(grantAuthCode, tenant, client, c.sr, c.granted, s.user, "")
}

func pkceOK(challenge, method, verifier string) bool {
	if verifier == "" {
		return false
	}
	if method == "plain" {
		return subtle.ConstantTimeCompare([]byte(challenge), []byte(verifier)) == 1
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(challenge), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) == 1
}

func (s *Server) redeemRefresh(r *http.Request, tenant string) (map[string]any, *aadError) {
	client, aerr := s.authClient(r, tenant, false)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	rt := r.PostForm.Get("refresh_token")
	g := s.refresh[rt]
	if g == nil || g.tenant != tenant || g.client != client.ClientID {
		s.mu.Unlock()
		return nil, errCodeExpired()
	}
	delete(s.refresh, rt)
	s.mu.Unlock()
	if res := r.PostForm.Get("resource"); res != "" {
		if aerr := checkResource(res, g.sr); aerr != nil {
			return nil, aerr
		}
	}
	return s.delegatedResponse(grantRefresh, tenant, client, g.sr, g.granted, s.user, "")
}

// delegatedResponse issues a user token for sr.api and builds the token
// response.
func (s *Server) delegatedResponse(grant, tenant string, client *App, sr *scopeRequest, granted []string, user User, assertion string) (map[string]any, *aadError) {
	req := TokenRequest{Tenant: tenant, Client: client.ClientID, API: sr.api.ClientID, AppIDURI: sr.prefix, Scopes: granted, User: user}
	s.mu.Lock()
	claims := s.claims(req, client, sr.api)
	s.issued = append(s.issued, Issued{Grant: grant, Client: client.ClientID, Audience: fmt.Sprint(claims["aud"]), Scopes: slices.Clone(granted), Assertion: assertion})
	s.mu.Unlock()
	tok, err := s.sign(claims, sr.api.AccessTokenVersion < 2)
	if err != nil {
		return nil, &aadError{code: 90014, err: "server_error", msg: err.Error()}
	}
	scope := sr.qualified(granted)
	for _, o := range sr.oidc {
		if o != "offline_access" {
			scope = append(scope, o)
		}
	}
	body := map[string]any{
		"token_type":     "Bearer",
		"scope":          strings.Join(scope, " "),
		"expires_in":     int(s.lifetime.Seconds()),
		"ext_expires_in": int(s.lifetime.Seconds()),
		"access_token":   tok,
	}
	if slices.Contains(sr.oidc, "offline_access") && grant != GrantJWTBearer {
		rt := opaque(48)
		s.mu.Lock()
		s.refresh[rt] = &refreshGrant{tenant: tenant, client: client.ClientID, sr: sr, granted: granted}
		s.mu.Unlock()
		body["refresh_token"] = rt
	}
	return body, nil
}

func (s *Server) clientCredentials(r *http.Request, tenant string) (map[string]any, *aadError) {
	client, aerr := s.authClient(r, tenant, true)
	if aerr != nil {
		return nil, aerr
	}
	scope := r.PostForm.Get("scope")
	fields := strings.Fields(scope)
	if len(fields) != 1 || !strings.HasSuffix(fields[0], "/.default") {
		return nil, errNotDefault(scope)
	}
	prefix := strings.TrimSuffix(fields[0], "/.default")
	s.mu.Lock()
	api := s.resourceApp(prefix)
	if api == nil {
		s.mu.Unlock()
		return nil, errUnknownResource(prefix, tenant)
	}
	roles := slices.Clone(s.roles[[2]string{client.ClientID, api.ClientID}])
	claims := s.claims(TokenRequest{Tenant: tenant, Client: client.ClientID, API: api.ClientID, AppIDURI: prefix, AppOnly: true, Roles: roles}, client, api)
	s.issued = append(s.issued, Issued{Grant: grantClientCrd, Client: client.ClientID, Audience: fmt.Sprint(claims["aud"]), Roles: roles})
	s.mu.Unlock()
	tok, err := s.sign(claims, api.AccessTokenVersion < 2)
	if err != nil {
		return nil, &aadError{code: 90014, err: "server_error", msg: err.Error()}
	}
	return map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(s.lifetime.Seconds()),
		"ext_expires_in": int(s.lifetime.Seconds()),
		"access_token":   tok,
	}, nil
}

// onBehalfOf exchanges a user's access token for the middle tier (the
// authenticated confidential client) for a token to a downstream API.
func (s *Server) onBehalfOf(r *http.Request, tenant string) (map[string]any, *aadError) {
	client, aerr := s.authClient(r, tenant, true)
	if aerr != nil {
		return nil, aerr
	}
	f := r.PostForm
	switch {
	case f.Get("requested_token_use") == "":
		return nil, errMissingParam("requested_token_use")
	case f.Get("requested_token_use") != "on_behalf_of":
		return nil, &aadError{code: 70003, err: "invalid_request", msg: "The app requested an unsupported requested_token_use '" + f.Get("requested_token_use") + "'."}
	case f.Get("assertion") == "":
		return nil, errMissingParam("assertion")
	case f.Get("scope") == "":
		return nil, errMissingParam("scope")
	}
	assertion := f.Get("assertion")
	claims, reason := s.verify(assertion)
	if reason != "" {
		return nil, errAssertion(reason)
	}
	tid, _ := claims["tid"].(string)
	iss, _ := claims["iss"].(string)
	if !s.knownTenant(tid) || (iss != s.Issuer(tid) && iss != s.IssuerV1(tid)) {
		return nil, errAssertion("The issuer is not valid for this tenant.")
	}
	if exp, _ := claims["exp"].(float64); time.Unix(int64(exp), 0).Before(s.now()) {
		return nil, errAssertionExpired()
	}
	aud, _ := claims["aud"].(string)
	if aud != client.ClientID && !slices.Contains(client.AppIDURIs, aud) {
		return nil, errAssertionAudience(aud, client.ClientID)
	}
	oid, _ := claims["oid"].(string)
	if _, delegated := claims["scp"]; !delegated || oid == "" {
		return nil, errAssertion("The assertion is not a user token.")
	}
	user := User{ObjectID: oid}
	user.Name, _ = claims["name"].(string)
	if user.UPN, _ = claims["preferred_username"].(string); user.UPN == "" {
		user.UPN, _ = claims["upn"].(string)
	}
	s.mu.Lock()
	sr, aerr := s.parseScopes(f.Get("scope"), client.ClientID, tenant)
	if aerr != nil {
		s.mu.Unlock()
		return nil, aerr
	}
	consented := s.consents[[2]string{client.ClientID, sr.api.ClientID}]
	granted := sr.names
	if sr.dflt {
		granted = consented
	}
	granted = slices.Clone(granted)
	ok := len(granted) > 0
	for _, g := range granted {
		ok = ok && slices.Contains(consented, g)
	}
	s.mu.Unlock()
	if !ok {
		return nil, errConsent(client.ClientID, client.Name)
	}
	return s.delegatedResponse(GrantJWTBearer, tenant, client, sr, granted, user, assertion)
}
