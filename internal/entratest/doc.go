// Package entratest runs an in-process emulation of Microsoft Entra ID
// (the Microsoft identity platform) for unit and end-to-end tests: the
// parts an MCP gateway, its clients and its on-behalf-of calls meet, with
// Entra's shapes and errors rather than a generic OAuth server's.
//
// What it serves, under one loopback base URL that plays
// https://login.microsoftonline.com:
//
//   - OpenID Connect metadata at the tenant-specific paths only:
//     /{tenant}/v2.0/.well-known/openid-configuration (issuer
//     {base}/{tenant}/v2.0) and /{tenant}/.well-known/openid-configuration
//     (the v1.0 document, issuer https://sts.windows.net/{tenant}/). There is
//     no RFC 8414 document, no path-inserted OpenID document, no
//     registration_endpoint and no code_challenge_methods_supported, as with
//     Entra; every other path answers 404.
//   - JSON Web Key Sets at /{tenant}/discovery/v2.0/keys,
//     /common/discovery/v2.0/keys, /{tenant}/discovery/keys and
//     /common/discovery/keys. Every tenant shares the same RSA keys. Keys
//     carry kty, use "sig", kid, x5t (the SHA-1 certificate thumbprint, equal
//     to kid), n, e and x5c, and no "alg". [Server.Rotate] adds a key and
//     signs with it, [Server.RetireOldKeys] unpublishes the others.
//   - Access tokens with header typ "JWT" (never at+jwt), alg RS256 and kid
//     (v1.0 tokens also x5t). The token version follows the resource
//     application's manifest ([App.AccessTokenVersion], the
//     requestedAccessTokenVersion / accessTokenAcceptedVersion setting), not
//     the endpoint: v2.0 tokens have aud = the application (client) ID GUID,
//     iss {base}/{tenant}/v2.0, azp/azpacr, ver "2.0"; v1.0 tokens have aud =
//     the App ID URI the client asked for, iss https://sts.windows.net/{tenant}/,
//     appid/appidacr, ver "1.0". Delegated tokens carry the short permission
//     names in scp ("Pets.Read", never "api://…/Pets.Read"); app-only tokens
//     (client credentials) carry roles and no scp.
//   - /{tenant}/oauth2/v2.0/authorize (authorization code with PKCE; the
//     test user signs in and consents without a page) and
//     /{tenant}/oauth2/v2.0/token (authorization_code, refresh_token,
//     client_credentials, and on-behalf-of: grant
//     urn:ietf:params:oauth:grant-type:jwt-bearer with
//     requested_token_use=on_behalf_of). Clients must be registered
//     beforehand ([Server.Register]): there is no dynamic registration.
//     Scopes are "{App ID URI}/{permission}" or "{App ID URI}/.default";
//     an unqualified scope names a Microsoft Graph permission. An RFC 8707
//     "resource" parameter is accepted only when it is an App ID URI of the
//     requested API and the scopes use exactly it as prefix; otherwise the
//     request fails with AADSTS9010010, as Entra's v2.0 endpoint does.
//   - Errors shaped like Entra's: JSON bodies with error,
//     error_description ("AADSTSnnnn: …" followed by trace and correlation
//     IDs and a timestamp), error_codes, timestamp, trace_id,
//     correlation_id, error_uri and, for consent, suberror
//     "consent_required". Codes used: AADSTS700016 (unknown client),
//     AADSTS50011 (redirect URI mismatch), AADSTS9010010 (resource does not
//     match the scopes), AADSTS28000 (scopes of several resources),
//     AADSTS500011 (unknown resource), AADSTS650053 (unknown scope, Graph
//     for unqualified names), AADSTS1002012 (client credentials without
//     /.default), AADSTS7000215 / AADSTS7000218 / AADSTS700025 (client
//     authentication), AADSTS501481 (PKCE), AADSTS70008 / AADSTS54005
//     (expired or redeemed code), AADSTS65001 (consent required, on-behalf-of
//     for permissions the middle tier was never granted), AADSTS50013
//     (invalid on-behalf-of assertion: signature, audience, issuer, user),
//     AADSTS500133 (expired assertion), AADSTS90002 (unknown tenant).
//     Messages paraphrase Microsoft's; some conditions Entra reports with
//     codes not emulated here are folded into the nearest one above.
//
// The shapes come from Microsoft's public documentation:
//
//   - OpenID Connect metadata and endpoints:
//     https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
//   - Access token format, versions, header (typ, x5t, kid), signing keys and
//     validation: https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens
//     and https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
//   - Key rollover and keys shared across tenants:
//     https://learn.microsoft.com/en-us/entra/identity-platform/signing-key-rollover
//   - Authorization code flow with PKCE (scope syntax, loopback redirect
//     ports, token response, error response):
//     https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
//   - Client credentials (/.default, roles):
//     https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
//   - On-behalf-of (jwt-bearer, requested_token_use, AADSTS65001 with
//     suberror consent_required):
//     https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-on-behalf-of-flow
//   - Scopes, permissions, .default and consent:
//     https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc
//   - App manifest (identifierUris, requestedAccessTokenVersion):
//     https://learn.microsoft.com/en-us/entra/identity-platform/reference-microsoft-graph-app-manifest
//   - Error codes: https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
//     and the AADSTS9010010 reports of MCP clients that send the RFC 8707
//     resource (e.g. github.com/punkpeye/mcp-remote/issues/217,
//     github.com/anthropics/claude-code/issues/73460).
//
// The server listens on 127.0.0.1 over plain HTTP and is closed by
// t.Cleanup. A typical test:
//
//	e := entratest.New(t, nil)
//	api := e.Register(entratest.App{Name: "petstore", AppIDURIs: []string{"api://petstore"},
//		Scopes: []string{"Pets.Read"}, AccessTokenVersion: 2})
//	tok := e.Delegated(t, entratest.TokenRequest{Client: entratest.VSCodeClientID, API: api.ClientID, Scopes: []string{"Pets.Read"}})
package entratest
