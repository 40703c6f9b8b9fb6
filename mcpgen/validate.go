package mcpgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Tool arguments are validated against the tool's own input schema before
// any upstream request is built, so that the model gets every problem at
// once, in words it can act on ("petId: got string, want integer"), as an
// isError result (MCP: input validation errors are tool errors).

// englishPrinter renders the validator's error kinds.
var englishPrinter = message.NewPrinter(language.English)

// argValidator is the compiled input schema of one tool, built on first use.
type argValidator struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

// refuseLoader refuses every external schema: generated input schemas are
// self-contained, and a tool must never make the validator fetch or read
// anything.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external schema %q refused", url)
}

// validator returns the compiled input schema of t.
func (inv *Invoker) validator(t *Tool) (*jsonschema.Schema, error) {
	v, _ := inv.validators.LoadOrStore(t, &argValidator{})
	av := v.(*argValidator)
	av.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(t.InputSchema))
		if err != nil {
			av.err = fmt.Errorf("decode input schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.UseLoader(refuseLoader{})
		c.DefaultDraft(jsonschema.Draft2020)
		url := "mem:///rest2mcp/tools/" + t.Name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			av.err = fmt.Errorf("add input schema: %w", err)
			return
		}
		av.schema, av.err = c.Compile(url)
	})
	return av.schema, av.err
}

// validateArguments checks args against t's input schema. It returns an
// *ArgumentError listing every violation, or nil. A schema that cannot be
// compiled is logged and skips validation: the request builder still
// checks what it needs.
func (inv *Invoker) validateArguments(ctx context.Context, t *Tool, args map[string]any) *ArgumentError {
	if len(t.InputSchema) == 0 {
		return nil
	}
	s, err := inv.validator(t)
	if err != nil {
		inv.logger.WarnContext(ctx, "input schema not usable for validation", "tool", t.Name, "err", err)
		return nil
	}
	verr := s.Validate(argsForValidation(args))
	if verr == nil {
		if bad := checkIntegerSpelling(s, args); len(bad) > 0 {
			return &ArgumentError{Arg: "arguments", Message: strings.Join(bad, "; ")}
		}
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(verr, &ve) {
		inv.logger.WarnContext(ctx, "argument validation failed", "tool", t.Name, "err", verr)
		return nil
	}
	return &ArgumentError{Arg: "arguments", Message: describeViolations(ve)}
}

// argsForValidation converts the decoded arguments (map[string]any of
// json.Number, strings, …) to what the validator expects; both use
// json.Number for numbers, so only the map type needs widening.
func argsForValidation(args map[string]any) any {
	if args == nil {
		return map[string]any{}
	}
	return args
}

// describeViolations lists the leaf violations of ve, sorted and deduped,
// as "where: what" phrases.
func describeViolations(ve *jsonschema.ValidationError) string {
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		where := "arguments"
		if len(e.InstanceLocation) > 0 {
			where = strings.Join(e.InstanceLocation, ".")
		}
		out = append(out, where+": "+e.ErrorKind.LocalizedString(englishPrinter))
	}
	walk(ve)
	slices.Sort(out)
	out = slices.Compact(out)
	const max = 10
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("and %d more", len(out)-max))
	}
	return strings.Join(out, "; ")
}
