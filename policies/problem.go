package policies

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Problem codes. Codes are a stable contract; messages are not.
const (
	// CodeInvalidPolicy: a field has an invalid value (error).
	CodeInvalidPolicy = "policy-invalid"
	// CodeUnknownEffect: a rule effect is neither allow nor deny (error).
	CodeUnknownEffect = "policy-unknown-effect"
	// CodeCEL: a rule condition does not compile or is not a bool (error).
	CodeCEL = "policy-cel"
	// CodeHierarchyCycle: the scope hierarchy has a cycle (error).
	CodeHierarchyCycle = "policy-hierarchy-cycle"
	// CodeInvalidExtension: an operation's scope extension is malformed
	// (error).
	CodeInvalidExtension = "policy-invalid-extension"
	// CodeInvalidTool: a tool reference is unusable: no operation, empty or
	// duplicate name (error).
	CodeInvalidTool = "policy-invalid-tool"
	// CodeRuleUnmatched: a rule matches no tool of the API (warning).
	CodeRuleUnmatched = "policy-rule-unmatched"
	// CodeRuleShadowed: a rule matches tools but earlier rules without a
	// condition always decide them first (warning).
	CodeRuleShadowed = "policy-rule-shadowed"
	// CodeUndeclaredScope: a scope used by a rule, an extension or the
	// baseline is declared neither by an oauth2 scheme of the spec, nor in
	// scopeMap, nor in hierarchy (warning).
	CodeUndeclaredScope = "policy-undeclared-scope"
	// CodeUnknownScheme: an OpenAPI security requirement names a scheme the
	// document does not declare; its scopes are required anyway (warning).
	CodeUnknownScheme = "policy-unknown-scheme"
	// CodeNoRequirement: an operation needs only a valid token while other
	// tools of the API need scopes (warning under default "spec", info under
	// default "allow").
	CodeNoRequirement = "policy-no-requirement"
	// CodePublicNotAllowed: an operation declares `security: []` but
	// allowPublic is false, so it needs a valid token (warning).
	CodePublicNotAllowed = "policy-public-not-allowed"
	// CodeUnscopedAlternative: some operations need no scope because their
	// OpenAPI security offers an alternative without scopes next to scoped
	// ones; one summary for the API (info).
	CodeUnscopedAlternative = "policy-unscoped-alternative"
	// CodeOfflineAccess: offline_access was left out of the baseline or of
	// a requirement (warning).
	CodeOfflineAccess = "policy-offline-access"
)

// Problem is one finding of [Config.Validate] or [Compile], for
// `rest2mcp validate` and the admin UI.
type Problem struct {
	// Code is one of the Code constants.
	Code string
	// Severity uses the same scale as OpenAPI diagnostics.
	Severity openapi.Severity
	// Path locates the problem in the policy ("rules[2].when"); empty when
	// the problem is about a tool only.
	Path string
	// Tool names the tool concerned, when there is one.
	Tool string
	// Pointer is the JSON pointer of the operation in the spec, for
	// problems found in the spec itself (extension, security).
	Pointer string
	// Message describes the problem for a person.
	Message string
}

// String formats p as "severity: path: tool "name": pointer: message [code]",
// leaving out the parts that are empty.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Severity.String())
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.Tool != "" {
		fmt.Fprintf(&b, "tool %q: ", p.Tool)
	}
	if p.Pointer != "" {
		fmt.Fprintf(&b, "%s: ", p.Pointer)
	}
	b.WriteString(p.Message)
	fmt.Fprintf(&b, " [%s]", p.Code)
	return b.String()
}

// Problems is a list of findings, in a deterministic order.
type Problems []Problem

// HasErrors reports whether any problem has error severity.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == openapi.SeverityError {
			return true
		}
	}
	return false
}

// Err joins the error-severity problems into one error, or returns nil when
// there are none.
func (ps Problems) Err() error {
	var errs []error
	for _, p := range ps {
		if p.Severity == openapi.SeverityError {
			errs = append(errs, errors.New(p.String()))
		}
	}
	return errors.Join(errs...)
}
