package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/policies"
)

// Serving tools/list from pre-encoded bytes.
//
// A large API (GitHub: 1,200 tools, 8 MB of schemas) costs mcp-go ~90 ms
// and ~40 MB of garbage per tools/list, because every raw schema is
// re-validated and re-encoded. The tool definitions of a snapshot never
// change, so the gateway encodes each tool once and splices the bytes into
// mcp-go's own answer: mcp-go still validates the request (protocol era,
// headers, _meta) and writes the envelope (id, ttlMs, cacheScope, _meta),
// but lists no tools, because the tool filter sees the splice marker in the
// context; the empty "tools":[] it writes is then replaced. Anything
// unexpected (an error, SSE, a paginated request) falls back to mcp-go's
// normal path.

// encodedTools holds each tool of a snapshot encoded once, in mcp-go's
// order (sorted by name).
type encodedTools struct {
	once  sync.Once
	names []string
	one   [][]byte
	all   []byte
}

func (e *encodedTools) build(tools []*mcpgen.Tool) {
	e.once.Do(func() {
		sorted := append([]*mcpgen.Tool(nil), tools...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		e.names = make([]string, len(sorted))
		e.one = make([][]byte, len(sorted))
		size := 2
		for i, t := range sorted {
			b, err := json.Marshal(t.MCPTool())
			if err != nil {
				// A tool that cannot be encoded cannot be listed either;
				// leave the slot empty so join skips it.
				continue
			}
			e.names[i], e.one[i] = t.Name, b
			size += len(b) + 1
		}
		e.all = e.join(nil, size)
	})
}

// join returns the JSON array of the tools for which keep is true (all
// when keep is nil). size is the capacity to allocate; zero means measure
// the kept tools first, so that a caller who may see few tools of a large
// API does not cost a buffer the size of the whole list.
func (e *encodedTools) join(keep func(name string) bool, size int) []byte {
	if size == 0 {
		size = 2
		for i, b := range e.one {
			if b != nil && (keep == nil || keep(e.names[i])) {
				size += len(b) + 1
			}
		}
	}
	buf := make([]byte, 0, size)
	buf = append(buf, '[')
	first := true
	for i, b := range e.one {
		if b == nil || (keep != nil && !keep(e.names[i])) {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, b...)
	}
	return append(buf, ']')
}

type spliceKey struct{}

// isSplice reports whether the tool filter must list nothing because the
// gateway splices pre-encoded tools into the answer.
func isSplice(ctx context.Context) bool { return ctx.Value(spliceKey{}) != nil }

var emptyTools = []byte(`"tools":[]`)

// fastToolsList serves a plain tools/list (one message, no cursor) from the
// snapshot's pre-encoded tools. It returns false when the request is not
// such a list or the fast path cannot be used; the caller then serves it
// normally.
func (a *API) fastToolsList(w http.ResponseWriter, r *http.Request) bool {
	calls := callsFrom(r.Context())
	if len(calls) != 1 || calls[0].Method != "tools/list" || calls[0].hasCursor {
		return false
	}
	snap := a.current(r.Context())
	if snap.discoveryMode() {
		return false // four tools: mcp-go's own path lists them
	}
	snap.encoded.build(snap.list)
	tools := snap.encoded.all
	if snap.policy != nil && snap.policy.Visibility() == policies.VisibilityGranted {
		subj := subjectFrom(r.Context())
		tools = snap.encoded.join(func(name string) bool { return snap.policy.Decide(name, subj).Allow }, 0)
	}
	rec := newRecorder()
	a.serveMCP(rec, r.WithContext(context.WithValue(r.Context(), spliceKey{}, true)), bodyFrom(r.Context()))
	body := rec.body.Bytes()
	i := bytes.Index(body, emptyTools)
	if rec.status != http.StatusOK || rec.header.Get("Content-Type") != "application/json" ||
		i < 0 || bytes.Contains(body[i+len(emptyTools):], emptyTools) {
		return false
	}
	for k, v := range rec.header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(body[:i+len(`"tools":`)])
	_, _ = w.Write(tools)
	_, _ = w.Write(body[i+len(emptyTools):])
	a.splicedLists.Add(1)
	return true
}

// recorder buffers a response of mcp-go's so that it can be rewritten.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// Flush is a no-op: a buffered answer is rewritten, never streamed.
func (r *recorder) Flush() {}

// spliceFilter is installed on every API's MCP server: it empties the list
// when the gateway splices pre-encoded tools in.
func spliceFilter(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	if isSplice(ctx) {
		return []mcp.Tool{}
	}
	return tools
}
