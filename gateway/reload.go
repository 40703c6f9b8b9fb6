package gateway

import (
	"context"
	"os"
	"time"

	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/openapi"
)

// fileStamp is what the polling loop compares to tell that a file changed:
// its size and modification time, or that it could not be stat'ed.
type fileStamp struct {
	path    string
	size    int64
	mod     time.Time
	missing bool
}

func statFile(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{path: path, missing: true}
	}
	return fileStamp{path: path, size: fi.Size(), mod: fi.ModTime()}
}

func (s fileStamp) equal(o fileStamp) bool {
	return s.path == o.path && s.missing == o.missing && s.size == o.size && s.mod.Equal(o.mod)
}

func sameStamps(a, b []fileStamp) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].equal(b[i]) {
			return false
		}
	}
	return true
}

// stampFiles stats the files a build of api from src reads: the root spec
// file (not the files it references: edit the root, or send SIGHUP, after
// changing one) and the policy file when the API is protected.
//
// URL specs and uploaded specs have no stamp and are not polled.
// Reloading a URL on every tick would be cheap for a small document
// (petstore: ~0.3 ms with the compiled-spec cache, ~1.6 ms without), but it
// re-fetches the whole document each time (13 MB for GitHub's), and every
// tick would swap the tools, log and count a reload although nothing
// changed. SIGHUP reloads them.
func stampFiles(api config.API, src openapi.Source) []fileStamp {
	var out []fileStamp
	if src.Path != "" {
		out = append(out, statFile(src.Path))
	}
	if api.Auth != nil && api.Policy == nil && api.PolicyFile != "" {
		out = append(out, statFile(api.PolicyFile))
	}
	return out
}

// stampFiles stats the files the API's next build would read.
func (a *API) stampFiles() []fileStamp {
	src := openapi.SourceFor(a.cfg.Spec)
	if s := a.snap.Load(); s != nil {
		src = s.source
	}
	return stampFiles(a.cfg, src)
}

// watchFiles reloads, every interval until ctx is done, the APIs whose
// spec or policy file changed since their current snapshot was built.
func (g *Gateway) watchFiles(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	w := newWatcher(g)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.poll(ctx)
		}
	}
}

// watcher is the state of one polling loop; only its goroutine uses it.
type watcher struct {
	g *Gateway
	// failed holds, per API, the stamps of its last failed reload: a broken
	// file is tried (and counted) once, and again only once it changes.
	failed map[string][]fileStamp
	// lastErr holds, per API, the text of the last error logged, so the
	// same error is logged at Error once.
	lastErr map[string]string
}

func newWatcher(g *Gateway) *watcher {
	return &watcher{g: g, failed: map[string][]fileStamp{}, lastErr: map[string]string{}}
}

// poll checks every API once and reloads those whose files changed.
func (w *watcher) poll(ctx context.Context) {
	for _, a := range w.g.APIs() {
		if ctx.Err() != nil {
			return
		}
		if a.parent != nil {
			continue // reloaded with its API
		}
		files := a.stampFiles()
		if len(files) == 0 || sameStamps(files, a.snap.Load().files) || sameStamps(files, w.failed[a.name]) {
			continue
		}
		if err := a.Reload(ctx); err != nil {
			w.failed[a.name] = files
			if msg := err.Error(); msg != w.lastErr[a.name] {
				w.lastErr[a.name] = msg
				a.log.Error("automatic reload failed; the previous snapshot stays in service", "err", err)
			} else {
				a.log.Debug("automatic reload failed again", "err", err)
			}
			continue
		}
		delete(w.failed, a.name)
		delete(w.lastErr, a.name)
	}
}
