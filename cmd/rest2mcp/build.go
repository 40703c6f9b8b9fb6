package main

import (
	"context"
	"fmt"
	"os"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/policies"
)

// offline is an API built without serving it, for validate and policy
// explain.
type offline struct {
	doc      *openapi.Document
	tools    []*mcpgen.Tool
	diags    openapi.Diagnostics // loader and generator findings
	policy   *policies.Set
	problems policies.Problems
}

// buildOffline loads the spec, generates the tools and compiles the policy
// of one API the way the gateway does.
func buildOffline(ctx context.Context, cfg *config.Config, a config.API, validate bool) (*offline, error) {
	doc, err := openapi.Load(ctx, specSource(a.Spec), &openapi.LoadOptions{Validate: validate, AllowedRefHosts: cfg.SpecHosts, CacheDir: cfg.SpecCacheDir()})
	if err != nil {
		return nil, fmt.Errorf("load spec %s: %w", a.Spec, err)
	}
	opts := &mcpgen.Options{Prefix: a.ToolPrefix, MaxOutputSchema: a.MaxOutputSchema}
	if a.Include != nil {
		opts.Include = *a.Include
	}
	if a.Exclude != nil {
		opts.Exclude = *a.Exclude
	}
	tools, gdiags := mcpgen.Generate(doc, opts)
	o := &offline{doc: doc, tools: tools, diags: append(append(openapi.Diagnostics(nil), doc.Diagnostics...), gdiags...)}
	pcfg := a.Policy
	if a.PolicyFile != "" {
		b, err := os.ReadFile(a.PolicyFile)
		if err != nil {
			return nil, fmt.Errorf("read policy file: %w", err)
		}
		if pcfg, err = policies.Parse(b); err != nil {
			return nil, fmt.Errorf("policy file %s: %w", a.PolicyFile, err)
		}
	}
	if pcfg == nil {
		pcfg = &policies.Config{}
	}
	refs := make([]policies.ToolRef, len(tools))
	for i, t := range tools {
		refs[i] = policies.ToolRef{Name: t.Name, Op: t.Operation}
	}
	if o.policy, o.problems, err = policies.Compile(pcfg, doc, refs); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return o, nil
}
