package openapi

// This file is the contract between the loader and its consumers (mcpgen,
// policies, gateway). kin-openapi types never appear here.

// Schema is a JSON Schema 2020-12 object produced from an OpenAPI schema.
//
// References to other schemas are always local and of the form
// "#/$defs/<name>", where <name> is a key of [Document.Schemas]. Schemas are
// shared between operations and must be treated as immutable: consumers that
// need a modified copy must clone first (see [CloneSchema]).
type Schema = map[string]any

// Document is a loaded, normalised OpenAPI description.
type Document struct {
	// Title, Version and Description come from the info object.
	Title       string
	Version     string
	Description string
	// OpenAPIVersion is the version of the source document as written
	// ("2.0", "3.0.3", "3.1.0", ...).
	OpenAPIVersion string
	// Servers are the document-level servers, in order. Swagger 2.0
	// host/basePath/schemes are converted to servers.
	Servers []Server
	// Operations lists every operation that could be loaded, sorted by path
	// then by method (GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE).
	Operations []*Operation
	// Schemas holds the named schemas referenced (transitively) from the
	// operations, keyed by the name used in "#/$defs/<name>" references.
	Schemas map[string]Schema
	// SecuritySchemes are the document's security schemes by name.
	SecuritySchemes map[string]*SecurityScheme
	// Security is the document-level security requirement list (OR of
	// requirement objects). Nil when the document declares none.
	Security []SecurityRequirement
	// Diagnostics lists every problem found while loading, errors and
	// warnings alike. Operations with errors are left out of Operations.
	Diagnostics Diagnostics
}

// Server is an OpenAPI server object.
type Server struct {
	URL         string
	Description string
	Variables   map[string]ServerVariable
}

// ServerVariable is a server URL template variable.
type ServerVariable struct {
	Default     string
	Enum        []string
	Description string
}

// Operation is one HTTP operation of the document.
type Operation struct {
	// ID is the operationId exactly as written; empty when the document has
	// none.
	ID string
	// Method is the upper-case HTTP method.
	Method string
	// Path is the path template as written in the document, without any
	// "#fragment" or "?query" suffix some documents put in path keys (see
	// PathKey for the original key).
	Path string
	// PathKey is the key of the paths object the operation was found under.
	PathKey string
	// Pointer is the JSON pointer of the operation in the source document,
	// e.g. "/paths/~1pets~1{id}/get".
	Pointer string
	// FixedQuery holds query parameters fixed by the path key itself
	// (OpenAPI documents such as "/responses?beta=true").
	FixedQuery map[string]string

	Summary     string
	Description string
	Tags        []string
	Deprecated  bool

	// Parameters are the merged path-item and operation parameters.
	Parameters []*Parameter
	// RequestBody is nil when the operation takes no body.
	RequestBody *RequestBody
	// Success is the first 2xx response (by status code; "2XX" and then
	// "default" are used when no explicit 2xx exists). Nil when none.
	Success *Response

	// Security is the effective security requirement list: the operation's
	// own when SecurityDefined, otherwise the document's. An empty non-nil
	// slice means explicitly public (security: []).
	Security []SecurityRequirement
	// SecurityDefined reports whether the operation declares its own
	// security (including an explicit empty list).
	SecurityDefined bool

	// Servers overrides the document servers for this operation (path-item
	// or operation level); nil when not overridden.
	Servers []Server
	// Extensions holds the operation's "x-" extensions with their decoded
	// JSON values.
	Extensions map[string]any
}

// Parameter locations.
const (
	InPath   = "path"
	InQuery  = "query"
	InHeader = "header"
	InCookie = "cookie"
)

// Parameter is an operation parameter with its serialisation resolved.
type Parameter struct {
	Name        string
	In          string
	Description string
	Required    bool
	Deprecated  bool
	// Style is the serialisation style with the OpenAPI default applied
	// (form for query/cookie, simple for path/header).
	Style string
	// Explode has the OpenAPI default applied (true for form, else false).
	Explode       bool
	AllowReserved bool
	// Schema is the parameter's schema (never nil; {} when unspecified).
	Schema Schema
	// ContentType is set when the parameter is described by "content"
	// instead of "schema" (the value is then serialised with that media
	// type, usually application/json).
	ContentType string
}

// RequestBody is an operation's request body.
type RequestBody struct {
	Description string
	Required    bool
	// ContentType is the media type chosen for sending, by preference:
	// application/json (or +json), application/x-www-form-urlencoded,
	// multipart/form-data, text/plain, application/octet-stream, then the
	// first listed.
	ContentType string
	// ContentTypes lists every media type the operation accepts, in
	// document order.
	ContentTypes []string
	// Schema is the schema of the chosen media type ({} when unspecified).
	Schema Schema
	// Encoding holds per-property encodings for form and multipart bodies.
	Encoding map[string]Encoding
}

// Encoding is an OpenAPI encoding object for one body property.
type Encoding struct {
	ContentType string
	Style       string
	Explode     *bool
}

// Response is an operation response.
type Response struct {
	// Status is the status key as written ("200", "2XX", "default").
	Status      string
	Description string
	// ContentType is the preferred media type (JSON first); empty when the
	// response has no content.
	ContentType string
	// Schema is the schema of ContentType; nil when the response has no
	// content or no schema.
	Schema Schema
}

// SecurityRequirement maps security scheme names to required scopes. All
// entries of one requirement are needed (AND); a list of requirements is
// an OR.
type SecurityRequirement map[string][]string

// Security scheme types.
const (
	SchemeOAuth2        = "oauth2"
	SchemeOpenIDConnect = "openIdConnect"
	SchemeAPIKey        = "apiKey"
	SchemeHTTP          = "http"
	SchemeMutualTLS     = "mutualTLS"
)

// SecurityScheme is a (flattened) OpenAPI security scheme.
type SecurityScheme struct {
	Name        string
	Type        string
	Description string
	// Scheme is the HTTP auth scheme for type http ("basic", "bearer").
	Scheme string
	// In and ParamName locate an apiKey ("header", "query", "cookie").
	In        string
	ParamName string
	// OpenIDConnectURL is set for type openIdConnect.
	OpenIDConnectURL string
	// Flows lists the OAuth 2 flows by name ("authorizationCode",
	// "clientCredentials", "implicit", "password").
	Flows map[string]OAuthFlow
}

// OAuthFlow is one OAuth 2 flow of a security scheme.
type OAuthFlow struct {
	AuthorizationURL string
	TokenURL         string
	RefreshURL       string
	// Scopes maps scope names to their descriptions.
	Scopes map[string]string
}

// Severity ranks a [Diagnostic].
type Severity int

// Severities, most severe first.
const (
	SeverityError Severity = iota
	SeverityWarning
	SeverityInfo
)

// String returns "error", "warning" or "info".
func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	default:
		return "info"
	}
}

// Diagnostic is one coded problem found in a document. Codes are a stable
// contract; messages are not.
type Diagnostic struct {
	Code     string
	Severity Severity
	// File is the file or URL the problem is in (empty for in-memory data).
	File string
	// Pointer is the JSON pointer of the offending node, when known.
	Pointer string
	// Line and Column are 1-based; zero when unknown.
	Line    int
	Column  int
	Message string
}

// Diagnostics is a list of problems.
type Diagnostics []Diagnostic
