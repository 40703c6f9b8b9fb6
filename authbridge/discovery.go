package authbridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// asMetadata is the part of RFC 8414 / OpenID Connect discovery metadata
// the verifier uses.
type asMetadata struct {
	Issuer                string `json:"issuer"`
	JWKSURI               string `json:"jwks_uri"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
}

// DiscoveryURLs returns the metadata URLs tried for issuer, in the order of
// the MCP authorization specification: for https://as/t1,
// /.well-known/oauth-authorization-server/t1,
// /.well-known/openid-configuration/t1 and /t1/.well-known/openid-configuration;
// for an issuer without a path, the RFC 8414 then the OpenID Connect
// well-known URL. A trailing slash of the issuer path is ignored.
func DiscoveryURLs(issuer string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid issuer %q", issuer)
	}
	base := u.Scheme + "://" + u.Host
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	if path == "" {
		return []string{
			base + "/.well-known/oauth-authorization-server",
			base + "/.well-known/openid-configuration",
		}, nil
	}
	return []string{
		base + "/.well-known/oauth-authorization-server" + path,
		base + "/.well-known/openid-configuration" + path,
		base + path + "/.well-known/openid-configuration",
	}, nil
}

// discover fetches the metadata of issuer from explicit, or else from the
// [DiscoveryURLs] in order. The first document whose "issuer" equals issuer
// exactly wins (RFC 8414 §3.3); documents for another issuer are skipped
// and reported if nothing better is found.
func (f fetcher) discover(ctx context.Context, issuer, explicit string) (*asMetadata, error) {
	candidates := []string{explicit}
	if explicit == "" {
		var err error
		if candidates, err = DiscoveryURLs(issuer); err != nil {
			return nil, err
		}
	}
	var errs []error
	for _, u := range candidates {
		var md asMetadata
		if err := f.getJSON(ctx, u, &md); err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if md.Issuer != issuer {
			errs = append(errs, fmt.Errorf("%s: issuer %q does not match the configured issuer", u, md.Issuer))
			continue
		}
		if err := md.check(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
			continue
		}
		return &md, nil
	}
	return nil, fmt.Errorf("discover metadata of %s: %w", issuer, errors.Join(errs...))
}

func (md *asMetadata) check() error {
	if md.JWKSURI != "" {
		if err := checkHTTPURL(md.JWKSURI, false); err != nil {
			return fmt.Errorf("jwks_uri: %w", err)
		}
	}
	if md.IntrospectionEndpoint != "" {
		if err := checkHTTPURL(md.IntrospectionEndpoint, false); err != nil {
			return fmt.Errorf("introspection_endpoint: %w", err)
		}
	}
	return nil
}
