package gateway

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
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
		set := a.current(r.Context()).policy
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
//
// It is the one place a call's policy decision is made: the decision
// travels in the request context (withDecision) to the list filter, the
// tool handler and the credential step, so the policy and its CEL
// conditions run once per call.
func (a *API) precheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		names := toolCalls(callsFrom(r.Context()))
		if len(names) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		snap := a.current(ctx)
		subj := subjectFrom(ctx)
		for _, name := range names {
			if _, ok := snap.tools[name]; !ok {
				continue // mcp-go answers unknown tools
			}
			if _, done := decisionFrom(ctx, name); done {
				continue // called twice in one batch
			}
			d := snap.policy.Decide(name, subj)
			snap.auditDecision(ctx, "precheck", name, subj, d)
			if !d.Allow {
				a.metrics.deniedCall(name)
				writeDenied(w, a.prmURL(), d)
				return
			}
			ctx = withDecision(ctx, name, d)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeDenied answers a refused call: 403 insufficient_scope naming the
// scopes to ask for when more scopes would lift the refusal, a plain 403
// otherwise.
func writeDenied(w http.ResponseWriter, prmURL string, d policies.Decision) {
	ch := authbridge.Challenge{ResourceMetadata: prmURL, Description: d.Reason}
	if d.Denied || len(d.Required) == 0 {
		authbridge.WriteForbidden(w, ch)
		return
	}
	ch.Scopes = d.Required
	authbridge.WriteInsufficientScope(w, ch)
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
