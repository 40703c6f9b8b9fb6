package gateway

import (
	"context"
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/rest2mcp/rest2mcp/policies"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/web"
)

var _ web.PolicyService = (*registry)(nil)

// Policy returns the API's policy as written (see [web.PolicyService]).
func (r *registry) Policy(ctx context.Context, name string) (*web.PolicyView, error) {
	if a, ok := r.g.apis[name]; ok {
		v := &web.PolicyView{Name: name, Version: 1, ReadOnly: true, Protected: a.verifier != nil}
		if pc := a.Snapshot().policyCfg; pc != nil {
			b, err := yaml.Marshal(pc)
			if err != nil {
				return nil, err
			}
			v.Text = string(b)
		}
		return v, nil
	}
	rec, err := r.st.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return &web.PolicyView{Name: name, Version: rec.Version, Text: string(rec.Policy), Protected: r.auth != nil}, nil
}

// PutPolicy validates, builds, stores and serves a new policy.
func (r *registry) PutPolicy(ctx context.Context, name string, text []byte, ifVersion int64) error {
	if _, err := policies.Parse(text); err != nil {
		return &web.SpecError{Err: fmt.Errorf("policy: %w", err), Diagnostics: []web.Diagnostic{{Severity: "error", Code: "policy", Message: err.Error()}}}
	}
	_, _, _, err := r.change(ctx, name, ifVersion, "policy", func(rec *store.API) error {
		rec.Policy = text
		return nil
	})
	return err
}

// Simulate decides every served tool of the API for a caller with scopes
// and claims.
func (r *registry) Simulate(ctx context.Context, name string, scopes []string, claims map[string]any) ([]web.Decision, error) {
	var a *API
	if ca, ok := r.g.apis[name]; ok {
		a = ca
	} else if sa, ok := r.servedAPI(name); ok {
		a = sa.api
	} else {
		if _, err := r.st.Get(ctx, name); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("API %q is stored but not served", name)
	}
	snap := a.Snapshot()
	var sub *policies.Subject
	if snap.policy != nil {
		sub = snap.policy.NewSubject(policies.Subject{Subject: "simulated", Scopes: scopes, Claims: claims})
	}
	out := make([]web.Decision, 0, len(snap.list))
	for _, t := range snap.list {
		d := snap.Decide(t.Name, sub)
		out = append(out, web.Decision{Tool: t.Name, Allow: d.Allow, Denied: d.Denied, Rule: d.Rule, Missing: d.Missing, Reason: d.Reason})
	}
	return out, nil
}
