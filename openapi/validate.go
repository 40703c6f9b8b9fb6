package openapi

import (
	"errors"

	"github.com/getkin/kin-openapi/openapi3"
)

// validate runs kin-openapi's document validation leniently (examples,
// schema defaults and patterns are not checked) and reports each finding
// as a warning coded "validation.<kin-openapi code>". Findings never drop
// operations.
func (r *loadRun) validate(doc *openapi3.T) {
	err := doc.Validate(r.ctx,
		openapi3.EnableMultiError(),
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
		openapi3.DisableSchemaPatternValidation(),
	)
	if err == nil {
		return
	}
	var errs []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		errs = me
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		code := "validation.invalid"
		var coded openapi3.CodedError
		if errors.As(e, &coded) {
			code = "validation." + coded.Code()
		}
		r.diags = append(r.diags, Diagnostic{Code: code, Severity: SeverityWarning, File: r.label, Message: e.Error()})
	}
}
