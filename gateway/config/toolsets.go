package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// ToolsetsAuto is the value of [API.Toolsets] that splits an API into
// automatic toolsets (see [mcpgen.AutoToolsets]).
const ToolsetsAuto = "auto"

// Toolsets splits an API into several endpoints, /mcp/<api>/<toolset>,
// each with a read-only variant /mcp/<api>/<toolset>-readonly. In YAML it
// is either the string "auto" or a list of [Toolset].
type Toolsets struct {
	// Auto groups the tools automatically (toolsets: auto).
	Auto bool
	// Sets are toolsets selected by hand.
	Sets []Toolset
}

// Toolset is one toolset selected by hand: the API's operations that
// match Include (all when nil) and not Exclude, with the one operation
// matcher of include/exclude and policy rules.
type Toolset struct {
	// Name is the toolset's URL segment.
	Name    string           `json:"name"`
	Include *mcpgen.Selector `json:"include,omitempty"`
	Exclude *mcpgen.Selector `json:"exclude,omitempty"`
}

// UnmarshalJSON accepts "auto" or a list of toolsets (unknown keys are
// errors, as everywhere in the configuration).
func (t *Toolsets) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != ToolsetsAuto {
			return fmt.Errorf("toolsets: must be %q or a list of {name, include, exclude}, got %q", ToolsetsAuto, s)
		}
		*t = Toolsets{Auto: true}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sets []Toolset
	if err := dec.Decode(&sets); err != nil {
		return fmt.Errorf("toolsets: must be %q or a list of {name, include, exclude}: %w", ToolsetsAuto, err)
	}
	*t = Toolsets{Sets: sets}
	return nil
}

// MarshalJSON writes "auto" or the list.
func (t Toolsets) MarshalJSON() ([]byte, error) {
	if t.Auto {
		return json.Marshal(ToolsetsAuto)
	}
	return json.Marshal(t.Sets)
}

var toolsetNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,53}$`)

// Validate checks hand-made toolsets: valid unique names that do not end
// in the read-only suffix, and valid selectors.
func (t *Toolsets) Validate() error {
	if t == nil || t.Auto {
		return nil
	}
	if len(t.Sets) == 0 {
		return errors.New(`empty: give "auto" or at least one toolset`)
	}
	var errs []error
	seen := map[string]bool{}
	for i, s := range t.Sets {
		switch {
		case !toolsetNameRE.MatchString(s.Name) || bytes.HasSuffix([]byte(s.Name), []byte(mcpgen.ReadOnlySuffix)):
			errs = append(errs, fmt.Errorf("[%d].name: must match %s and not end in %s (it becomes the path /mcp/<api>/<name>), got %q", i, toolsetNameRE, mcpgen.ReadOnlySuffix, s.Name))
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("[%d].name: duplicate toolset %q", i, s.Name))
		}
		seen[s.Name] = true
		for _, sel := range []struct {
			name string
			s    *mcpgen.Selector
		}{{"include", s.Include}, {"exclude", s.Exclude}} {
			if sel.s != nil {
				if err := sel.s.Validate(); err != nil {
					errs = append(errs, fmt.Errorf("[%d].%s: %w", i, sel.name, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}
