package authbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Token endpoint response bounds.
const (
	// maxTokenResponse bounds the bytes read from a token endpoint.
	maxTokenResponse = 1 << 20
	// maxTokenLifetime caps expires_in, so that a misconfigured
	// authorization server cannot pin a token in the cache for days.
	maxTokenLifetime = 24 * time.Hour
)

// tokenEndpoint posts form requests with client authentication to an
// OAuth token endpoint and parses the answer (RFC 6749 §5).
type tokenEndpoint struct {
	url      string
	clientID string
	auth     string // one of the ClientAuth* constants
	secret   string
	signer   *assertionSigner // for private_key_jwt
	client   *http.Client
	svc      tokenService
}

// tokenResponse is a token endpoint answer, success or error.
type tokenResponse struct {
	AccessToken      string          `json:"access_token"`
	IssuedTokenType  string          `json:"issued_token_type"`
	TokenType        string          `json:"token_type"`
	ExpiresIn        json.RawMessage `json:"expires_in"`
	Scope            string          `json:"scope"`
	Error            string          `json:"error"`
	ErrorDescription string          `json:"error_description"`
	SubError         string          `json:"suberror"`
}

// grant is a parsed successful token response.
type grant struct {
	fetchedToken
	issuedTokenType string
	scope           string
}

// authenticate adds client authentication to form and returns the values
// for an HTTP Basic header, if that method is used.
func (e *tokenEndpoint) authenticate(form url.Values) (user, pass string, basic bool, err error) {
	switch e.auth {
	case ClientAuthSecretPost:
		form.Set("client_id", e.clientID)
		form.Set("client_secret", e.secret)
	case ClientAuthPrivateKeyJWT:
		a, err := e.signer.sign()
		if err != nil {
			return "", "", false, err
		}
		form.Set("client_id", e.clientID)
		form.Set("client_assertion_type", clientAssertionType)
		form.Set("client_assertion", a)
	default:
		// RFC 6749 §2.3.1: form-URL-encode both before Basic encoding.
		return url.QueryEscape(e.clientID), url.QueryEscape(e.secret), true, nil
	}
	return "", "", false, nil
}

// post sends form to the endpoint and returns the granted token. scopes
// are the requested scopes, used in error messages.
func (e *tokenEndpoint) post(ctx context.Context, form url.Values, scopes []string, allowNA bool) (grant, error) {
	user, pass, basic, err := e.authenticate(form)
	if err != nil {
		return grant{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, strings.NewReader(form.Encode()))
	if err != nil {
		return grant{}, fmt.Errorf("build token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		req.SetBasicAuth(user, pass)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return grant{}, e.svc.transportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse+1))
	if err != nil {
		return grant{}, e.svc.transportError(err)
	}
	return e.parse(resp.StatusCode, body, scopes, allowNA)
}

// parse interprets a token endpoint answer. allowNA accepts token_type
// N_A, which RFC 8693 §2.2.1 uses for tokens that are not access tokens.
func (e *tokenEndpoint) parse(status int, body []byte, scopes []string, allowNA bool) (grant, error) {
	ok := status >= 200 && status < 300
	if len(body) > maxTokenResponse {
		if ok {
			return grant{}, e.svc.invalidResponse(status, "response larger than 1 MiB")
		}
		return grant{}, e.svc.oauthError(status, "", "", "", scopes)
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(bytes.TrimSpace(body), &tr)
	if !ok || tr.Error != "" {
		return grant{}, e.svc.oauthError(status, tr.Error, tr.SubError, tr.ErrorDescription, scopes)
	}
	if jsonErr != nil {
		return grant{}, e.svc.invalidResponse(status, "malformed JSON")
	}
	if tr.AccessToken == "" {
		return grant{}, e.svc.invalidResponse(status, "no access_token")
	}
	if !validHeaderValue(tr.AccessToken) {
		return grant{}, e.svc.invalidResponse(status, "access_token contains control characters")
	}
	if err := checkTokenType(tr.TokenType, allowNA); err != nil {
		return grant{}, e.svc.invalidResponse(status, err.Error())
	}
	lifetime, err := parseExpiresIn(tr.ExpiresIn)
	if err != nil {
		return grant{}, e.svc.invalidResponse(status, err.Error())
	}
	return grant{
		fetchedToken:    fetchedToken{token: tr.AccessToken, lifetime: lifetime},
		issuedTokenType: tr.IssuedTokenType,
		scope:           tr.Scope,
	}, nil
}

// checkTokenType accepts Bearer tokens (and an absent token_type, which
// some servers omit); other types such as DPoP need proof we cannot give.
func checkTokenType(tt string, allowNA bool) error {
	switch {
	case tt == "" || strings.EqualFold(tt, "bearer"):
		return nil
	case allowNA && tt == "N_A":
		return nil
	}
	if s := sanitizeDescription(tt); s != "" && len(s) <= 32 {
		return fmt.Errorf("token_type %q is not supported", s)
	}
	return fmt.Errorf("token_type is not supported")
}

// parseExpiresIn reads expires_in as a JSON number or numeric string.
// Absent means unknown (zero); values at or below zero yield a lifetime
// too short to cache; values above a day are capped.
func parseExpiresIn(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	s := string(raw)
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("expires_in is not a number")
	}
	switch {
	case n <= 0:
		return time.Nanosecond, nil
	case n >= maxTokenLifetime.Seconds():
		return maxTokenLifetime, nil
	}
	return time.Duration(n * float64(time.Second)), nil
}
