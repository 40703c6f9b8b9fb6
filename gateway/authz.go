package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/policies"
)

type subjectKey struct{}

// subjectFrom returns the policy subject built once per request from the
// verified principal.
func subjectFrom(ctx context.Context) *policies.Subject {
	s, _ := ctx.Value(subjectKey{}).(*policies.Subject)
	return s
}

// withSubject stores the policy view of the verified principal, prepared
// once per request for the current policy set.
func (a *API) withSubject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := authbridge.PrincipalFromContext(r.Context())
		set := a.snap.Load().policy
		if !ok || set == nil {
			next.ServeHTTP(w, r)
			return
		}
		s := set.NewSubject(policies.Subject{Issuer: p.Issuer, Subject: p.Subject, ClientID: p.ClientID, Scopes: p.Scopes, Claims: p.Claims})
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), subjectKey{}, s)))
	})
}

// precheck answers a tools/call the caller lacks scopes for with a 403
// insufficient_scope challenge before mcp-go sees it, so that MCP clients
// ask the user for exactly the consent the tool needs (step-up). Calls
// denied by a rule with no scope remedy get a plain 403.
func (a *API) precheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		names := toolCalls(callsFrom(r.Context()))
		if len(names) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		snap := a.snap.Load()
		subj := subjectFrom(r.Context())
		for _, name := range names {
			if _, ok := snap.tools[name]; !ok {
				continue // mcp-go answers unknown tools
			}
			d := snap.policy.Decide(name, subj)
			a.audit(r.Context(), "precheck", name, subj, d)
			if d.Allow {
				continue
			}
			a.metrics.deniedCall(name)
			ch := authbridge.Challenge{ResourceMetadata: a.prmURL(), Description: d.Reason}
			if d.Denied || len(d.Required) == 0 {
				authbridge.WriteForbidden(w, ch)
				return
			}
			ch.Scopes = d.Required
			authbridge.WriteInsufficientScope(w, ch)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimit applies the per-subject limit to tool calls.
func (a *API) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(toolCalls(callsFrom(r.Context()))) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		p, ok := authbridge.PrincipalFromContext(r.Context())
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if ok, retry := a.limiter.AllowPrincipal(p); !ok {
			authbridge.WriteTooManyRequests(w, retry)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// filterTools implements the "granted" visibility mode: tools/list (and
// tools/call, which mcp-go filters too) shows only the tools the caller may
// call. In "all" mode every tool is listed.
func (a *API) filterTools(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	snap := a.snap.Load()
	if snap.policy == nil || snap.policy.Visibility() != policies.VisibilityGranted {
		return tools
	}
	subj := subjectFrom(ctx)
	out := tools[:0:0]
	for _, t := range tools {
		if snap.policy.Decide(t.Name, subj).Allow {
			out = append(out, t)
		}
	}
	return out
}

// authorize is the tool handler's defence-in-depth policy check.
func (a *API) authorize(ctx context.Context, t *mcpgen.Tool) error {
	snap := a.snap.Load()
	if snap.policy == nil {
		return nil
	}
	subj := subjectFrom(ctx)
	d := snap.policy.Decide(t.Name, subj)
	if d.Allow {
		return nil
	}
	a.audit(ctx, "handler", t.Name, subj, d)
	if len(d.Missing) > 0 {
		return fmt.Errorf("this tool needs the scopes %s; reconnect and grant them", strings.Join(d.Missing, " "))
	}
	return errors.New("this tool is not allowed for you by the gateway's policy")
}

// applyCredentials sets the upstream credentials of a call. The inbound
// token is never forwarded: strategies either add the API's own secret or
// a token minted for the upstream's audience.
func (a *API) applyCredentials(ctx context.Context, req *http.Request, t *mcpgen.Tool) error {
	creds := a.creds
	if c, ok := a.opCreds[t.Operation.ID]; ok {
		creds = c
	}
	if creds == nil {
		return nil
	}
	p, _ := authbridge.PrincipalFromContext(ctx)
	var scopes []string
	if snap := a.snap.Load(); snap.policy != nil {
		scopes = snap.policy.Decide(t.Name, subjectFrom(ctx)).Required
	} else {
		scopes = t.Scopes
	}
	err := creds.Apply(ctx, req, p, scopes)
	if err == nil {
		return nil
	}
	var ce *authbridge.CredentialError
	if errors.As(err, &ce) {
		return &mcpgen.CredentialError{Message: ce.Message}
	}
	a.log.ErrorContext(ctx, "upstream credentials", "tool", t.Name, "err", err)
	return &mcpgen.CredentialError{Message: "could not obtain credentials for the upstream API"}
}

// audit writes one policy decision to the audit stream. Tokens and claims
// are never logged.
func (a *API) audit(ctx context.Context, stage, tool string, s *policies.Subject, d policies.Decision) {
	lvl := slog.LevelInfo
	if !d.Allow {
		lvl = slog.LevelWarn
	}
	attrs := append([]slog.Attr{slog.String("api", a.name), slog.String("stage", stage)}, policies.AuditAttrs(d, tool, s)...)
	a.gw.audit.LogAttrs(ctx, lvl, "authorization decision", attrs...)
	a.metrics.decision(d.Allow)
}

// prmURL is the absolute URL of the API's protected resource metadata.
func (a *API) prmURL() string {
	u, err := url.Parse(a.resource)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + authbridge.PRMPath(a.resource)
}

func durationOr(d config.Duration, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}
