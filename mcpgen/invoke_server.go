package mcpgen

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// upstreamBase is a resolved upstream server: the parts of an absolute
// http(s) URL that prefix every request path.
type upstreamBase struct {
	scheme string
	host   string
	// path is the escaped base path without a trailing slash ("" or
	// "/v1").
	path string
}

// String returns the base URL.
func (b upstreamBase) String() string { return b.scheme + "://" + b.host + b.path }

// errNoServer is reported when neither a base URL, a server nor a spec URL
// tells where the upstream is.
var errNoServer = errors.New("no upstream base URL: set BaseURL, or provide the document's servers or the spec URL")

// newUpstreamBase validates an absolute upstream URL.
func newUpstreamBase(u *url.URL) (upstreamBase, error) {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return upstreamBase{}, fmt.Errorf("upstream URL %q: scheme must be http or https", u.Redacted())
	case u.Host == "":
		return upstreamBase{}, fmt.Errorf("upstream URL %q: missing host", u.Redacted())
	case u.User != nil:
		return upstreamBase{}, fmt.Errorf("upstream URL %q: must not contain user information (use the credentials hook)", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery:
		return upstreamBase{}, fmt.Errorf("upstream URL %q: must not contain a query", u.Redacted())
	case u.Fragment != "":
		return upstreamBase{}, fmt.Errorf("upstream URL %q: must not contain a fragment", u.Redacted())
	}
	return upstreamBase{
		scheme: u.Scheme,
		host:   u.Host,
		path:   strings.TrimRight(u.EscapedPath(), "/"),
	}, nil
}

// parseBaseURL validates the operator-given base URL override.
func parseBaseURL(raw string) (upstreamBase, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return upstreamBase{}, fmt.Errorf("parse base URL: %w", err)
	}
	if !u.IsAbs() {
		return upstreamBase{}, fmt.Errorf("base URL %q must be absolute", raw)
	}
	return newUpstreamBase(u)
}

// resolveServers picks the first server, substitutes its variables
// (overrides first, then defaults) and resolves a relative URL against
// specURL. With no servers, OpenAPI's implied server "/" is used, which
// needs specURL.
func resolveServers(servers []openapi.Server, overrides map[string]string, specURL *url.URL) (upstreamBase, error) {
	srv := openapi.Server{URL: "/"}
	if len(servers) > 0 {
		srv = servers[0]
	}
	raw, err := substituteServerVariables(srv, overrides)
	if err != nil {
		return upstreamBase{}, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return upstreamBase{}, fmt.Errorf("parse server URL %q: %w", raw, err)
	}
	if !u.IsAbs() {
		if specURL == nil {
			if len(servers) == 0 {
				return upstreamBase{}, errNoServer
			}
			return upstreamBase{}, fmt.Errorf("server URL %q is relative: set the upstream base URL or the spec URL it is relative to", raw)
		}
		u = specURL.ResolveReference(u)
	}
	return newUpstreamBase(u)
}

// substituteServerVariables replaces every {name} in the server URL.
func substituteServerVariables(srv openapi.Server, overrides map[string]string) (string, error) {
	var b strings.Builder
	rest := srv.URL
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("server URL %q: unterminated variable", srv.URL)
		}
		name := rest[open+1 : open+end]
		def, declared := srv.Variables[name]
		value, overridden := overrides[name]
		switch {
		case overridden:
			if declared && len(def.Enum) > 0 && !slices.Contains(def.Enum, value) {
				return "", fmt.Errorf("server URL %q: value %q for variable %q is not one of %q", srv.URL, value, name, def.Enum)
			}
		case declared:
			value = def.Default
		default:
			return "", fmt.Errorf("server URL %q: variable %q has no default and no override", srv.URL, name)
		}
		b.WriteString(rest[:open])
		b.WriteString(value)
		rest = rest[open+end+1:]
	}
}
