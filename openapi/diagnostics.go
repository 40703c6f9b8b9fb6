package openapi

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// HasErrors reports whether any diagnostic has error severity.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == SeverityError })
}

// Sort orders the diagnostics by file, position (line, column, pointer),
// severity, code and message, keeping the order of equal entries.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			strings.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			strings.Compare(a.Pointer, b.Pointer),
			cmp.Compare(a.Severity, b.Severity),
			strings.Compare(a.Code, b.Code),
			strings.Compare(a.Message, b.Message),
		)
	})
}

// String formats the diagnostic as one line:
//
//	error spec.parse openapi.yaml:12:3 /paths/~1pets/get: message
//
// The location part shows what is known of file, line, column and pointer.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Severity.String())
	b.WriteByte(' ')
	b.WriteString(d.Code)
	loc := d.File
	if d.Line > 0 {
		loc += fmt.Sprintf(":%d", d.Line)
		if d.Column > 0 {
			loc += fmt.Sprintf(":%d", d.Column)
		}
	}
	if loc != "" {
		b.WriteByte(' ')
		b.WriteString(loc)
	}
	if d.Pointer != "" {
		b.WriteByte(' ')
		b.WriteString(d.Pointer)
	}
	b.WriteString(": ")
	b.WriteString(d.Message)
	return b.String()
}

// Format returns the diagnostics as lines in the form of
// [Diagnostic.String], each ending in a newline.
func (ds Diagnostics) Format() string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String is [Diagnostics.Format].
func (ds Diagnostics) String() string { return ds.Format() }
