package mcpgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// ArgumentError reports a tool argument that cannot be turned into a valid
// upstream request: a missing required argument, an unknown argument, a
// value of the wrong type, or undecodable base64. Its message names the
// argument and is safe to show to the model so it can correct the call.
type ArgumentError struct {
	// Arg is the argument (input-schema property) name.
	Arg string
	// Message says what is wrong, e.g. "is required" or "expected integer,
	// got string".
	Message string
}

// Error returns `argument "<Arg>" <Message>`.
func (e *ArgumentError) Error() string {
	return fmt.Sprintf("argument %q %s", e.Arg, e.Message)
}

// argErrorf builds an [ArgumentError] for arg.
func argErrorf(arg, format string, a ...any) *ArgumentError {
	return &ArgumentError{Arg: arg, Message: fmt.Sprintf(format, a...)}
}

// UpstreamError is a non-2xx response from the upstream API. Body holds the
// start of the response body (compacted when it is JSON), bounded to about
// 2 KB, so that callers can log it and tell 4xx from 5xx.
type UpstreamError struct {
	// Status is the HTTP status code.
	Status int
	// Body is the bounded start of the response body.
	Body string
}

// Error returns "upstream returned HTTP <Status>" followed by the body.
func (e *UpstreamError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("upstream returned HTTP %d", e.Status)
	}
	return fmt.Sprintf("upstream returned HTTP %d: %s", e.Status, e.Body)
}

// CredentialError is returned by an [InvokerOptions.Credentials] hook when
// downstream credentials cannot be applied for a reason the user may see
// (for example "consent required for the calendar API"). Its Message is
// copied into the tool result verbatim; any other error from the hook is
// logged and replaced by a generic message.
type CredentialError struct {
	// Message is safe to show to the user and the model; it must not
	// contain tokens or secrets.
	Message string
}

// Error returns the message.
func (e *CredentialError) Error() string { return e.Message }

// ForbiddenError is the cause recorded in [Result.Err] when the
// [InvokerOptions.Authorize] hook refuses a call.
type ForbiddenError struct {
	// Err is the hook's error.
	Err error
}

// Error returns "forbidden: " followed by the hook's error.
func (e *ForbiddenError) Error() string { return "forbidden: " + e.Err.Error() }

// Unwrap returns the hook's error.
func (e *ForbiddenError) Unwrap() error { return e.Err }

// TransportError is the cause recorded in [Result.Err] when no usable
// response was received from the upstream: a timeout, a DNS failure, a
// refused connection, a TLS failure or a broken body.
type TransportError struct {
	// Message is the plain, user-safe description placed in the result.
	Message string
	// Err is the underlying error (for logs only).
	Err error
}

// Error returns the message and the underlying error.
func (e *TransportError) Error() string { return e.Message + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// describeTransportError turns an error from sending a request or reading
// its body into a short message without internal detail. callCtx is the
// per-call context (carrying the invoker timeout) and parent the caller's.
func describeTransportError(parent, callCtx context.Context, host string, timeout time.Duration, err error) string {
	switch {
	case parent.Err() != nil:
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return "the call's deadline passed before the upstream answered"
		}
		return "the call was cancelled"
	case errors.Is(callCtx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("upstream timed out after %s", timeout)
	case isTimeout(err):
		// A timeout of the gateway's HTTP client or transport.
		return fmt.Sprintf("upstream host %s timed out", host)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("could not resolve upstream host %s", host)
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("could not connect to upstream host %s: connection refused", host)
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("connection to upstream host %s was reset", host)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("could not connect to upstream host %s: host unreachable", host)
	case isTLSError(err):
		return fmt.Sprintf("TLS handshake with upstream host %s failed", host)
	}
	return fmt.Sprintf("request to upstream host %s failed", host)
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isTLSError reports whether err comes from TLS or certificate checking.
func isTLSError(err error) bool {
	var (
		verr  *tls.CertificateVerificationError
		rerr  tls.RecordHeaderError
		aerr  tls.AlertError
		uaerr x509.UnknownAuthorityError
		herr  x509.HostnameError
		cerr  x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &rerr) || errors.As(err, &aerr) ||
		errors.As(err, &uaerr) || errors.As(err, &herr) || errors.As(err, &cerr)
}
