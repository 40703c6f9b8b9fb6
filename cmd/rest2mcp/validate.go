package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
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
		if !validateAPI(ctx, cfg, a, stdout) || !checkSecrets(ctx, a, stdout, lookupEnv) {
			failed = true
		}
	}
	if failed {
		return exitError{1}
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// validateAPI prints the problems of one API and reports whether it is free
// of errors.
func validateAPI(ctx context.Context, cfg *config.Config, a config.API, w io.Writer) bool {
	fmt.Fprintf(w, "api %s (%s):\n", a.Name, a.Spec)
	o, err := buildOffline(ctx, cfg, a, true)
	if err != nil {
		fmt.Fprintf(w, "  error: %v\n", err)
		return false
	}
	ok := !o.diags.HasErrors()
	for _, d := range o.diags {
		fmt.Fprintf(w, "  %s\n", d.String())
	}
	if a.Auth != nil {
		for _, warn := range a.Auth.Warnings(cfg.ResourceURL(a.Name)) {
			fmt.Fprintf(w, "  warning auth: %s\n", warn)
		}
		for _, p := range o.problems {
			fmt.Fprintf(w, "  %s\n", p.String())
		}
		if o.problems.HasErrors() {
			ok = false
		}
		ok = checkEntraTokens(o, cfg, a, w) && ok
	}
	fmt.Fprintf(w, "  %d tools from %d operations\n", len(o.tools), len(o.doc.Operations))
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
