package authbridge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// TokenVerifier verifies a raw bearer token; [*Verifier] implements it.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*Principal, error)
}

// MiddlewareOptions configures [RequireBearer].
type MiddlewareOptions struct {
	// ResourceMetadataURL is the absolute URL of the resource's RFC 9728
	// metadata, sent as resource_metadata in every challenge (see
	// [PRMURL]).
	ResourceMetadataURL string
	// Scopes returns the baseline scopes for 401 challenges; it is called
	// per challenge so that a policy reload is reflected. Nil means none.
	Scopes func() []string
	// Logger receives one debug line per rejection (never the token). Nil
	// discards.
	Logger *slog.Logger
	// OnReject, when set, is called once per refused request with the
	// reason (metrics count refusals by it). Nil means none.
	OnReject onRejectFunc
}

// maxFormPeek bounds how much of a form-encoded body is inspected for an
// access_token parameter.
const maxFormPeek = 64 << 10

var errMalformedAuthorization = errors.New("malformed authorization header")

// RequireBearer returns middleware that authenticates every request,
// whatever its method, with an Authorization: Bearer token verified by v,
// and stores the [Principal] in the request context
// ([PrincipalFromContext]). Outcomes:
//   - no bearer credentials (none, or another scheme): 401 with
//     resource_metadata and scope, without error code (RFC 6750 §3.1);
//   - malformed header, several Authorization headers, or a token in the
//     query string or form body (RFC 6750 §2.2/2.3 are refused): 400
//     invalid_request;
//   - rejected token: 401 error="invalid_token" with a short reason;
//   - authorization server unreachable: 503 (fail closed).
func RequireBearer(v TokenVerifier, opts MiddlewareOptions) func(http.Handler) http.Handler {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "authbridge")
	challenge := func(code, desc string) Challenge {
		ch := Challenge{ResourceMetadata: opts.ResourceMetadataURL, Error: code, Description: desc}
		if opts.Scopes != nil && code != ErrorCodeInvalidRequest {
			ch.Scopes = opts.Scopes()
		}
		return ch
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if desc := tokenOutsideHeader(r); desc != "" {
				logger.DebugContext(r.Context(), "bearer rejected", "reason", desc)
				opts.reject(r, RejectInvalidRequest)
				WriteInvalidRequest(w, challenge(ErrorCodeInvalidRequest, desc))
				return
			}
			values := r.Header.Values("Authorization")
			if len(values) > 1 {
				opts.reject(r, RejectInvalidRequest)
				WriteInvalidRequest(w, challenge(ErrorCodeInvalidRequest, "multiple Authorization headers"))
				return
			}
			var header string
			if len(values) == 1 {
				header = values[0]
			}
			raw, err := ParseAuthorization(header)
			switch {
			case errors.Is(err, ErrNoToken):
				opts.reject(r, RejectMissingToken)
				WriteUnauthorized(w, challenge("", ""))
				return
			case err != nil:
				logger.DebugContext(r.Context(), "bearer rejected", "reason", err.Error())
				opts.reject(r, RejectInvalidRequest)
				WriteInvalidRequest(w, challenge(ErrorCodeInvalidRequest, err.Error()))
				return
			}
			p, err := v.Verify(r.Context(), raw)
			if err != nil {
				opts.reject(r, verifyRejectReason(err))
				writeVerifyError(w, r, err, challenge, logger)
				return
			}
			next.ServeHTTP(w, r.WithContext(ContextWithPrincipal(r.Context(), p)))
		})
	}
}

func writeVerifyError(w http.ResponseWriter, r *http.Request, err error, challenge func(code, desc string) Challenge, logger *slog.Logger) {
	var ite *InvalidTokenError
	switch {
	case errors.As(err, &ite):
		logger.DebugContext(r.Context(), "bearer rejected", "reason", ite.Reason)
		WriteUnauthorized(w, challenge(ErrorCodeInvalidToken, ite.Reason))
	case errors.Is(err, ErrNoToken):
		WriteUnauthorized(w, challenge("", ""))
	default:
		// ErrUnavailable, cancellation, or anything unexpected: never let
		// the request through, and do not blame the token.
		logger.WarnContext(r.Context(), "token verification unavailable", "err", err)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":"temporarily_unavailable","error_description":"the authorization server cannot be reached; retry later"}`+"\n")
	}
}

// ParseAuthorization extracts the token of an Authorization header value
// of the form "Bearer <b64token>" (RFC 6750 §2.1; the scheme is
// case-insensitive, one or more spaces separate it from exactly one
// token). An empty header or another scheme gives [ErrNoToken]; anything
// else malformed gives an error whose text is safe to show (it never
// contains the header).
func ParseAuthorization(header string) (string, error) {
	header = strings.Trim(header, " \t")
	if header == "" {
		return "", ErrNoToken
	}
	scheme, rest, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		if isToken68Scheme(scheme) {
			return "", ErrNoToken
		}
		return "", errMalformedAuthorization
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return "", errors.New("empty bearer token")
	}
	if strings.ContainsAny(rest, " \t") {
		return "", errors.New("more than one bearer token")
	}
	if !isB64Token(rest) {
		return "", errors.New("bearer token has invalid characters")
	}
	return rest, nil
}

// isB64Token reports whether s matches
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// isToken68Scheme reports whether s is a valid auth-scheme token (RFC 9110
// tchar), i.e. another, well-formed scheme such as Basic or DPoP.
func isToken68Scheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// tokenOutsideHeader returns a description when the request carries an
// access_token in its query string or form-encoded body, which this
// resource refuses (MCP: tokens only in the Authorization header). The
// body, if inspected, is restored.
func tokenOutsideHeader(r *http.Request) string {
	// ParseQuery keeps the valid pairs when others are malformed.
	if q, _ := url.ParseQuery(r.URL.RawQuery); q.Has("access_token") {
		return "access_token in the query string is not accepted; use the Authorization header"
	}
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return ""
	}
	peek, err := io.ReadAll(io.LimitReader(r.Body, maxFormPeek))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(peek), r.Body), r.Body}
	if err != nil {
		return ""
	}
	if form, _ := url.ParseQuery(string(peek)); form.Has("access_token") {
		return "access_token in the request body is not accepted; use the Authorization header"
	}
	return ""
}
