package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// cmdValidate loads everything a config (or one spec) names and prints
// every problem with its location. It exits 1 when there are errors;
// warnings do not fail.
func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file")
	spec := fs.String("spec", "", "a single OpenAPI document")
	printCfg := fs.Bool("print", false, "print the effective configuration (secrets redacted)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var cfg *config.Config
	switch {
	case *cfgPath != "" && *spec == "":
		c, err := config.Load(*cfgPath, lookupEnv)
		if err != nil {
			fmt.Fprintln(stdout, err)
			return exitError{1}
		}
		cfg = c
	case *spec != "" && *cfgPath == "":
		cfg = &config.Config{APIs: []config.API{{Name: "spec", Spec: *spec}}}
		cfg.ApplyDefaults()
	default:
		fmt.Fprintln(stderr, "rest2mcp validate: give exactly one of --config or --spec")
		return exitError{2}
	}
	failed := false
	if *cfgPath != "" {
		if err := cfg.Validate(); err != nil {
			fmt.Fprintln(stdout, err)
			failed = true
		}
	}
	if *printCfg {
		b, _ := json.MarshalIndent(cfg, "", "  ")
		fmt.Fprintln(stdout, string(b))
	}
	for _, a := range cfg.APIs {
		if a.Spec == "" {
			continue
		}
		// The secrets are checked first so that a build failing on a
		// missing secret does not report it a second time.
		var secrets bytes.Buffer
		secretsOK := checkSecrets(ctx, a, &secrets, lookupEnv)
		built := validateAPI(ctx, cfg, a, stdout, lookupEnv, !secretsOK)
		_, _ = secrets.WriteTo(stdout)
		if !secretsOK || !built {
			failed = true
		}
	}
	if failed {
		return exitError{1}
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// validateAPI builds one API exactly as serve does (the one builder,
// gateway.BuildAPI), prints its problems and reports whether it is free of
// errors. With secretsReported, a failure of the credentials stage is left
// to checkSecrets' report (it names every missing secret).
func validateAPI(ctx context.Context, cfg *config.Config, a config.API, w io.Writer, lookupEnv func(string) (string, bool), secretsReported bool) bool {
	fmt.Fprintf(w, "api %s (%s):\n", a.Name, a.Spec)
	s, err := gateway.BuildAPI(ctx, a, gateway.BuildOptions{Config: cfg, Validate: true, LookupEnv: lookupEnv})
	if err != nil {
		// Show what the build found before it failed.
		var be *gateway.BuildError
		if errors.As(err, &be) {
			for _, d := range be.Diagnostics {
				fmt.Fprintf(w, "  %s\n", d.String())
			}
			for _, p := range be.Problems {
				fmt.Fprintf(w, "  %s\n", p.String())
			}
			if be.Stage == gateway.StageCredentials && secretsReported {
				return false
			}
			if be.Stage == gateway.StagePolicy && be.Problems.HasErrors() {
				// The errors are the problems just listed.
				fmt.Fprintf(w, "  error: api %s: the policy has errors (above), so the API does not build\n", a.Name)
				return false
			}
		}
		fmt.Fprintf(w, "  error: %v\n", err)
		return false
	}
	diags := s.Diagnostics()
	ok := !diags.HasErrors()
	for _, d := range diags {
		fmt.Fprintf(w, "  %s\n", d.String())
	}
	if a.Auth != nil {
		for _, warn := range a.Auth.Warnings(cfg.ResourceURL(a.Name)) {
			fmt.Fprintf(w, "  warning auth: %s\n", warn)
		}
		for _, p := range s.Problems() {
			fmt.Fprintf(w, "  %s\n", p.String())
		}
		if s.Problems().HasErrors() {
			ok = false
		}
		ok = checkEntraTokens(s, cfg, a, w) && ok
	} else if a.Policy != nil || a.PolicyFile != "" {
		fmt.Fprintf(w, "  warning policy: ignored: the API has no auth section, so it is served without authorization and every tool is callable\n")
	}
	for _, warn := range mcpgen.SelectionProblems(a.Include, a.Exclude, s.Document().Operations) {
		fmt.Fprintf(w, "  warning selection: %s\n", warn)
	}
	for _, warn := range matchWarnings(a, s) {
		fmt.Fprintf(w, "  warning match: %s\n", warn)
	}
	fmt.Fprintf(w, "  %d tools from %d operations\n", len(s.Tools()), len(s.Document().Operations))
	return ok
}

// checkSecrets resolves every secret an API names (environment variables,
// files) the way serve will, and reports each one that is missing. It
// prints nothing for an API without secrets.
func checkSecrets(ctx context.Context, a config.API, w io.Writer, lookupEnv func(string) (string, bool)) bool {
	ok := true
	fail := func(where string, err error) {
		fmt.Fprintf(w, "  error secrets %s: %v\n", where, err)
		ok = false
	}
	if a.Auth != nil {
		for i, is := range a.Auth.Issuers {
			if is.Introspection == nil {
				continue
			}
			if _, err := is.Introspection.ClientSecret.Resolve(lookupEnv); err != nil {
				fail(fmt.Sprintf("auth.issuers[%d].introspection.clientSecret", i), err)
			}
		}
	}
	check := func(where string, ua *authbridge.UpstreamAuthConfig) {
		if ua == nil {
			return
		}
		if _, err := authbridge.NewCredentials(ctx, *ua, authbridge.CredentialsOptions{Name: a.Name, LookupEnv: lookupEnv}); err != nil {
			fail(where, err)
		}
	}
	check("upstreamAuth", a.UpstreamAuth)
	for op, ua := range a.OperationUpstreamAuth {
		check("operationUpstreamAuth["+op+"]", ua)
	}
	return ok
}
