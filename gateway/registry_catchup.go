package gateway

import (
	"context"
	"time"

	"github.com/rest2mcp/rest2mcp/store"
)

// catchUpInterval is how often changes that could not be applied (the
// store was unreachable when they were read) are tried again.
const catchUpInterval = time.Second

// catchUp applies the change feed for [registry.follow] and remembers the
// changes that failed, so that a replica catches up once the store is
// back even if nothing else changes.
type catchUp struct {
	r       *registry
	pending map[string]int64 // API name → version to serve
	// since is the commit time of the oldest pending change of each API:
	// its lag runs until the API is served.
	since  map[string]time.Time
	resync bool // a full reload failed
	ticker *time.Ticker
}

func newCatchUp(r *registry) *catchUp {
	return &catchUp{r: r, pending: map[string]int64{}, since: map[string]time.Time{}, ticker: time.NewTicker(catchUpInterval)}
}

func (c *catchUp) stop() { c.ticker.Stop() }

// tick fires while something is pending (nil channel otherwise).
func (c *catchUp) tick() <-chan time.Time {
	if len(c.pending) == 0 && !c.resync {
		return nil
	}
	return c.ticker.C
}

// apply applies ch and records its lag (commit to applied) once it is;
// a put that could not be applied stays pending, with its commit time.
func (c *catchUp) apply(ctx context.Context, ch store.Change) {
	switch ch.Kind {
	case store.ChangePut:
		if c.r.refresh(ctx, ch.Name, ch.Version) {
			c.applied(ch.Name, ch.At)
		} else {
			c.pending[ch.Name] = max(c.pending[ch.Name], ch.Version)
			if _, ok := c.since[ch.Name]; !ok {
				c.since[ch.Name] = ch.At
			}
		}
	case store.ChangeDelete:
		c.applied(ch.Name, ch.At)
		c.r.remove(ch.Name)
	case store.ChangeResync:
		c.reload(ctx)
	}
}

// applied clears name's pending change and records the lag from the
// commit of the oldest change of name not applied until now (at, if none
// was pending).
func (c *catchUp) applied(name string, at time.Time) {
	if since, ok := c.since[name]; ok {
		at = since
	}
	delete(c.pending, name)
	delete(c.since, name)
	c.r.g.metrics.changeApplied(store.Change{At: at}, time.Now())
}

func (c *catchUp) reload(ctx context.Context) {
	if err := c.r.loadAll(ctx); err != nil {
		if ctx.Err() == nil {
			c.r.log.Error("registry resync", "err", err)
		}
		c.resync = true
		return
	}
	c.resync = false
}

// retry tries the pending changes again.
func (c *catchUp) retry(ctx context.Context) {
	if c.resync {
		c.reload(ctx)
	}
	for name, v := range c.pending {
		if c.r.refresh(ctx, name, v) {
			c.applied(name, time.Time{})
		}
	}
	if n := len(c.pending); n > 0 || c.resync {
		c.r.log.Warn("registry behind the store; retrying", "pending", n, "resync", c.resync)
	}
}
