package mcpgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// MetaKeyShaping is the _meta key of a tool result whose JSON was
// projected or truncated by [ShapeJSON]; its value is [Shaped.Meta].
const MetaKeyShaping = "com.rest2mcp/shaping"

// SetShape makes the tool shape its JSON results with opts (see
// [ShapeJSON]): results larger than opts.MaxBytes are truncated and
// opts.Fields, when set, project them. JSON pointers address the
// upstream response body (not the {"result": …} wrapper of
// OutputWrapped tools). An empty opts.PageHint is filled from the tool's
// paging arguments, as its description names them ([PaginationHint]).
//
// Because a shaped result may lack required fields or items, the tool's
// output schema is replaced by its relaxed form ([RelaxOutputSchema]),
// so that every shaped result still validates against what tools/list
// advertises. opts.MaxBytes < 0 without Fields turns shaping off and
// leaves the schema as it is.
func (t *Tool) SetShape(opts ShapeOptions) error {
	if opts.MaxBytes < 0 && len(opts.Fields) == 0 {
		t.Shape = nil
		return nil
	}
	for _, f := range opts.Fields {
		if !strings.HasPrefix(f, "/") {
			return fmt.Errorf("tool %s: field %q: a JSON pointer starts with /", t.Name, f)
		}
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxResult
	}
	if opts.PageHint == "" {
		opts.PageHint = toolPagingHint(t.Bindings)
	}
	opts.Fields = slices.Clone(opts.Fields)
	relaxed, err := RelaxOutputSchema(t.OutputSchema)
	if err != nil {
		return fmt.Errorf("tool %s: %w", t.Name, err)
	}
	t.OutputSchema = relaxed
	t.Shape = &opts
	return nil
}

// needsShape reports whether a compact JSON body must go through
// [ShapeJSON]: a projection is configured or the body is over the limit.
// The common case (no projection, small body) costs one comparison.
func (t *Tool) needsShape(compact []byte) bool {
	s := t.Shape
	return s != nil && (len(s.Fields) > 0 || s.MaxBytes >= 0 && len(compact) > s.MaxBytes)
}

// shapedJSON shapes a compact JSON body for the tool. It returns the new
// body and, when anything was projected or cut, the note for the text
// and the _meta of the result.
func (t *Tool) shapedJSON(compact []byte) ([]byte, string, *mcp.Meta, error) {
	sh, err := ShapeJSON(compact, *t.Shape)
	if err != nil {
		return nil, "", nil, err
	}
	if sh.Meta == nil {
		return sh.Value, "", nil, nil
	}
	return sh.Value, sh.Note, mcp.NewMetaFromMap(map[string]any{MetaKeyShaping: sh.Meta}), nil
}
