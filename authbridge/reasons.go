package authbridge

import (
	"context"
	"errors"
	"net/http"
)

// RejectReason says why [RequireBearer] refused a request. The values are
// few and fixed, so they can label metrics; they never carry the token or
// the verifier's detailed reason.
type RejectReason string

// The reasons [RequireBearer] refuses a request for.
const (
	// RejectMissingToken: no bearer credentials (401 without error code).
	RejectMissingToken RejectReason = "missing_token"
	// RejectInvalidRequest: malformed Authorization header, several of
	// them, or a token outside the header (400 invalid_request).
	RejectInvalidRequest RejectReason = "invalid_request"
	// RejectInvalidToken: the token was verified and refused (401
	// invalid_token).
	RejectInvalidToken RejectReason = "invalid_token"
	// RejectUnavailable: the token could not be verified, the
	// authorization server being unreachable (503, fail closed).
	RejectUnavailable RejectReason = "unavailable"
)

// reject reports reason to the OnReject hook of opts, if any.
func (opts *MiddlewareOptions) reject(r *http.Request, reason RejectReason) {
	if opts.OnReject != nil {
		opts.OnReject(r.Context(), reason)
	}
}

// onRejectFunc is the type of [MiddlewareOptions.OnReject].
type onRejectFunc = func(ctx context.Context, reason RejectReason)

// verifyRejectReason classifies a Verify error exactly as writeVerifyError
// answers it.
func verifyRejectReason(err error) RejectReason {
	if _, ok := errors.AsType[*InvalidTokenError](err); ok {
		return RejectInvalidToken
	}
	if errors.Is(err, ErrNoToken) {
		return RejectMissingToken
	}
	return RejectUnavailable
}
