package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
)

// checkEntraTokens checks what only Microsoft Entra ID set-ups get wrong.
// It prints the warnings of the upstream credentials (on-behalf-of asking
// for the caller-facing scopes). It then simulates the tokens Entra would
// issue for the scopes the API advertises and challenges for, and runs
// them through the verifier's rules and the policy: when no scoped tool
// could ever be called with them it prints errors with the fix and returns
// false; a token that misses some requested scope is a warning. APIs
// without an Entra issuer get no simulation.
func checkEntraTokens(snap *gateway.Snapshot, cfg *config.Config, a config.API, w io.Writer) bool {
	upstream := map[string]*authbridge.UpstreamAuthConfig{"upstreamAuth": a.UpstreamAuth}
	for op, ua := range a.OperationUpstreamAuth {
		upstream["operationUpstreamAuth["+op+"]"] = ua
	}
	for _, path := range slices.Sorted(maps.Keys(upstream)) {
		if ua := upstream[path]; ua != nil {
			for _, warn := range ua.Warnings(path) {
				fmt.Fprintf(w, "  warning %s\n", warn)
			}
		}
	}
	if a.Auth == nil || snap.Policy() == nil {
		return true
	}
	scoped, _ := snap.Policy().ScopedTools(nil)
	if len(scoped) == 0 {
		return true
	}
	requested := slices.Concat(snap.Policy().RequiredScopes(), snap.Policy().Baseline(), a.Auth.Scopes)
	sims := authbridge.SimulateEntraTokens(*a.Auth, cfg.ResourceURL(a.Name), requested)
	usable := false
	for _, s := range sims {
		if _, open := snap.Policy().ScopedTools(s.Granted); len(open) > 0 && !s.AppOnly {
			usable = true
		}
	}
	for _, s := range sims {
		if s.Problem == "" {
			continue
		}
		sev, kind, claim := "warning", "a delegated", fmt.Sprintf("scp %q", s.Claims["scp"])
		if s.AppOnly {
			kind, claim = "an app-only", fmt.Sprintf("roles %v", s.Claims["roles"])
		} else if len(sims) > 0 && !usable {
			sev = "error"
		}
		verdict := "accepts it but grants " + strings.Join(s.Granted, " ")
		if s.Rejected != "" {
			verdict = "rejects it (" + s.Rejected + ")"
		}
		_, open := snap.Policy().ScopedTools(s.Granted)
		fmt.Fprintf(w, "  %s auth: %s: for %s Entra issues %s token with aud %v and %s; the gateway %s, which opens %d of %d scoped tools. Fix: %s\n",
			sev, s.Path, strings.Join(s.Requested, " "), kind, s.Claims["aud"], claim, verdict, len(open), len(scoped), s.Problem)
	}
	if len(sims) > 0 && !usable {
		fmt.Fprintf(w, "  error auth: no token Microsoft Entra ID issues for this API's scopes can call any of its %d scoped tools\n", len(scoped))
		return false
	}
	return true
}
