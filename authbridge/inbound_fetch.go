package authbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of [VerifierOptions].
const (
	DefaultHTTPTimeout      = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
)

// defaultHTTPClient returns the client used when none is injected: a
// timeout, and no redirects (metadata, JWKS and introspection endpoints are
// configured or discovered URLs; following redirects would widen the set of
// hosts the gateway can be made to contact).
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: DefaultHTTPTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// noRedirects returns a copy of c that never follows redirects; the
// redirect response is returned as is, and fails as a non-200 answer.
func noRedirects(c *http.Client) *http.Client {
	out := *c
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// statusError is a non-2xx answer from an authorization server endpoint.
type statusError struct {
	Method string
	URL    string
	Status int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: unexpected status %d", e.Method, e.URL, e.Status)
}

// fetcher performs bounded JSON requests to authorization servers.
type fetcher struct {
	client   *http.Client
	maxBytes int64
}

// getJSON fetches u and decodes a JSON object into v.
func (f fetcher) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	return f.do(req, v)
}

// postForm posts form to u with optional basic credentials and decodes a
// JSON object into v.
func (f fetcher) postForm(ctx context.Context, u string, form url.Values, basicUser, basicPass string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basicUser != "" {
		// RFC 6749 §2.3.1: the client ID and secret are form-urlencoded
		// before they are used as HTTP Basic user and password.
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	return f.do(req, v)
}

func (f fetcher) do(req *http.Request, v any) error {
	resp, err := f.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			// url.Error repeats the URL; keep only the cause.
			err = uerr.Err
		}
		return fmt.Errorf("%s %s: %w", req.Method, redactURL(req.URL), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", req.Method, redactURL(req.URL), err)
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{Method: req.Method, URL: redactURL(req.URL), Status: resp.StatusCode}
	}
	if int64(len(body)) > f.maxBytes {
		return fmt.Errorf("%s %s: response larger than %d bytes", req.Method, redactURL(req.URL), f.maxBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s %s: decode JSON: %w", req.Method, redactURL(req.URL), err)
	}
	return nil
}

// redactURL drops user info and query from u for logs and errors.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}
