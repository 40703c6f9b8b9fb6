package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// Toolset endpoints.
//
// An API with toolsets (auto, see [mcpgen.AutoToolsets], or a list of
// named include/exclude selections) is also served as one endpoint per
// toolset, /mcp/<api>/<toolset>, and one per read-only variant,
// /mcp/<api>/<toolset>-readonly. Each is an
// API of its own — named "<api>/<toolset>", with its own resource URL,
// protected resource metadata (scopes baseline of its tools), policy
// decisions, metrics and reloads — whose include selects the toolset's
// operations by operationId with the one operation matcher. The API's
// own endpoint stays as configured (all its tools, or discovery mode).
//
// Membership follows the API's tools: every reload of the API
// ([API.Reload], [API.ReloadFrom], the polling loop, SIGHUP) recomputes
// the toolsets from the new snapshot, so new operations join their
// toolset (new toolsets appear, emptied ones disappear) and removed
// operations leave it. The toolsets are rebuilt before anything is
// swapped: if one fails, the API and all its toolsets keep serving their
// current snapshots. Toolset APIs are reloaded only through their API.

// toolsetGroup is the current set of toolset APIs of an API; it is
// replaced whole on reload.
type toolsetGroup struct {
	// bySegment maps the toolset's URL segment to its API.
	bySegment map[string]*API
	// order lists the segments in the order the toolsets were computed.
	order []string
}

// apis returns the group's APIs in order (none for a nil group).
func (t *toolsetGroup) apis() []*API {
	if t == nil {
		return nil
	}
	out := make([]*API, len(t.order))
	for i, s := range t.order {
		out[i] = t.bySegment[s]
	}
	return out
}

// toolset returns the toolset API at /mcp/<a>/<segment>.
func (a *API) toolset(segment string) (*API, bool) {
	g := a.toolsets.Load()
	if g == nil {
		return nil, false
	}
	sub, ok := g.bySegment[segment]
	return sub, ok
}

// addToolsets builds the toolset APIs of a (nothing unless a has
// toolsets) from a's first snapshot, whose document they share.
func (g *Gateway) addToolsets(ctx context.Context, a *API) error {
	if a.cfg.Toolsets == nil {
		return nil
	}
	commit, err := a.prepareToolsets(ctx, a.snap.Load())
	if err != nil {
		return err
	}
	commit()
	return nil
}

// prepareToolsets builds the toolset APIs for snap, a's next (or first)
// snapshot, without serving them: toolsets that exist already get a new
// snapshot, new ones a new API. The returned commit swaps them all in
// (and drops toolsets that no longer exist); on error nothing changed.
func (a *API) prepareToolsets(ctx context.Context, snap *Snapshot) (commit func(), err error) {
	configs, err := toolsetConfigs(a.cfg, snap.list)
	if err != nil {
		return nil, err
	}
	old := a.toolsets.Load()
	next := &toolsetGroup{bySegment: make(map[string]*API, len(configs))}
	type update struct {
		sub  *API
		snap *Snapshot
	}
	var updates []update
	for _, c := range configs {
		segment := strings.TrimPrefix(c.Name, a.name+"/")
		if sub, ok := old.lookup(segment); ok {
			opts := sub.buildOptions()
			opts.Document, opts.Source = snap.doc, snap.source
			s, err := BuildAPI(ctx, c, opts)
			if err != nil {
				return nil, fmt.Errorf("toolset %s: %w", segment, err)
			}
			updates = append(updates, update{sub, s})
			next.bySegment[segment] = sub
		} else {
			sub, err := newAPI(ctx, a.gw, c, snap.doc)
			if err != nil {
				return nil, fmt.Errorf("toolset %s: %w", segment, err)
			}
			sub.parent = a
			next.bySegment[segment] = sub
		}
		next.order = append(next.order, segment)
	}
	return func() {
		for _, u := range updates {
			// The toolset's cfg keeps its first membership: it is read
			// unlocked, and its reloads go through a (see ReloadFrom).
			u.sub.snap.Store(u.snap)
			u.sub.log.Info("reloaded with its API", "tools", len(u.snap.list))
		}
		a.toolsets.Store(next)
		if old != nil && (len(old.order) != len(next.order) || len(updates) != len(next.order)) {
			a.log.Info("toolsets changed", "before", strings.Join(old.order, ","), "after", strings.Join(next.order, ","))
		}
	}, nil
}

// lookup is [API.toolset] on a group that may be nil.
func (t *toolsetGroup) lookup(segment string) (*API, bool) {
	if t == nil {
		return nil, false
	}
	sub, ok := t.bySegment[segment]
	return sub, ok
}

// toolsetConfigs returns the configuration of each toolset endpoint of
// the API configured as api, whose tools are list: the API's own
// configuration named "<api>/<toolset>", without toolsets, whose include
// selects the toolset's operations by operationId (read-only variants
// included). Configured and stored APIs both split through it.
func toolsetConfigs(api config.API, list []*mcpgen.Tool) ([]config.API, error) {
	ts := api.Toolsets
	if ts == nil {
		return nil, nil
	}
	var anonymous []string
	for _, t := range list {
		if t.Operation.ID == "" {
			anonymous = append(anonymous, t.Operation.Method+" "+t.Operation.Path)
		}
	}
	if len(anonymous) > 0 {
		return nil, fmt.Errorf("api %s: toolsets: %d operations have no operationId, so a toolset cannot select them (%s); give them operationIds or exclude them",
			api.Name, len(anonymous), strings.Join(anonymous[:min(5, len(anonymous))], ", "))
	}
	var sets []mcpgen.Toolset
	if ts.Auto {
		sets = mcpgen.AutoToolsets(list, 0)
	} else {
		for _, c := range ts.Sets {
			set := mcpgen.Toolset{Name: c.Name}
			for _, t := range list {
				if (c.Include == nil || c.Include.Match(t.Operation)) && (c.Exclude == nil || !c.Exclude.Match(t.Operation)) {
					set.Tools = append(set.Tools, t)
				}
			}
			if len(set.Tools) == 0 {
				return nil, fmt.Errorf("api %s: toolset %s selects no operation; check its include/exclude (rest2mcp tools --spec SPEC --include-… shows a selection)", api.Name, c.Name)
			}
			sets = append(sets, set)
		}
	}
	sets = append(sets, mcpgen.ReadOnlyVariants(sets)...)
	out := make([]config.API, 0, len(sets))
	for _, s := range sets {
		c := api
		c.Name = api.Name + "/" + s.Name
		c.Toolsets = nil
		ids := make([]string, len(s.Tools))
		for i, t := range s.Tools {
			ids[i] = t.Operation.ID
		}
		c.Include = &mcpgen.Selector{OperationIDs: ids}
		c.Exclude = nil
		out = append(out, c)
	}
	return out, nil
}

// serveToolset serves /mcp/<api>/<toolset>.
func (g *Gateway) serveToolset(c echo.Context) error {
	name := c.Param("api") + "/" + c.Param("toolset")
	a, ok := g.toolsetAPI(c.Param("api"), c.Param("toolset"))
	if !ok && g.reg != nil {
		a, ok = g.reg.lookup(name)
	}
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no toolset %q; list the toolsets with rest2mcp tools --spec SPEC --toolsets auto", name))
	}
	a.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// toolsetAPI returns the current toolset API at /mcp/<api>/<segment>.
func (g *Gateway) toolsetAPI(api, segment string) (*API, bool) {
	parent, ok := g.apis[api]
	if !ok {
		return nil, false
	}
	return parent.toolset(segment)
}

// serveToolsetPRM serves the protected resource metadata of the current
// toolsets of a: toolsets come and go with reloads, so their metadata is
// routed by segment rather than mounted one by one.
func (a *API) serveToolsetPRM(c echo.Context) error {
	sub, ok := a.toolset(c.Param("toolset"))
	if !ok || sub.prm == nil {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no protected toolset %q of API %s", c.Param("toolset"), a.name))
	}
	sub.prm.ServeHTTP(c.Response(), c.Request())
	return nil
}

// toolsetPRMRoute is the route of the metadata of a's toolsets.
func (a *API) toolsetPRMRoute() string { return authbridge.PRMPath(a.resource) + "/:toolset" }
