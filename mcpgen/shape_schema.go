package mcpgen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// RelaxOutputSchema returns a copy of an output schema that every result
// of [ShapeJSON] satisfies when the full result satisfied the original:
// it drops the keywords a cut can violate (required, minItems,
// minProperties, minLength, pattern, const). Enums stay: only strings of
// at least 256 bytes are shortened, and those are free text. A nil or
// empty schema stays as it is. Publish the relaxed schema for tools whose
// results may be shaped.
func RelaxOutputSchema(schema json.RawMessage) (json.RawMessage, error) {
	if len(schema) == 0 {
		return schema, nil
	}
	var v any
	if err := json.Unmarshal(schema, &v); err != nil {
		return nil, fmt.Errorf("relax output schema: %w", err)
	}
	relaxSchema(v)
	return encodeJSON(v)
}

// relaxedKeywords are removed by [RelaxOutputSchema].
var relaxedKeywords = []string{"required", "minItems", "minProperties", "minLength", "pattern", "const"}

// relaxSchema removes relaxedKeywords from a schema and its subschemas,
// in place; property names are never mistaken for keywords.
func relaxSchema(v any) {
	s, ok := v.(map[string]any)
	if !ok {
		return
	}
	for _, k := range relaxedKeywords {
		delete(s, k)
	}
	for k, c := range s {
		switch k {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
			if m, ok := c.(map[string]any); ok {
				for _, sub := range m {
					relaxSchema(sub)
				}
			}
		case "allOf", "anyOf", "oneOf", "prefixItems":
			if l, ok := c.([]any); ok {
				for _, sub := range l {
					relaxSchema(sub)
				}
			}
		case "items", "additionalProperties", "not", "if", "then", "else", "contains",
			"unevaluatedItems", "unevaluatedProperties", "propertyNames":
			relaxSchema(c)
		}
	}
}

// pagingParams are the query parameter names that page through lists,
// by style.
var pagingParams = []struct {
	style string
	names []string
}{
	{"cursor", []string{"cursor", "after", "before", "starting_after", "ending_before", "page_token", "pagetoken", "next_page_token", "continuation_token", "next", "offset_token", "marker"}},
	{"page", []string{"page", "page_number", "pagenumber"}},
	{"offset", []string{"offset", "skip", "start", "start_index"}},
	{"size", []string{"per_page", "page_size", "pagesize", "limit", "count", "max_results", "maxresults", "top", "$top", "size"}},
}

// PaginationHint describes how to page through an operation's results,
// from its query parameters (page, per_page, limit, cursor, offset and
// their common spellings), for tool descriptions and truncation notes;
// empty when the operation has none.
func PaginationHint(op *openapi.Operation) string {
	if op == nil {
		return ""
	}
	var query []queryArg
	for _, p := range op.Parameters {
		if p.In == openapi.InQuery {
			query = append(query, queryArg{wire: p.Name, arg: p.Name})
		}
	}
	return pagingHint(query)
}

// queryArg is a query parameter (wire name) and the tool argument that
// sets it.
type queryArg struct{ wire, arg string }

// toolPagingHint is [PaginationHint] for a tool's description: it names
// the tool's arguments (which can differ from the parameters' wire names)
// and only parameters the tool binds.
func toolPagingHint(bindings []Binding) string {
	var query []queryArg
	for _, b := range bindings {
		if b.Loc == LocQuery {
			query = append(query, queryArg{wire: b.Name, arg: b.Arg})
		}
	}
	return pagingHint(query)
}

// pagingHint renders the paging hint of query parameters.
func pagingHint(query []queryArg) string {
	found := map[string]string{}
	for _, q := range query {
		name := strings.ToLower(q.wire)
		for _, g := range pagingParams {
			if _, done := found[g.style]; !done && slices.Contains(g.names, name) {
				found[g.style] = q.arg
			}
		}
	}
	size := found["size"]
	var how string
	switch {
	case found["cursor"] != "":
		how = fmt.Sprintf("pass the cursor from the previous result in %s", found["cursor"])
	case found["page"] != "":
		how = fmt.Sprintf("increase %s", found["page"])
	case found["offset"] != "":
		how = fmt.Sprintf("increase %s", found["offset"])
	}
	switch {
	case how != "" && size != "":
		return fmt.Sprintf("Paginated: set %s for fewer items per call and %s for the next ones.", size, how)
	case how != "":
		return fmt.Sprintf("Paginated: %s for the next items.", how)
	case size != "":
		return fmt.Sprintf("Set %s to bound the number of items returned.", size)
	}
	return ""
}
