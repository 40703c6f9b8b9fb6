package main

import (
	"cmp"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// maxClientTools is the most tools VS Code and GitHub Copilot accept from
// one MCP server.
const maxClientTools = 128

// selectionFlags select operations from the command line with the same
// matcher as a config file's include/exclude ([mcpgen.Selector]).
type selectionFlags struct {
	tags, operations, paths, excludeMethods multiFlag
}

func (s *selectionFlags) register(fs *flag.FlagSet) {
	fs.Var(&s.tags, "include-tag", "only operations with this tag (repeatable; entries ORed, criteria ANDed as in a config's include)")
	fs.Var(&s.operations, "include-operation", "only this operationId (repeatable)")
	fs.Var(&s.paths, "include-path", `only paths matching this glob, e.g. "/repos/**" (repeatable)`)
	fs.Var(&s.excludeMethods, "exclude-method", "leave out operations with this HTTP method, e.g. DELETE (repeatable)")
}

// isSet reports whether any selection flag was given.
func (s *selectionFlags) isSet() bool {
	return len(s.tags)+len(s.operations)+len(s.paths)+len(s.excludeMethods) > 0
}

// selectors returns the include and exclude selectors of the flags, or
// every problem with them.
func (s *selectionFlags) selectors() (include, exclude mcpgen.Selector, err error) {
	include = mcpgen.Selector{Tags: s.tags, OperationIDs: s.operations, Paths: s.paths}
	exclude = mcpgen.Selector{Methods: s.excludeMethods}
	if err := include.Validate(); err != nil {
		return include, exclude, fmt.Errorf("--include-*: %w", err)
	}
	if err := exclude.Validate(); err != nil {
		return include, exclude, fmt.Errorf("--exclude-method: %w", err)
	}
	return include, exclude, nil
}

// tooManyToolsHint explains how to bring an endpoint of n tools under
// maxClientTools: the largest tags to select from, discovery mode, or
// toolsets (suggested only when toolsetsOn is false: with toolsets on, the
// toolset endpoints are already small and only the API's own endpoint is
// too large).
func tooManyToolsHint(tools []*mcpgen.Tool, toolsetsOn bool) string {
	counts := map[string]int{}
	for _, t := range tools {
		if t.Operation != nil && len(t.Operation.Tags) > 0 {
			counts[t.Operation.Tags[0]]++
		}
	}
	tags := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d tools exceed the %d that VS Code and Copilot accept per server; select operations", len(tools), maxClientTools)
	if len(tags) > 0 {
		b.WriteString(", e.g.")
		for _, tag := range tags[:min(3, len(tags))] {
			fmt.Fprintf(&b, " --include-tag %q (%d tools)", tag, counts[tag])
		}
	}
	b.WriteString(" (or include/exclude in the config); or serve it in discovery mode with --mode discovery (four tools that search, describe and call every operation, each call still authorized per operation)")
	if toolsetsOn {
		b.WriteString("; the toolset endpoints (/mcp/<api>/<toolset>) each stay within the limit: connect clients to those instead")
	} else {
		b.WriteString("; `rest2mcp tools --spec SPEC --toolsets auto` proposes a split into groups of at most 100 tools")
	}
	return b.String()
}
