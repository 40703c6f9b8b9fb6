package entratest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// LoginRequest is an interactive sign-in done the way a public client
// with a pre-registered client ID does it (authorization code with PKCE;
// the browser step is headless), e.g. VS Code's Microsoft provider.
type LoginRequest struct {
	// Tenant is the tenant ID; empty means the first tenant.
	Tenant string
	// ClientID is the registered public client.
	ClientID string
	// RedirectURI is the loopback redirect URI.
	RedirectURI string
	// Scopes are requested as given (e.g. api://petstore/Pets.Read).
	Scopes []string
	// Resource is an RFC 8707 resource indicator; empty sends none.
	Resource string
}

// TokenResponse is a successful token endpoint response.
type TokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// ErrorResponse is an Entra error response (token endpoint body, or the
// error parameters of an authorization redirect).
type ErrorResponse struct {
	Status      int    `json:"-"`
	Err         string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
	Suberror    string `json:"suberror"`
}

func (e *ErrorResponse) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Err, strings.SplitN(e.Description, "\r\n", 2)[0])
}

// Login signs the server's user in for req through the authorization and
// token endpoints and returns the tokens. Entra errors are returned as
// *ErrorResponse.
func (s *Server) Login(ctx context.Context, req LoginRequest) (*TokenResponse, error) {
	if req.Tenant == "" {
		req.Tenant = s.tenants[0]
	}
	verifier := opaque(32)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id":             {req.ClientID},
		"response_type":         {"code"},
		"redirect_uri":          {req.RedirectURI},
		"scope":                 {strings.Join(req.Scopes, " ")},
		"state":                 {"st"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	if req.Resource != "" {
		q.Set("resource", req.Resource)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, s.AuthorizeURL(req.Tenant)+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("authorize: %w", err)
	}
	if resp.StatusCode != http.StatusFound {
		return nil, decodeError(resp)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("authorize redirect: %w", err)
	}
	if e := loc.Query().Get("error"); e != "" {
		return nil, &ErrorResponse{Status: http.StatusFound, Err: e, Description: loc.Query().Get("error_description")}
	}
	form := url.Values{
		"grant_type":    {grantAuthCode},
		"client_id":     {req.ClientID},
		"code":          {loc.Query().Get("code")},
		"redirect_uri":  {req.RedirectURI},
		"code_verifier": {verifier},
	}
	if req.Resource != "" {
		form.Set("resource", req.Resource)
	}
	return s.PostToken(ctx, req.Tenant, form)
}

// PostToken posts form to the token endpoint of tenant.
func (s *Server) PostToken(ctx context.Context, tenant string, form url.Values) (*TokenResponse, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, s.TokenURL(tenant), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, decodeError(resp)
	}
	defer resp.Body.Close()
	var tr TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		return nil, fmt.Errorf("token response: %w", err)
	}
	if tr.AccessToken == "" {
		return nil, errors.New("token response without access_token")
	}
	return &tr, nil
}

func decodeError(resp *http.Response) error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	e := &ErrorResponse{Status: resp.StatusCode}
	if json.Unmarshal(b, e) != nil || e.Err == "" {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return e
}
