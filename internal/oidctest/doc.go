// Package oidctest runs an in-process OAuth 2.0 authorization server for
// tests: RFC 8414 and OpenID Connect discovery documents (path-aware
// issuers such as https://127.0.0.1:port/tenant1), a JWKS endpoint with
// generated RSA, EC P-256 and Ed25519 keys, key rotation, an RFC 7662
// introspection endpoint backed by an in-memory table of opaque tokens, an
// optional token endpoint hook, request counters, and a token minting API
// that can also forge malicious tokens (alg "none", HS256 keyed with the
// public key, a foreign key under a published kid).
//
// A typical test:
//
//	as := oidctest.New(t, &oidctest.Options{Path: "/tenant1"})
//	claims := as.AccessClaims("https://gw.example/mcp/pets", "pets:read")
//	token := as.Mint(t, claims)                       // RS256, typ at+jwt
//	es := as.Mint(t, claims, oidctest.WithAlg("ES256"))
//	forged := as.Mint(t, claims, oidctest.WithAlgNone())
//
// Servers listen on 127.0.0.1 with plain HTTP (loopback issuers are allowed
// by the gateway's configuration rules) and are closed by t.Cleanup.
package oidctest
