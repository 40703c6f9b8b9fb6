package mcpgen

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Diagnostic codes reported by [Generate]. Codes are a stable contract;
// messages are not.
const (
	// CodeToolSkipped: an operation could not become a tool (error).
	CodeToolSkipped = "tool.skipped"
	// CodeNameDuplicate: a tool name was already taken and the tool was
	// renamed with a numeric suffix (warning).
	CodeNameDuplicate = "tool.name.duplicate"
	// CodeNameShortened: the name was longer than [MaxNameLen] and was
	// shortened with a hash suffix (info).
	CodeNameShortened = "tool.name.shortened"
	// CodeOutputDropped: the success response schema could not be made
	// self-contained, so the tool has no output schema (warning).
	CodeOutputDropped = "tool.output.dropped"
	// CodeOutputReduced: the output schema was larger than
	// [Options.MaxOutputSchema]; its nested definitions were replaced by
	// "any value" schemas, keeping the top-level shape (info).
	CodeOutputReduced = "tool.output.reduced"
	// CodeParamUnsupported: a parameter location is not supported and the
	// parameter was left out (warning).
	CodeParamUnsupported = "tool.param.unsupported"
	// CodeParamCredential: a parameter carries an API key of one of the
	// operation's security schemes; the gateway supplies it (info).
	CodeParamCredential = "tool.param.credential"
	// CodeBodyWrapped: an object request body could not be flattened into
	// the arguments because of a name clash and is passed whole (info).
	CodeBodyWrapped = "tool.body.wrapped"
)

// Options controls [Generate]. A nil *Options means the defaults.
type Options struct {
	// Prefix is prepended to every tool name (after replacing characters
	// outside [A-Za-z0-9_-] with "_"); it should end with a separator such
	// as "_". Empty means no prefix.
	Prefix string
	// MaxDescription bounds tool descriptions in bytes; zero or negative
	// means [DefaultMaxDescription].
	MaxDescription int
	// Include selects the operations that become tools; a zero Selector
	// includes every operation.
	Include Selector
	// Exclude removes operations from the selection; it wins over Include.
	// A zero Selector excludes nothing.
	Exclude Selector
	// MaxOutputSchema bounds an encoded output schema in bytes. A larger
	// one keeps its top level but loses its nested definitions (each
	// reference becomes {}, which any value satisfies, so structured
	// results still conform); if even that is too large the tool has no
	// output schema. Output schemas are for client-side validation and
	// make up most of tools/list for big APIs (GitHub: 6.5 of 8.4 MB).
	// Zero means [DefaultMaxOutputSchema]; negative means unlimited.
	MaxOutputSchema int
	// OmitScopes leaves the scopes named by the operation's OpenAPI
	// security out of descriptions, for callers that state the scopes
	// their own policy requires with [Tool.AddScopeText] (or none, for an
	// API served without authorization).
	OmitScopes bool
}

// DefaultMaxOutputSchema is the default [Options.MaxOutputSchema].
const DefaultMaxOutputSchema = 8 << 10

// Selected reports whether op becomes a tool under o: Include is zero or
// matches op, and Exclude does not match op.
func (o *Options) Selected(op *openapi.Operation) bool {
	if o == nil {
		return true
	}
	return (o.Include.IsZero() || o.Include.Match(op)) && !o.Exclude.Match(op)
}

// generator holds the state of one [Generate] call.
type generator struct {
	doc  *openapi.Document
	opts Options
	defs *defCache
}

// Generate converts the selected operations of doc into tools, sorted by
// name. It never fails as a whole: an operation that cannot become a tool
// is left out with an error diagnostic, and other adjustments (renamed
// duplicates, shortened names, dropped output schemas) are reported as
// warnings or infos. The tools share doc's operations and must be treated
// as read-only.
func Generate(doc *openapi.Document, opts *Options) ([]*Tool, openapi.Diagnostics) {
	if doc == nil {
		return nil, nil
	}
	g := &generator{doc: doc, defs: newDefCache(doc.Schemas)}
	if opts != nil {
		g.opts = *opts
	}
	if g.opts.MaxDescription <= 0 {
		g.opts.MaxDescription = DefaultMaxDescription
	}
	ops := make([]*openapi.Operation, 0, len(doc.Operations))
	for _, op := range doc.Operations {
		if op != nil && g.opts.Selected(op) {
			ops = append(ops, op)
		}
	}
	slices.SortFunc(ops, compareOps)
	var diags openapi.Diagnostics
	tools := make([]*Tool, 0, len(ops))
	for _, op := range ops {
		t, ds := g.tool(op)
		diags = append(diags, ds...)
		if t != nil {
			tools = append(tools, t)
		}
	}
	diags = append(diags, uniqueNames(tools)...)
	slices.SortFunc(tools, func(a, b *Tool) int { return cmp.Compare(a.Name, b.Name) })
	return tools, diags
}

// tool converts one operation; nil when it cannot be converted.
func (g *generator) tool(op *openapi.Operation) (*Tool, openapi.Diagnostics) {
	in, bindings, diags, err := g.buildInput(op)
	if err != nil {
		return nil, append(diags, openapi.Diagnostic{
			Code: CodeToolSkipped, Severity: openapi.SeverityError, Pointer: op.Pointer,
			Message: fmt.Sprintf("%s %s: input schema: %v", op.Method, op.Path, err),
		})
	}
	out, wrapped, err := g.buildOutput(op)
	if err != nil {
		diags = append(diags, openapi.Diagnostic{
			Code: CodeOutputDropped, Severity: openapi.SeverityWarning, Pointer: op.Pointer,
			Message: fmt.Sprintf("%s %s: output schema left out: %v", op.Method, op.Path, err),
		})
	}
	if max := g.maxOutput(); max > 0 && len(out) > max {
		size := len(out)
		out, err = g.reduceOutput(out, max)
		if err != nil {
			return nil, append(diags, openapi.Diagnostic{
				Code: CodeToolSkipped, Severity: openapi.SeverityError, Pointer: op.Pointer,
				Message: fmt.Sprintf("%s %s: output schema: %v", op.Method, op.Path, err),
			})
		}
		msg := fmt.Sprintf("%s %s: output schema of %d bytes exceeds %d; nested definitions replaced by {}", op.Method, op.Path, size, max)
		if out == nil {
			wrapped = false
			msg = fmt.Sprintf("%s %s: output schema of %d bytes exceeds %d even without nested definitions; left out", op.Method, op.Path, size, max)
		}
		diags = append(diags, openapi.Diagnostic{Code: CodeOutputReduced, Severity: openapi.SeverityInfo, Pointer: op.Pointer, Message: msg})
	}
	name, shortened := candidateName(op, g.opts.Prefix)
	if shortened {
		diags = append(diags, openapi.Diagnostic{
			Code: CodeNameShortened, Severity: openapi.SeverityInfo, Pointer: op.Pointer,
			Message: fmt.Sprintf("%s %s: tool name shortened to %q", op.Method, op.Path, name),
		})
	}
	var required []string
	for _, b := range bindings {
		if b.Required {
			required = append(required, b.Arg)
		}
	}
	alts, scopes := scopeAlternatives(g.doc, op)
	summary := cleanText(op.Summary, 4*g.opts.MaxDescription)
	return &Tool{
		Name:          name,
		Title:         title(summary),
		Description:   describe(op, summary, required, toolPagingHint(bindings), g.scopeLine(alts), g.opts.MaxDescription),
		InputSchema:   in,
		OutputSchema:  out,
		OutputWrapped: wrapped,
		Annotations:   AnnotationsFor(op.Method),
		Operation:     op,
		Bindings:      bindings,
		Scopes:        scopes,
	}, diags
}
