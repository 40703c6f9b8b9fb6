package entratest

import (
	"fmt"
	"net/http"
	"time"
)

// aadError is an Entra (AADSTS) error.
type aadError struct {
	code     int    // AADSTS number
	err      string // OAuth error code
	msg      string // message after "AADSTSnnnn: "
	suberror string // e.g. consent_required
}

func (e *aadError) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.code, e.msg) }

// description is the error_description: the AADSTS message followed by
// trace and correlation IDs and a timestamp, as Entra writes it.
func (e *aadError) description(now time.Time) string {
	return fmt.Sprintf("%s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
		e.Error(), newGUID(), newGUID(), now.UTC().Format("2006-01-02 15:04:05Z"))
}

// writeError writes e as Entra's JSON error response.
func writeError(w http.ResponseWriter, now time.Time, status int, e aadError) {
	body := map[string]any{
		"error":             e.err,
		"error_description": e.description(now),
		"error_codes":       []int{e.code},
		"timestamp":         now.UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          newGUID(),
		"correlation_id":    newGUID(),
		"error_uri":         fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", e.code),
	}
	if e.suberror != "" {
		body["suberror"] = e.suberror
	}
	writeJSON(w, status, body)
}

// Error constructors, one per emulated AADSTS code.

func errUnknownClient(client, tenant string) *aadError {
	return &aadError{code: 700016, err: "unauthorized_client", msg: fmt.Sprintf(
		"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", client, tenant)}
}

func errRedirectMismatch(uri, client string) *aadError {
	return &aadError{code: 50011, err: "invalid_request", msg: fmt.Sprintf(
		"The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'.", uri, client)}
}

func errResourceMismatch() *aadError {
	return &aadError{code: 9010010, err: "invalid_target", msg: "The resource parameter provided in the request doesn't match with the requested scopes."}
}

func errManyResources(scope string) *aadError {
	return &aadError{code: 28000, err: "invalid_scope", msg: fmt.Sprintf(
		"Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", scope)}
}

func errUnknownResource(prefix, tenant string) *aadError {
	return &aadError{code: 500011, err: "invalid_resource", msg: fmt.Sprintf(
		"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", prefix, tenant)}
}

func errUnknownScope(client, scope, api string) *aadError {
	return &aadError{code: 650053, err: "invalid_client", msg: fmt.Sprintf(
		"The application '%s' asked for scope '%s' that doesn't exist on the resource '%s'. Contact the app vendor.", client, scope, api)}
}

func errNotDefault(scope string) *aadError {
	return &aadError{code: 1002012, err: "invalid_scope", msg: fmt.Sprintf(
		"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)}
}

func errMissingSecret() *aadError {
	return &aadError{code: 7000218, err: "invalid_client", msg: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

func errBadSecret(client string) *aadError {
	return &aadError{code: 7000215, err: "invalid_client", msg: fmt.Sprintf(
		"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", client)}
}

func errPublicWithSecret() *aadError {
	return &aadError{code: 700025, err: "invalid_client", msg: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."}
}

func errPKCE() *aadError {
	return &aadError{code: 501481, err: "invalid_grant", msg: "The Code_Verifier does not match the code_challenge supplied in the authorization request."}
}

func errCodeExpired() *aadError {
	return &aadError{code: 70008, err: "invalid_grant", msg: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."}
}

func errCodeRedeemed() *aadError {
	return &aadError{code: 54005, err: "invalid_grant", msg: "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."}
}

func errConsent(client, name string) *aadError {
	return &aadError{code: 65001, err: "invalid_grant", suberror: "consent_required", msg: fmt.Sprintf(
		"The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", client, name)}
}

func errAssertion(reason string) *aadError {
	return &aadError{code: 50013, err: "invalid_grant", msg: "Assertion failed signature validation. [Reason - " + reason + "]"}
}

func errAssertionAudience(got, want string) *aadError {
	return &aadError{code: 50013, err: "invalid_grant", msg: fmt.Sprintf(
		"Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '%s' and the expected audience is '%s' or one of the Application Id URIs of this application.", got, want)}
}

func errAssertionExpired() *aadError {
	return &aadError{code: 500133, err: "invalid_grant", msg: "Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token."}
}

func errMissingParam(name string) *aadError {
	return &aadError{code: 900144, err: "invalid_request", msg: fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

func errUnsupportedGrant(grant string) *aadError {
	return &aadError{code: 70003, err: "unsupported_grant_type", msg: fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)}
}
