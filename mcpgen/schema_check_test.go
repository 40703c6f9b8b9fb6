package mcpgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	toolNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	argNameRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// refusingLoader refuses every URL: generated schemas must be
// self-contained.
type refusingLoader struct{}

func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external schema %q refused", url)
}

// checkToolSchema verifies a generated input or output schema: valid JSON,
// root type "object", no top-level composition keyword, argument names
// valid (input), every $ref local to $defs and resolvable, and that it
// compiles as JSON Schema 2020-12 with no external loads. It returns the
// compiled schema.
func checkToolSchema(raw json.RawMessage, input bool) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("root is %T, not an object", doc)
	}
	if root["type"] != "object" {
		return nil, fmt.Errorf("root type is %v, not object", root["type"])
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf", "not", "$ref"} {
		if _, ok := root[k]; ok {
			return nil, fmt.Errorf("top-level %s", k)
		}
	}
	if input {
		props, _ := root["properties"].(map[string]any)
		for name := range props {
			if !argNameRE.MatchString(name) {
				return nil, fmt.Errorf("argument name %q is invalid", name)
			}
		}
	}
	defs, _ := root["$defs"].(map[string]any)
	if err := checkRefs(root, defs); err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(refusingLoader{})
	const loc = "mem:///tool.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("add resource: %w", err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	return s, nil
}

// checkRefs verifies that every "$ref" of schema s and its subschemas
// (values of the 2020-12 applicator keywords) points into defs. Values of
// other keywords (enum, default, examples, unknown keywords) are data, not
// schemas, and are not searched.
func checkRefs(s any, defs map[string]any) error {
	m, ok := s.(map[string]any)
	if !ok {
		return nil
	}
	for k, sub := range m {
		switch {
		case k == "$ref":
			ref, _ := sub.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			name, _, _ = strings.Cut(name, "/")
			name = strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
			if _, found := defs[name]; !ok || !found {
				return fmt.Errorf("reference %q does not resolve in $defs", ref)
			}
		case slices.Contains(schemaMapKeywords, k):
			if mm, ok := sub.(map[string]any); ok {
				for _, v := range mm {
					if err := checkRefs(v, defs); err != nil {
						return err
					}
				}
			}
		case slices.Contains(schemaListKeywords, k) || slices.Contains(schemaKeywords, k):
			list, isList := sub.([]any)
			if !isList {
				list = []any{sub}
			}
			for _, v := range list {
				if err := checkRefs(v, defs); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
