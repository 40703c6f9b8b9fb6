package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

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
// Toolset membership is computed when the gateway starts; a reload
// rebuilds each toolset's tools from the new spec within that membership.

// addToolsets builds the toolset APIs of a (nothing unless a has
// toolsets) from a's first snapshot, whose document they share.
func (g *Gateway) addToolsets(ctx context.Context, a *API) error {
	if a.cfg.Toolsets == nil {
		return nil
	}
	snap := a.snap.Load()
	cfgs, err := toolsetConfigs(a.cfg, snap.list)
	if err != nil {
		return err
	}
	for _, c := range cfgs {
		sub, err := newAPI(ctx, g, c, snap.doc)
		if err != nil {
			return fmt.Errorf("toolset %s: %w", strings.TrimPrefix(c.Name, a.name+"/"), err)
		}
		g.apis[c.Name] = sub
		g.order = append(g.order, c.Name)
	}
	return nil
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
	a, ok := g.apis[name]
	if !ok && g.reg != nil {
		a, ok = g.reg.lookup(name)
	}
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no toolset %q; list the toolsets with rest2mcp tools --spec SPEC --toolsets auto", name))
	}
	a.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}
