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

// cmdTools prints the tools generated from a spec: a readable table, or
// with --json exactly the tools array tools/list returns.
func cmdTools(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tools", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := fs.String("spec", "", "OpenAPI document (path or URL)")
	asJSON := fs.Bool("json", false, "print the MCP tools array (tools/list wire format)")
	prefix := fs.String("prefix", "", "tool name prefix")
	var tags, ops multiFlag
	fs.Var(&tags, "tag", "only operations with this tag (repeatable)")
	fs.Var(&ops, "operation", "only this operationId (repeatable)")
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
	doc, err := gateway.LoadSpec(ctx, openapi.SourceFor(*spec), gateway.BuildOptions{Config: &config.Config{CacheDir: openapi.DefaultCacheDir()}})
	if err != nil {
		return fmt.Errorf("spec %s: %w", *spec, err)
	}
	tools, diags := mcpgen.Generate(doc, &mcpgen.Options{
		Prefix:  *prefix,
		Include: mcpgen.Selector{Tags: tags, OperationIDs: ops},
	})
	all := append(append(openapi.Diagnostics(nil), doc.Diagnostics...), diags...)
	if *asJSON {
		list := make([]mcp.Tool, len(tools))
		for i, t := range tools {
			list[i] = t.MCPTool()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return err
		}
	} else {
		printToolTable(stdout, tools)
	}
	errs, warns := 0, 0
	for _, d := range all {
		switch d.Severity {
		case openapi.SeverityError:
			errs++
		case openapi.SeverityWarning:
			warns++
		}
	}
	fmt.Fprintf(stderr, "%d tools from %d operations (%s, %s in the spec; run `rest2mcp validate --spec %s` for details)\n",
		len(tools), len(doc.Operations), plural(errs, "error"), plural(warns, "warning"), *spec)
	return nil
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
