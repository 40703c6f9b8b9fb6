package authbridge

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
)

// staticStrategy adds a fixed credential: a header, a query parameter,
// HTTP Basic or a bearer token. Its value is never printed.
type staticStrategy struct {
	header string // header name, "" for query
	query  string // query parameter name, "" for header
	value  string // full header value or query value
}

// newStaticStrategy resolves the secret of c.
func newStaticStrategy(c StaticConfig, lookupEnv func(string) (string, bool)) (*staticStrategy, error) {
	if c.Basic != nil {
		pw, err := c.Basic.Password.Resolve(lookupEnv)
		if err != nil {
			return nil, fmt.Errorf("upstreamAuth.static.basic.password: %w", err)
		}
		creds := base64.StdEncoding.EncodeToString([]byte(c.Basic.Username + ":" + pw))
		return &staticStrategy{header: "Authorization", value: "Basic " + creds}, nil
	}
	v, err := c.Value.Resolve(lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("upstreamAuth.static.value: %w", err)
	}
	if !validHeaderValue(v) || !validHeaderValue(c.Prefix) {
		return nil, fmt.Errorf("upstreamAuth.static.value: contains control characters")
	}
	switch {
	case c.Bearer:
		return &staticStrategy{header: "Authorization", value: "Bearer " + v}, nil
	case c.Query != "":
		return &staticStrategy{query: c.Query, value: v}, nil
	default:
		return &staticStrategy{header: http.CanonicalHeaderKey(c.Header), value: c.Prefix + v}, nil
	}
}

func (s *staticStrategy) apply(_ context.Context, req *http.Request, _ *Principal, _ []string) error {
	if s.query != "" {
		q := req.URL.Query()
		q.Set(s.query, s.value)
		req.URL.RawQuery = q.Encode()
		return nil
	}
	req.Header.Set(s.header, s.value)
	return nil
}

// validHeaderValue rejects control characters other than tab, which would
// break or split the header.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
