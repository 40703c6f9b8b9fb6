package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

// toolsetJSON is one toolset of `tools --toolsets auto --json`.
type toolsetJSON struct {
	// Name is the toolset's URL segment.
	Name     string `json:"name"`
	Endpoint string `json:"endpoint"`
	ReadOnly bool   `json:"readOnly,omitempty"`
	// Tools are the tool names.
	Tools  []string      `json:"tools"`
	Budget mcpgen.Budget `json:"budget"`
}

// cmdTools prints the tools generated from a spec: a readable table, or
// with --json exactly the tools array tools/list returns; with --toolsets
// auto, the toolsets the API would be split into. It also reports the
// budget: the tool count and estimated tokens of tools/list per endpoint.
func cmdTools(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tools", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := fs.String("spec", "", "OpenAPI document (path or URL)")
	asJSON := fs.Bool("json", false, "print the MCP tools array (tools/list wire format), or with --toolsets the toolsets")
	prefix := fs.String("prefix", "", "tool name prefix")
	name := fs.String("name", "", "API name for endpoints (/mcp/<name>); default: a slug of the spec title")
	toolsets := fs.String("toolsets", "", `"auto": group the tools into toolsets of at most 100 tools, each with a read-only variant`)
	mode := fs.String("mode", "", `"discovery": show the four tools discovery mode lists instead of one per operation`)
	var sel selectionFlags
	sel.register(fs)
	fs.Var(&sel.tags, "tag", "same as --include-tag")
	fs.Var(&sel.operations, "operation", "same as --include-operation")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rest2mcp tools: unexpected argument %q (did you mean --spec %s?)\n", fs.Arg(0), fs.Arg(0))
		return exitError{2}
	}
	if *spec == "" {
		fmt.Fprintln(stderr, "rest2mcp tools: --spec is required")
		return exitError{2}
	}
	if *toolsets != "" && *toolsets != "auto" {
		fmt.Fprintf(stderr, "rest2mcp tools: --toolsets must be \"auto\", got %q\n", *toolsets)
		return exitError{2}
	}
	if *mode != "" && *mode != config.ModeTools && *mode != config.ModeDiscovery {
		fmt.Fprintf(stderr, "rest2mcp tools: --mode must be %q or %q, got %q\n", config.ModeTools, config.ModeDiscovery, *mode)
		return exitError{2}
	}
	if *mode == config.ModeDiscovery && *toolsets != "" {
		fmt.Fprintln(stderr, "rest2mcp tools: --mode discovery lists four tools; it does not combine with --toolsets")
		return exitError{2}
	}
	include, exclude, err := sel.selectors()
	if err != nil {
		fmt.Fprintf(stderr, "rest2mcp tools: %v\n", err)
		return exitError{2}
	}
	doc, err := gateway.LoadSpec(ctx, openapi.SourceFor(*spec), gateway.BuildOptions{Config: &config.Config{CacheDir: openapi.DefaultCacheDir()}})
	if err != nil {
		return fmt.Errorf("spec %s: %w", *spec, err)
	}
	tools, diags := mcpgen.Generate(doc, &mcpgen.Options{Prefix: *prefix, Include: include, Exclude: exclude})
	for _, w := range mcpgen.SelectionProblems(&include, &exclude, doc.Operations) {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	// Served tools shape their results with the default limit, which
	// relaxes their output schemas: count what serve lists.
	for _, t := range tools {
		if err := t.SetShape(mcpgen.ShapeOptions{}); err != nil {
			return err
		}
	}
	api := *name
	if api == "" {
		api = slug(doc.Title)
	}
	endpoint := "/mcp/" + api
	operations := len(tools)
	if *mode == config.ModeDiscovery {
		tools = mcpgen.DiscoveryTools(api)
	}
	var sets []endpointTools
	if *toolsets == "auto" {
		auto := mcpgen.AutoToolsets(tools, 0)
		for _, s := range append(auto, mcpgen.ReadOnlyVariants(auto)...) {
			sets = append(sets, endpointTools{name: s.Name, endpoint: endpoint + "/" + s.Name, readOnly: s.ReadOnly, tools: s.Tools})
		}
	} else {
		sets = []endpointTools{{endpoint: endpoint, tools: tools}}
	}
	for i := range sets {
		if sets[i].budget, err = mcpgen.MeasureBudget(sets[i].tools, 3); err != nil {
			return err
		}
	}
	budgetOut := stdout
	switch {
	case *asJSON && *toolsets != "":
		out := struct {
			Toolsets []toolsetJSON `json:"toolsets"`
		}{Toolsets: []toolsetJSON{}}
		for _, s := range sets {
			names := make([]string, len(s.tools))
			for i, t := range s.tools {
				names[i] = t.Name
			}
			out.Toolsets = append(out.Toolsets, toolsetJSON{Name: s.name, Endpoint: s.endpoint, ReadOnly: s.readOnly, Tools: names, Budget: s.budget})
		}
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
		budgetOut = stderr
	case *asJSON:
		list := make([]mcp.Tool, len(tools))
		for i, t := range tools {
			list[i] = t.MCPTool()
		}
		if err := writeJSON(stdout, list); err != nil {
			return err
		}
		budgetOut = stderr
	case *mode == config.ModeDiscovery:
		for _, t := range tools {
			fmt.Fprintf(stdout, "%s\t%s\n", t.Name, firstLine(t.Description, 100))
		}
		fmt.Fprintln(stdout)
	case *toolsets == "":
		printToolTable(stdout, tools)
		fmt.Fprintln(stdout)
	}
	printBudget(budgetOut, sets)
	all := append(append(openapi.Diagnostics(nil), doc.Diagnostics...), diags...)
	errs, warns := 0, 0
	for _, d := range all {
		switch d.Severity {
		case openapi.SeverityError:
			errs++
		case openapi.SeverityWarning:
			warns++
		}
	}
	summary := fmt.Sprintf("%d tools from %d operations", len(tools), operations)
	if *mode == config.ModeDiscovery {
		summary = fmt.Sprintf("discovery mode: %d tools search, describe and call %d operations", len(tools), operations)
	}
	fmt.Fprintf(stderr, "%s (%d in the spec; %s, %s; run `rest2mcp validate --spec %s` for details)\n",
		summary, len(doc.Operations), plural(errs, "error"), plural(warns, "warning"), *spec)
	if *toolsets == "" && len(tools) > maxClientTools {
		fmt.Fprintf(stderr, "warning: %s\n", tooManyToolsHint(tools, false))
	}
	return nil
}

// endpointTools are the tools one endpoint (an API or a toolset) lists.
type endpointTools struct {
	name, endpoint string
	readOnly       bool
	tools          []*mcpgen.Tool
	budget         mcpgen.Budget
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printBudget prints, per endpoint, the tools and the estimated tokens of
// its tools/list (bytes/4; see [mcpgen.EstimateTokens]) with the largest
// tools.
func printBudget(w io.Writer, sets []endpointTools) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tTOOLS\tBYTES\t~TOKENS\tLARGEST TOOLS (~TOKENS)")
	var total mcpgen.Budget
	for _, s := range sets {
		var largest []string
		for _, c := range s.budget.Largest {
			largest = append(largest, fmt.Sprintf("%s (%s)", c.Name, thousands(c.Tokens)))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", s.endpoint, s.budget.Tools, thousands(s.budget.Bytes), thousands(s.budget.Tokens), strings.Join(largest, ", "))
		if !s.readOnly {
			total.Tools += s.budget.Tools
			total.Bytes += s.budget.Bytes
			total.Tokens += s.budget.Tokens
		}
	}
	if len(sets) > 1 {
		fmt.Fprintf(tw, "all toolsets (without read-only variants)\t%d\t%s\t%s\t\n", total.Tools, thousands(total.Bytes), thousands(total.Tokens))
	}
	tw.Flush()
	fmt.Fprintln(w, "(~TOKENS estimates tools/list at 4 bytes per token; a client pays it on every request that carries the tools)")
}

// thousands formats n with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func printToolTable(w io.Writer, tools []*mcpgen.Tool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TOOL\tMETHOD\tPATH\tHINTS\tSCOPES\tDESCRIPTION")
	for _, t := range tools {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Operation.Method, t.Operation.Path,
			hints(t.Annotations), strings.Join(t.Scopes, " "), firstLine(t.Description, 60))
	}
	tw.Flush()
}

func hints(a mcpgen.Annotations) string {
	switch {
	case a.ReadOnly:
		return "read-only"
	case a.Idempotent:
		return "destructive,idempotent"
	default:
		return "destructive"
	}
}

func firstLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// plural formats a count with its noun ("1 error", "2 errors").
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
