// Package authbridge is the OAuth boundary of the gateway. Inbound, it
// makes each API's MCP endpoint an OAuth 2.1 resource server: it verifies
// bearer tokens, publishes RFC 9728 protected resource metadata and writes
// RFC 6750 / RFC 9728 challenges. Outbound, it supplies upstream
// credentials (token exchange, client credentials, static secrets) so
// that the caller's token is never forwarded.
//
// It owns no tools or specs, and imports neither mcp-go nor the openapi,
// mcpgen or policies packages; the gateway connects them.
//
// # Inbound entry points
//
//   - [Config] is the per-API "auth" section; [Config.Validate] lists every
//     problem, [Config.Warnings] explains the usual identity provider traps.
//   - [NewVerifier] compiles a Config for one resource URL; [Verifier.Verify]
//     turns a raw token into a [Principal] or an error matching
//     [ErrNoToken], [ErrInvalidToken] or [ErrUnavailable].
//   - [RequireBearer] is net/http middleware that authenticates every
//     request and stores the Principal in the context
//     ([PrincipalFromContext]).
//   - [NewPRM], [NewPRMHandler], [PRMPath] and [PRMURL] publish the metadata.
//   - [Challenge], [WriteUnauthorized], [WriteInsufficientScope],
//     [WriteForbidden] render challenges, for the gateway's scope pre-check
//     too.
//   - [NewRateLimiter] limits tool calls per caller.
//
// A typical wiring for one API:
//
//	v, err := authbridge.NewVerifier(ctx, authbridge.VerifierOptions{
//		Resource: "https://gw.example.com/mcp/pets", Config: cfg.Auth,
//		HTTPClient: ssrfSafeClient, Logger: logger, LookupEnv: os.LookupEnv,
//	})
//	prmURL, _ := authbridge.PRMURL(v.Resource())
//	mux.Handle(authbridge.PRMPath(v.Resource()),
//		authbridge.NewPRMHandler(authbridge.NewPRM(v.Resource(), cfg.Auth, nil)))
//	mux.Handle("/mcp/pets", authbridge.RequireBearer(v, authbridge.MiddlewareOptions{
//		ResourceMetadataURL: prmURL, Scopes: baselineScopes,
//	})(mcpHandler))
//
// See DESIGN.md for the verification rules and their reasons.
package authbridge
