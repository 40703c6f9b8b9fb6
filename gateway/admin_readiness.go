package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

// maxToolNameLen is the MCP tool-name limit the generator keeps to.
const maxToolNameLen = 64

// Readiness reports how well the API's served tools suit a model (see
// [web.Registry]).
func (r *registry) Readiness(ctx context.Context, name string) (*web.Readiness, error) {
	if ca, ok := r.g.apis[name]; ok {
		return readiness(name, ca.cfg.ToolPrefix, ca.Snapshot().list), nil
	}
	sa, ok := r.servedAPI(name)
	if !ok {
		if _, err := r.st.Get(ctx, name); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("API %q is stored but not served", name)
	}
	snap := sa.api.Snapshot()
	rd := readiness(name, sa.record.Settings.ToolPrefix, snap.list)
	rd.Version = sa.version
	rd.Tools = listedTools(snap)
	rd.Fixes = readinessFixes(snap)
	return rd, nil
}

// listedTools is the number of tools the snapshot lists: its tools, or
// the discovery tools in discovery mode.
func listedTools(s *Snapshot) int {
	if s.discoveryMode() {
		return len(mcpgen.DiscoveryTools(s.name))
	}
	return len(s.list)
}

// Fixes of the readiness report (see [web.Fix]).
const (
	fixDiscovery     = "discovery"
	fixExcludeWrites = "exclude-writes"
	fixIncludeTag    = "include-tag:"
)

// writeMethods are the methods "exclude write operations" excludes.
var writeMethods = []string{"POST", "PUT", "PATCH", "DELETE"}

// maxTagFixes bounds the "include only tag" fixes offered.
const maxTagFixes = 8

// readinessFixes lists the selections that reduce the served tools of a
// stored API, with the tool count each leaves.
func readinessFixes(snap *Snapshot) []web.Fix {
	var fixes []web.Fix
	if !snap.discoveryMode() {
		fixes = append(fixes, web.Fix{ID: fixDiscovery, Label: "Switch to discovery mode", Tools: len(mcpgen.DiscoveryTools(snap.name))})
	}
	list := snap.list
	reads := 0
	tags := map[string]int{}
	for _, t := range list {
		if !slices.Contains(writeMethods, t.Operation.Method) {
			reads++
		}
		for _, tag := range t.Operation.Tags {
			tags[tag]++
		}
	}
	if reads > 0 && reads < len(list) {
		fixes = append(fixes, web.Fix{ID: fixExcludeWrites, Label: "Exclude write operations (POST, PUT, PATCH, DELETE)", Tools: reads})
	}
	var tagFixes []web.Fix
	for tag, n := range tags {
		if n < len(list) {
			tagFixes = append(tagFixes, web.Fix{ID: fixIncludeTag + tag, Label: "Include only tag " + tag, Tools: n})
		}
	}
	sort.Slice(tagFixes, func(i, j int) bool {
		if tagFixes[i].Tools != tagFixes[j].Tools {
			return tagFixes[i].Tools > tagFixes[j].Tools
		}
		return tagFixes[i].ID < tagFixes[j].ID
	})
	if len(tagFixes) > maxTagFixes {
		tagFixes = tagFixes[:maxTagFixes]
	}
	return append(fixes, tagFixes...)
}

var _ web.ReadinessFixer = (*registry)(nil)

// ApplyFix applies a readiness fix to the stored API's selection or mode
// as a new version, built and served like any edit (see
// [web.ReadinessFixer]).
func (r *registry) ApplyFix(ctx context.Context, name, fix string, ifVersion int64) (*web.SpecChange, error) {
	var edit func(*store.Settings)
	switch {
	case fix == fixDiscovery:
		edit = func(s *store.Settings) { s.Mode = config.ModeDiscovery }
	case fix == fixExcludeWrites:
		edit = func(s *store.Settings) {
			if s.Exclude == nil {
				s.Exclude = &store.Selector{}
			}
			for _, m := range writeMethods {
				if !slices.Contains(s.Exclude.Methods, m) {
					s.Exclude.Methods = append(s.Exclude.Methods, m)
				}
			}
		}
	case strings.HasPrefix(fix, fixIncludeTag) && len(fix) > len(fixIncludeTag):
		tag := strings.TrimPrefix(fix, fixIncludeTag)
		edit = func(s *store.Settings) { s.Include = &store.Selector{Tags: []string{tag}} }
	default:
		return nil, fmt.Errorf("%w: readiness fix %q: want discovery, exclude-writes or include-tag:<tag>", store.ErrInvalid, fix)
	}
	_, a, stored, err := r.change(ctx, name, ifVersion, "readiness: "+fix, func(rec *store.API) error {
		edit(&rec.Settings)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &web.SpecChange{Version: stored.Version, Tools: listedTools(a.Snapshot())}, nil
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
