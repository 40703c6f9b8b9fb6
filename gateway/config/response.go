package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// MinShapeBytes is the smallest accepted [ResponseShape.MaxBytes] limit.
const MinShapeBytes = 256

// Response shapes an API's JSON results for the model: results larger
// than MaxBytes are truncated structurally (arrays to their first items,
// the largest fields elided, always valid JSON; see [mcpgen.ShapeJSON]),
// and Fields, when set, project every result first. Operations overrides
// both per operationId.
//
//	response:
//	  maxBytes: 32768
//	  operations:
//	    listRepos: {maxBytes: 8192, fields: ["/*/full_name", "/*/description"]}
type Response struct {
	ResponseShape
	// Operations overrides MaxBytes and Fields per operationId; a zero
	// MaxBytes or empty Fields keeps the API's setting.
	Operations map[string]*ResponseShape `json:"operations,omitempty"`
}

// ResponseShape is one shaping setting.
type ResponseShape struct {
	// MaxBytes bounds a JSON result (default 64 KiB, at least 256; -1
	// turns truncation off).
	MaxBytes int `json:"maxBytes,omitempty"`
	// Fields are JSON pointers (RFC 6901) into the upstream response that
	// the result is projected onto; "*" stands for every array element,
	// e.g. "/items/*/name". Empty keeps every field.
	Fields []string `json:"fields,omitempty"`
}

// Shape returns the shaping options of the operation named operationID.
// A nil Response gives the defaults.
func (r *Response) Shape(operationID string) mcpgen.ShapeOptions {
	if r == nil {
		return mcpgen.ShapeOptions{}
	}
	o := mcpgen.ShapeOptions{MaxBytes: r.MaxBytes, Fields: r.Fields}
	if op := r.Operations[operationID]; op != nil {
		if op.MaxBytes != 0 {
			o.MaxBytes = op.MaxBytes
		}
		if len(op.Fields) > 0 {
			o.Fields = op.Fields
		}
	}
	return o
}

// OperationIDs returns the operationIds that Operations names, sorted.
func (r *Response) OperationIDs() []string {
	if r == nil {
		return nil
	}
	ids := make([]string, 0, len(r.Operations))
	for id := range r.Operations {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// validate adds the problems of the response section at path.
func (r *Response) validate(p *problems, path string) {
	if r == nil {
		return
	}
	r.ResponseShape.validate(p, path)
	for _, id := range r.OperationIDs() {
		at := fmt.Sprintf("%s.operations[%s]", path, id)
		if id == "" {
			p.add(at, "the key must be an operationId")
		}
		if r.Operations[id] == nil {
			p.add(at, "empty: set maxBytes or fields, or remove the entry")
			continue
		}
		r.Operations[id].validate(p, at)
	}
}

// Validate checks one shaping setting (the registry's settings use it).
func (s *ResponseShape) Validate() error {
	var p problems
	s.validate(&p, "response")
	return p.err()
}

func (s *ResponseShape) validate(p *problems, path string) {
	if s.MaxBytes != 0 && s.MaxBytes != -1 && s.MaxBytes < MinShapeBytes {
		p.add(path+".maxBytes", "must be at least %d (or -1 for no limit), got %d", MinShapeBytes, s.MaxBytes)
	}
	for i, f := range s.Fields {
		if err := checkPointer(f); err != nil {
			p.add(fmt.Sprintf("%s.fields[%d]", path, i), "%v", err)
		}
	}
}

// checkPointer checks a JSON pointer of a projection.
func checkPointer(f string) error {
	if !strings.HasPrefix(f, "/") {
		return fmt.Errorf("must be a JSON pointer starting with / (e.g. /items/*/name), got %q", f)
	}
	for i := 0; i < len(f); i++ {
		if f[i] == '~' && (i+1 == len(f) || f[i+1] != '0' && f[i+1] != '1') {
			return fmt.Errorf("%q: ~ must be followed by 0 (for ~) or 1 (for /)", f)
		}
	}
	return nil
}
