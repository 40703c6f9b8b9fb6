package authbridge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// jwtHeader holds the JOSE header fields inspected before any key lookup.
type jwtHeader struct {
	Alg  string   `json:"alg"`
	Typ  string   `json:"typ"`
	Enc  string   `json:"enc"`
	Crit []string `json:"crit"`
}

// unverifiedJWT is a compact JWS decoded without checking its signature;
// it only routes the token to an issuer and selects error reasons.
type unverifiedJWT struct {
	header jwtHeader
	claims map[string]any
}

// parseJWT decodes the header and payload of a three-part compact JWS. It
// reports false for anything else (garbage, JSON serialization), cheaply
// and without network.
func parseJWT(raw string) (unverifiedJWT, bool) {
	var t unverifiedJWT
	h, p, ok := strings.Cut(raw, ".")
	if !ok {
		return t, false
	}
	// An empty signature is allowed here so that alg "none" is reported
	// as a disallowed algorithm rather than as garbage.
	p, sig, ok := strings.Cut(p, ".")
	if !ok || h == "" || p == "" {
		return t, false
	}
	if !decodeSegment(h, &t.header) || t.header.Alg == "" {
		return t, false
	}
	if !decodeSegment(p, &t.claims) || t.claims == nil {
		return t, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(sig); err != nil {
		return t, false
	}
	return t, true
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil || len(b) == 0 || b[0] != '{' {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// verifyJWT applies, in order: issuer selection (configured issuers only),
// the algorithm allow-list and typ rule (before any key lookup), the
// signature through go-oidc with the issuer's rate-limited key set, then
// audience and time claims.
func (v *Verifier) verifyJWT(ctx context.Context, raw string, tok unverifiedJWT) (*Principal, error) {
	if tok.header.Enc != "" {
		return nil, invalid(reasonEncrypted)
	}
	iss, _ := tok.claims["iss"].(string)
	is := v.byIssuer[iss]
	if is == nil {
		return nil, invalid(reasonUnknownIssuer)
	}
	if !is.algs[tok.header.Alg] {
		return nil, invalid(reasonAlgorithm)
	}
	if len(tok.header.Crit) > 0 {
		// No critical header extension is understood (RFC 7515 §4.1.11).
		return nil, invalid(reasonMalformed)
	}
	if is.cfg.RequireTyp && !isATJWT(tok.header.Typ) {
		return nil, invalid(reasonTyp)
	}
	verifier, _, err := is.ready(ctx)
	if err != nil {
		return nil, err
	}
	if verifier == nil {
		// The issuer publishes no jwks_uri.
		return nil, invalid(reasonUnknownKey)
	}
	sink := &sigSink{}
	idt, err := verifier.Verify(context.WithValue(ctx, sigSinkKey{}, sink), raw)
	if err != nil {
		return nil, classifyOIDCError(err, sink, tok.claims, is)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil || claims == nil {
		return nil, invalid(reasonMalformed)
	}
	return is.principal(raw, claims, true)
}

func classifyOIDCError(err error, sink *sigSink, claims map[string]any, is *issuer) error {
	if sink.err != nil {
		return sink.err
	}
	if !sink.verified {
		// go-oidc refused the token before the signature check.
		return invalid(reasonMalformed)
	}
	var expired *oidc.TokenExpiredError
	if errors.As(err, &expired) {
		if _, ok := claims["exp"]; !ok {
			return invalid(reasonNoExpiry)
		}
		return invalid(reasonExpired)
	}
	// The signature was valid (go-oidc checks it first), so the claims
	// can be used to name the rule that failed.
	if _, ok := stringList(claims["aud"]); !ok {
		return invalid(reasonClaims)
	}
	if terr := is.checkTimes(claims); terr != nil {
		return terr
	}
	return invalid(reasonMalformed)
}

// isATJWT reports whether typ is the RFC 9068 access token type.
func isATJWT(typ string) bool {
	return strings.EqualFold(typ, "at+jwt") || strings.EqualFold(typ, "application/at+jwt")
}
