package authbridge

import "errors"

// ErrNoToken reports a request without bearer credentials. The middleware
// answers it with a 401 challenge that carries no error code (RFC 6750 §3.1).
var ErrNoToken = errors.New("no bearer token")

// ErrInvalidToken reports a token that was presented but is not acceptable
// (malformed, expired, wrong audience, bad signature, inactive…). Errors
// returned by [Verifier.Verify] for such tokens are [*InvalidTokenError]
// values that match ErrInvalidToken with errors.Is.
var ErrInvalidToken = errors.New("invalid token")

// ErrUnavailable reports that a token could not be checked because an
// authorization server (metadata, JWKS or introspection) is unreachable or
// misbehaving. The request must fail closed, with 503 rather than 401.
var ErrUnavailable = errors.New("token verification unavailable")

// InvalidTokenError is a rejected token with a short, token-free reason
// suitable for the error_description of a challenge.
type InvalidTokenError struct {
	// Reason is a fixed phrase such as "token expired"; it never contains
	// token content or claim values.
	Reason string
}

// Error returns "invalid token: " followed by the reason.
func (e *InvalidTokenError) Error() string { return "invalid token: " + e.Reason }

// Is makes errors.Is(err, ErrInvalidToken) true.
func (e *InvalidTokenError) Is(target error) bool { return target == ErrInvalidToken }

// Reasons used in [InvalidTokenError].
const (
	reasonMalformed      = "malformed token"
	reasonTooLarge       = "token too large"
	reasonEncrypted      = "encrypted tokens are not accepted"
	reasonUnknownIssuer  = "unknown issuer"
	reasonAlgorithm      = "signing algorithm not allowed"
	reasonTyp            = "token type is not at+jwt"
	reasonUnknownKey     = "signing key not found"
	reasonSignature      = "signature invalid"
	reasonExpired        = "token expired"
	reasonNoExpiry       = "token has no exp claim"
	reasonNotYetValid    = "token not yet valid"
	reasonIssuedInFuture = "token issued in the future"
	reasonAudience       = "audience mismatch"
	reasonInactive       = "token inactive"
	reasonTokenType      = "not an access token"
	reasonClaims         = "invalid claims"
)

func invalid(reason string) error { return &InvalidTokenError{Reason: reason} }
