package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/policies"
)

// cmdPolicy implements "rest2mcp policy explain": each tool of an API with
// allowed/denied for a given set of scopes and claims, and the rule that
// decided.
func cmdPolicy(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) == 0 || args[0] != "explain" {
		if len(args) > 0 {
			fmt.Fprintf(stderr, "rest2mcp policy: unknown subcommand %q\n", args[0])
		}
		fmt.Fprintln(stderr, "usage: rest2mcp policy explain --config F --api A [--scopes \"a b\"] [--claims JSON]")
		return exitError{2}
	}
	fs := flag.NewFlagSet("policy explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file")
	apiName := fs.String("api", "", "API name (default: the only API)")
	scopes := fs.String("scopes", "", "granted scopes, space-separated")
	claimsJSON := fs.String("claims", "", "token claims as a JSON object (for CEL conditions)")
	subject := fs.String("subject", "someone", "subject to evaluate as")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *cfgPath == "" {
		fmt.Fprintln(stderr, "rest2mcp policy explain: --config is required")
		return exitError{2}
	}
	cfg, err := config.Load(*cfgPath, lookupEnv)
	if err != nil {
		return err
	}
	api, err := pickAPI(cfg, *apiName)
	if err != nil {
		return err
	}
	claims := map[string]any{}
	if *claimsJSON != "" {
		if err := json.Unmarshal([]byte(*claimsJSON), &claims); err != nil {
			return fmt.Errorf("--claims must be a JSON object: %w", err)
		}
	}
	// The one builder serve uses; without the upstream credentials, whose
	// secrets explaining the policy does not need.
	s, err := gateway.BuildAPI(ctx, api, gateway.BuildOptions{Config: cfg, LookupEnv: lookupEnv, NoCredentials: true})
	if err != nil {
		return err
	}
	if s.Policy() == nil {
		fmt.Fprintf(stdout, "API %s is served without authorization (no auth section): every tool is callable by anyone who can reach it.\n", api.Name)
		return nil
	}
	for _, p := range s.Problems() {
		fmt.Fprintf(stderr, "%s\n", p.String())
	}
	set := s.Policy()
	subj := set.NewSubject(policies.Subject{Subject: *subject, Scopes: strings.Fields(*scopes), Claims: claims})
	fmt.Fprintf(stdout, "API %s — scopes: %q\n\n", api.Name, *scopes)
	policies.Explain(stdout, set, subj)
	return nil
}

func pickAPI(cfg *config.Config, name string) (config.API, error) {
	if name == "" {
		if len(cfg.APIs) == 1 {
			return cfg.APIs[0], nil
		}
		return config.API{}, fmt.Errorf("--api is required: the config has %d APIs", len(cfg.APIs))
	}
	for _, a := range cfg.APIs {
		if a.Name == name {
			return a, nil
		}
	}
	return config.API{}, fmt.Errorf("no API named %q in the config", name)
}
