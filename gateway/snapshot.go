package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
	"github.com/rest2mcp/rest2mcp/policies"
)

// Snapshot is the immutable product of one successful [BuildAPI]: every
// piece of an API that depends on its spec and policy. An [API] serves one
// snapshot at a time behind one atomic pointer; a reload builds a whole new
// snapshot and swaps it with one store, and every request pins the
// snapshot current when it arrived (see [API.Snapshot]), so that all its
// stages — pre-check, tools/list, the tool handler, credentials — see the
// same tools, policy and PRM, and in-flight calls finish on the snapshot
// they started on.
type Snapshot struct {
	name     string
	resource string
	cfg      config.API
	source   openapi.Source

	doc *openapi.Document
	// diags are the loader's and the generator's findings.
	diags openapi.Diagnostics
	// tools indexes list by name; list is sorted by name.
	tools map[string]*mcpgen.Tool
	list  []*mcpgen.Tool
	// encoded caches the tools/list encoding of list.
	encoded encodedTools

	// policyCfg and policy are nil for an API served without
	// authorization.
	policyCfg *policies.Config
	policy    *policies.Set
	// problems are the policy compiler's findings.
	problems policies.Problems
	// baseline is what PRM and 401 challenges advertise.
	baseline []string
	// prm serves the protected resource metadata; nil when unprotected.
	prm http.Handler

	creds   authbridge.Credentials
	opCreds map[string]authbridge.Credentials

	invoker *mcpgen.Invoker
	mcp     *server.MCPServer
	// stream is mcp-go's Streamable HTTP server of this snapshot's tools;
	// it serves every request the gateway does not answer itself.
	stream *server.StreamableHTTPServer

	// files are the spec and policy files as they were just before this
	// build read them; the polling loop reloads when they differ.
	files []fileStamp

	log     *slog.Logger
	audit   *slog.Logger
	metrics *apiMetrics
}

// Name returns the API name.
func (s *Snapshot) Name() string { return s.name }

// Source returns where the snapshot's spec came from.
func (s *Snapshot) Source() openapi.Source { return s.source }

// Document returns the loaded spec.
func (s *Snapshot) Document() *openapi.Document { return s.doc }

// Diagnostics returns the loader's and the tool generator's findings.
func (s *Snapshot) Diagnostics() openapi.Diagnostics { return s.diags }

// Tools returns the tools, sorted by name. The slice must not be modified.
func (s *Snapshot) Tools() []*mcpgen.Tool { return s.list }

// Tool returns the tool named name.
func (s *Snapshot) Tool(name string) (*mcpgen.Tool, bool) {
	t, ok := s.tools[name]
	return t, ok
}

// Protected reports whether the API has an auth section (and so a policy).
func (s *Snapshot) Protected() bool { return s.cfg.Auth != nil }

// Policy returns the compiled decision table; nil when the API is served
// without authorization (every tool is then callable).
func (s *Snapshot) Policy() *policies.Set { return s.policy }

// PolicyConfig returns the policy the table was compiled from; nil when
// unprotected.
func (s *Snapshot) PolicyConfig() *policies.Config { return s.policyCfg }

// Problems returns the policy compiler's findings (warnings only: a policy
// with errors does not build).
func (s *Snapshot) Problems() policies.Problems { return s.problems }

// Baseline returns the scopes advertised in PRM and 401 challenges.
func (s *Snapshot) Baseline() []string { return s.baseline }

// Decide decides whether sub may call tool; an unprotected snapshot allows
// everything. It is for offline use (policy explain, tests); the request
// path decides once per call through the context (see decisionFrom).
func (s *Snapshot) Decide(tool string, sub *policies.Subject) policies.Decision {
	if s.policy == nil {
		if _, ok := s.tools[tool]; !ok {
			return policies.Decision{Denied: true, Reason: "unknown tool"}
		}
		return policies.Decision{Allow: true, Reason: "served without authorization"}
	}
	return s.policy.Decide(tool, sub)
}

// decide returns the decision of the request in ctx for tool: the one the
// pre-check made and stored in the context, or, when no stage decided yet
// (a path without the pre-check), one made now. Either way the policy and
// its CEL conditions run at most once per call.
func (s *Snapshot) decide(ctx context.Context, tool string) policies.Decision {
	if d, ok := decisionFrom(ctx, tool); ok {
		return d
	}
	return s.policy.Decide(tool, subjectFrom(ctx))
}

// filterTools implements the "granted" visibility mode: tools/list (and
// tools/call, which mcp-go filters too) shows only the tools the caller may
// call. In "all" mode every tool is listed. A tools/call reuses the
// pre-check's decision.
func (s *Snapshot) filterTools(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	if s.policy == nil || s.policy.Visibility() != policies.VisibilityGranted {
		return tools
	}
	out := tools[:0:0]
	for _, t := range tools {
		if s.decide(ctx, t.Name).Allow {
			out = append(out, t)
		}
	}
	return out
}

// authorize is the tool handler's defence-in-depth policy check; it reads
// the pre-check's decision rather than deciding again.
func (s *Snapshot) authorize(ctx context.Context, t *mcpgen.Tool) error {
	if s.policy == nil {
		return nil
	}
	d := s.decide(ctx, t.Name)
	if d.Allow {
		return nil
	}
	s.auditDecision(ctx, "handler", t.Name, subjectFrom(ctx), d)
	if len(d.Missing) > 0 {
		return fmt.Errorf("this tool needs the scopes %s; reconnect and grant them", strings.Join(d.Missing, " "))
	}
	return errors.New("this tool is not allowed for you by the gateway's policy")
}

// applyCredentials sets the upstream credentials of a call. The inbound
// token is never forwarded: strategies either add the API's own secret or
// a token minted for the upstream's audience, for the scopes of the
// call's decision.
func (s *Snapshot) applyCredentials(ctx context.Context, req *http.Request, t *mcpgen.Tool) error {
	creds := s.creds
	if c, ok := s.opCreds[t.Operation.ID]; ok {
		creds = c
	}
	if creds == nil {
		return nil
	}
	p, _ := authbridge.PrincipalFromContext(ctx)
	scopes := t.Scopes
	if s.policy != nil {
		scopes = s.decide(ctx, t.Name).Required
	}
	err := creds.Apply(ctx, req, p, scopes)
	if err == nil {
		return nil
	}
	var ce *authbridge.CredentialError
	if errors.As(err, &ce) {
		return &mcpgen.CredentialError{Message: ce.Message}
	}
	s.log.ErrorContext(ctx, "upstream credentials", "tool", t.Name, "err", err)
	return &mcpgen.CredentialError{Message: "could not obtain credentials for the upstream API"}
}

// auditDecision writes one policy decision to the audit stream. Tokens and
// claims are never logged.
func (s *Snapshot) auditDecision(ctx context.Context, stage, tool string, sub *policies.Subject, d policies.Decision) {
	lvl := slog.LevelInfo
	if !d.Allow {
		lvl = slog.LevelWarn
	}
	attrs := append([]slog.Attr{slog.String("api", s.name), slog.String("stage", stage)}, policies.AuditAttrs(d, tool, sub)...)
	s.audit.LogAttrs(ctx, lvl, "authorization decision", attrs...)
	if s.metrics != nil {
		s.metrics.decision(d.Allow)
	}
}

type snapshotKey struct{}

// withSnapshot pins s for the rest of a request.
func withSnapshot(ctx context.Context, s *Snapshot) context.Context {
	return context.WithValue(ctx, snapshotKey{}, s)
}

// snapshotFrom returns the snapshot pinned for the request, or nil.
func snapshotFrom(ctx context.Context) *Snapshot {
	s, _ := ctx.Value(snapshotKey{}).(*Snapshot)
	return s
}

type decisionKey struct{}

// decisions is the list of the policy decisions of one request, one per
// tool called (a single tools/call has one).
type decisions struct {
	tool string
	d    policies.Decision
	next *decisions
}

// withDecision records the decision made for tool in this request; the
// list filter, the tool handler and the credential step reuse it.
func withDecision(ctx context.Context, tool string, d policies.Decision) context.Context {
	prev, _ := ctx.Value(decisionKey{}).(*decisions)
	return context.WithValue(ctx, decisionKey{}, &decisions{tool: tool, d: d, next: prev})
}

// decisionFrom returns the decision recorded for tool in this request.
func decisionFrom(ctx context.Context, tool string) (policies.Decision, bool) {
	l, _ := ctx.Value(decisionKey{}).(*decisions)
	for ; l != nil; l = l.next {
		if l.tool == tool {
			return l.d, true
		}
	}
	return policies.Decision{}, false
}
