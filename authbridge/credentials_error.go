package authbridge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
)

// Codes of [CredentialError]. The OAuth ones are the token endpoint's
// error codes (RFC 6749 §5.2, RFC 8693 §2.2.2, OIDC Core §3.1.2.6); the
// others describe failures around the request. Codes are a stable contract;
// messages are not.
const (
	CredentialInvalidGrant        = "invalid_grant"
	CredentialConsentRequired     = "consent_required"
	CredentialInteractionRequired = "interaction_required"
	CredentialInvalidScope        = "invalid_scope"
	CredentialInvalidTarget       = "invalid_target"
	CredentialUnauthorizedClient  = "unauthorized_client"
	CredentialInvalidClient       = "invalid_client"
	// CredentialRejected is any other error the token endpoint returned.
	CredentialRejected = "rejected"
	// CredentialTimeout means the token endpoint did not answer in time.
	CredentialTimeout = "timeout"
	// CredentialUnavailable means the token endpoint could not be reached
	// or answered with a server error or 429.
	CredentialUnavailable = "unavailable"
	// CredentialInvalidResponse means the token endpoint's answer was not
	// a usable token response (malformed, oversized, no access_token).
	CredentialInvalidResponse = "invalid_response"
	// CredentialNoSubjectToken means a delegated strategy was called
	// without an authenticated caller.
	CredentialNoSubjectToken = "no_subject_token"
	// CredentialNoScopes means a strategy that needs scopes had none.
	CredentialNoScopes = "no_scopes"
	// CredentialPassthroughRefused means the caller's own token would have
	// been sent upstream; the request was stopped.
	CredentialPassthroughRefused = "passthrough_refused"
)

// CredentialError is returned by [Credentials.Apply] when upstream
// credentials cannot be obtained. Its message is safe to show to the caller:
// it never contains tokens, secrets or the token endpoint's raw answer.
type CredentialError struct {
	// Code classifies the failure; see the Credential* constants.
	Code string
	// Message explains the failure to a user or operator.
	Message string
	// Retryable reports whether the same call may succeed later unchanged
	// (timeouts, 5xx, 429).
	Retryable bool
	// NeedsInteraction reports whether the user must sign in again or grant
	// consent (invalid_grant, consent_required, interaction_required).
	NeedsInteraction bool
	// ConsentURL is the configured consent page, set with consent_required
	// and interaction_required when [UpstreamAuthConfig.ConsentURL] is set.
	ConsentURL string
	// Scopes are the scopes that were requested.
	Scopes []string
	// Status is the token endpoint's HTTP status; zero when none was received.
	Status int

	cause error
}

// Error returns the safe message.
func (e *CredentialError) Error() string { return e.Message }

// Unwrap returns the underlying transport error, if any: the
// [context.DeadlineExceeded] of a timeout, [context.Canceled], or the
// *url.Error of a failed connection (worth logging; it names the token URL
// but never carries credentials or token endpoint bodies).
func (e *CredentialError) Unwrap() error { return e.cause }

// tokenService names a token endpoint and its API in messages.
type tokenService struct {
	// api is the API name, or the token endpoint host when unnamed.
	api        string
	host       string
	consentURL string
}

// oauthError maps a token endpoint error response to a [CredentialError].
func (s tokenService) oauthError(status int, code, subError, desc string, scopes []string) *CredentialError {
	e := &CredentialError{Code: CredentialRejected, Status: status, Scopes: slices.Clone(scopes)}
	switch eff := effectiveOAuthCode(code, subError, desc); eff {
	case CredentialInvalidGrant:
		e.Code, e.NeedsInteraction = CredentialInvalidGrant, true
		e.Message = fmt.Sprintf("your session for %s has expired or was revoked; reconnect to sign in again", s.api)
	case CredentialConsentRequired, CredentialInteractionRequired, "login_required":
		e.Code, e.NeedsInteraction, e.ConsentURL = CredentialInteractionRequired, true, s.consentURL
		if eff == CredentialConsentRequired {
			e.Code = CredentialConsentRequired
		}
		e.Message = fmt.Sprintf("the upstream API %s needs your consent%s; sign in again to grant it", s.api, forScopes(scopes))
		if d := sanitizeDescription(desc); d != "" {
			e.Message += " (" + d + ")"
		}
	case CredentialInvalidScope:
		e.Code = CredentialInvalidScope
		e.Message = fmt.Sprintf("the token service at %s rejected the requested scopes%s for %s; an administrator must check upstreamAuth.scopes, upstreamAuth.scopePrefix and the client's permissions", s.host, inParens(scopes), s.api)
	case CredentialInvalidTarget:
		e.Code = CredentialInvalidTarget
		e.Message = fmt.Sprintf("the token service at %s rejected the requested audience or resource for %s; an administrator must check upstreamAuth.audience and upstreamAuth.resource", s.host, s.api)
	case CredentialUnauthorizedClient:
		e.Code = CredentialUnauthorizedClient
		e.Message = fmt.Sprintf("the gateway's client is not allowed to use this grant at %s (for %s); an administrator must check the client registration", s.host, s.api)
	case CredentialInvalidClient:
		e.Code = CredentialInvalidClient
		e.Message = fmt.Sprintf("the token service at %s rejected the gateway's client credentials for %s; an administrator must check upstreamAuth.clientID and its secret or key", s.host, s.api)
	case "temporarily_unavailable", "server_error":
		e.Code, e.Retryable = CredentialUnavailable, true
		e.Message = fmt.Sprintf("the token service at %s did not answer (%s); try again", s.host, code)
	default:
		if status >= 500 || status == http.StatusTooManyRequests {
			e.Code, e.Retryable = CredentialUnavailable, true
			e.Message = fmt.Sprintf("the token service at %s did not answer (HTTP %d); try again", s.host, status)
			break
		}
		what := fmt.Sprintf("HTTP %d", status)
		if c := sanitizeDescription(code); c != "" {
			what = c
		}
		e.Message = fmt.Sprintf("the token service at %s rejected the token request for %s (%s); an administrator must check the upstreamAuth configuration", s.host, s.api, what)
	}
	return e
}

// transportError maps a failure to reach the token endpoint.
func (s tokenService) transportError(err error) *CredentialError {
	e := &CredentialError{Code: CredentialUnavailable, Retryable: true, cause: err}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		e.Code, e.cause = CredentialTimeout, context.DeadlineExceeded
		e.Message = fmt.Sprintf("the token service at %s did not answer (timeout); try again", s.host)
		return e
	}
	if errors.Is(err, context.Canceled) {
		e.cause = context.Canceled
		e.Message = fmt.Sprintf("the request to the token service at %s was cancelled", s.host)
		return e
	}
	e.Message = fmt.Sprintf("the token service at %s did not answer (connection failed); try again", s.host)
	return e
}

// invalidResponse reports an unusable success response; reason is ours,
// never the body.
func (s tokenService) invalidResponse(status int, reason string) *CredentialError {
	return &CredentialError{
		Code:    CredentialInvalidResponse,
		Status:  status,
		Message: fmt.Sprintf("the token service at %s returned an invalid response (%s); an administrator must check the token service", s.host, reason),
	}
}

// passthroughRefused reports that the caller's token would have gone upstream.
func (s tokenService) passthroughRefused(why string) *CredentialError {
	return &CredentialError{
		Code:    CredentialPassthroughRefused,
		Message: fmt.Sprintf("refusing to send the caller's own access token to the upstream API %s (%s)", s.api, why),
	}
}

// effectiveOAuthCode folds Entra's sub-errors into the standard codes:
// Entra answers invalid_grant with suberror consent_required (AADSTS65001)
// when the user has not consented, and interaction_required for MFA.
func effectiveOAuthCode(code, subError, desc string) string {
	switch subError {
	case CredentialConsentRequired, CredentialInteractionRequired, "login_required":
		return subError
	}
	if code == CredentialInvalidGrant && strings.HasPrefix(desc, "AADSTS65001") {
		return CredentialConsentRequired
	}
	return code
}

// forScopes renders " for scopes a, b" or nothing.
func forScopes(scopes []string) string {
	if len(scopes) == 0 {
		return ""
	}
	return " for scopes " + strings.Join(scopes, ", ")
}

// inParens renders " (a b)" or nothing.
func inParens(scopes []string) string {
	if len(scopes) == 0 {
		return ""
	}
	return " (" + strings.Join(scopes, " ") + ")"
}

// maxDescription bounds an error_description worth showing.
const maxDescription = 200

// sanitizeDescription returns a short, printable first line of an
// authorization server's error text, or "" if it is long, unprintable or
// might carry a token (any run of 32 or more token-like characters).
func sanitizeDescription(desc string) string {
	if i := strings.IndexAny(desc, "\r\n"); i >= 0 {
		desc = desc[:i]
	}
	if i := strings.Index(desc, " Trace ID:"); i >= 0 {
		desc = desc[:i]
	}
	desc = strings.TrimSpace(desc)
	if desc == "" || len(desc) > maxDescription {
		return ""
	}
	run := 0
	for i := 0; i < len(desc); i++ {
		c := desc[i]
		if c < 0x20 || c >= 0x7f {
			return ""
		}
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == '+' || c == '/' || c == '=' {
			run++
			if run >= 32 {
				return ""
			}
			continue
		}
		run = 0
	}
	return desc
}
