package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// maxToolNameLen is the MCP tool-name limit the generator keeps to.
const maxToolNameLen = 64

// Readiness reports how well the API's served tools suit a model (see
// [web.Registry]).
func (r *registry) Readiness(ctx context.Context, name string) (*web.Readiness, error) {
	var a *API
	prefix := ""
	if ca, ok := r.g.apis[name]; ok {
		a, prefix = ca, ca.cfg.ToolPrefix
	} else if sa, ok := r.servedAPI(name); ok {
		a, prefix = sa.api, sa.record.Settings.ToolPrefix
	} else {
		if _, err := r.st.Get(ctx, name); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("API %q is stored but not served", name)
	}
	return readiness(name, prefix, a.Snapshot().list), nil
}

// readiness computes the report for tools.
func readiness(name, prefix string, tools []*mcpgen.Tool) *web.Readiness {
	rd := &web.Readiness{Name: name, Tools: len(tools)}
	tags := map[string]int{}
	groups := map[string][]string{}
	bytes := 0
	for _, t := range tools {
		b, err := json.Marshal(t.MCPTool())
		if err == nil {
			bytes += len(b)
			rd.Largest = append(rd.Largest, web.ToolCost{Name: t.Name, Tokens: estimateTokens(len(b))})
		}
		op := t.Operation
		if op == nil {
			continue
		}
		if op.ID != "" && len(prefix)+len(op.ID) > maxToolNameLen {
			rd.Shortened = append(rd.Shortened, t.Name+" ("+op.ID+")")
		}
		if strings.TrimSpace(op.Summary) == "" && strings.TrimSpace(op.Description) == "" {
			rd.NoDescription = append(rd.NoDescription, store.OperationKey(op.Method, op.Path))
		}
		for _, p := range op.Parameters {
			if strings.TrimSpace(p.Description) == "" {
				rd.UndocumentedParams = append(rd.UndocumentedParams, t.Name+": "+p.Name)
			}
		}
		for _, tag := range op.Tags {
			tags[tag]++
		}
		k := nameShape(t.Name)
		groups[k] = append(groups[k], t.Name)
	}
	rd.Tokens = estimateTokens(bytes)
	sort.SliceStable(rd.Largest, func(i, j int) bool { return rd.Largest[i].Tokens > rd.Largest[j].Tokens })
	if len(rd.Largest) > 10 {
		rd.Largest = rd.Largest[:10]
	}
	for _, g := range groups {
		if len(g) > 1 {
			slices.Sort(g)
			rd.NearDuplicates = append(rd.NearDuplicates, g)
		}
	}
	sort.Slice(rd.NearDuplicates, func(i, j int) bool { return rd.NearDuplicates[i][0] < rd.NearDuplicates[j][0] })
	for tag, n := range tags {
		rd.Tags = append(rd.Tags, web.TagCount{Tag: tag, Tools: n})
	}
	sort.Slice(rd.Tags, func(i, j int) bool {
		if rd.Tags[i].Tools != rd.Tags[j].Tools {
			return rd.Tags[i].Tools > rd.Tags[j].Tools
		}
		return rd.Tags[i].Tag < rd.Tags[j].Tag
	})
	return rd
}

// estimateTokens estimates the tokens of n bytes of JSON (about four bytes
// a token for English text and JSON punctuation).
func estimateTokens(n int) int { return (n + 3) / 4 }

// nameShape folds what a model hardly tells apart: case, separators and a
// plural "s" ("get_pets", "getPet" and "GetPets" share a shape).
func nameShape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.TrimSuffix(b.String(), "s")
}
