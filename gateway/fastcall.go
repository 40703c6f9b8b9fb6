package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/mcpgen"
)

// The tools/call fast path.
//
// mcp-go decodes a tools/call body about seven times (envelope, era,
// base message, protocol info, _meta, params) and builds a throwaway
// session with a forwarder goroutine per POST. For the common call — one
// message, a known tool, plain headers — the gateway instead uses the body
// it decoded once ([parseCall]), invokes the tool directly and writes the
// response itself, byte for byte as mcp-go would (a test compares both
// over a corpus of request variants in both protocol eras). Anything the
// fast path does not cover — an unknown tool, a session id, a header or
// _meta that mcp-go would reject or interpret, task augmentation,
// arguments that are not an object — goes to mcp-go unchanged.

// fastPathEnv turns the fast path off when set to "off" (for comparisons
// and as an escape hatch); see docs/performance.md.
const fastPathEnv = "REST2MCP_FASTPATH"

// protocol _meta keys read by the fast path.
const (
	metaProtocolVersion = "io.modelcontextprotocol/protocolVersion"
	metaClientCaps      = "io.modelcontextprotocol/clientCapabilities"
)

// fastCall serves a tools/call on the fast path and reports whether it
// did; false leaves the request untouched for mcp-go.
func (a *API) fastCall(w http.ResponseWriter, r *http.Request, c *rpcCall) bool {
	if !a.fastPath || c == nil || !c.shapeOK || c.Method != "tools/call" ||
		len(c.ID) == 0 || len(c.Result) > 0 || len(c.Error) > 0 ||
		string(c.JSONRPC) != `"2.0"` || len(c.Params.Task) > 0 || c.Params.Name == "" {
		return false
	}
	modern, ok := fastEra(r.Header, c)
	if !ok {
		return false
	}
	snap := a.current(r.Context())
	t, ok := snap.tools[c.Params.Name]
	if !ok || snap.invoker == nil || !a.fastTools(snap)[t.Name] {
		return false // mcp-go answers unknown tools and what it alone covers
	}
	args, ok := callArgs(c.Params.Arguments)
	if !ok {
		return false
	}
	a.fastCalls.Add(1)
	res := a.invokeFast(r, snap.invoker, t, args)
	if r.Context().Err() != nil {
		// Cancelled by the caller (notifications/cancelled) or gone: like
		// mcp-go, send nothing for it.
		return true
	}
	if res == nil {
		writeRPCErrorID(w, http.StatusOK, rpcInternalError, fmt.Sprintf("panic recovered in %s tool handler", t.Name), c.ID)
		return true
	}
	bp := respPool.Get().(*[]byte)
	buf := a.appendCallResponse((*bp)[:0], c.ID, modern, res.MCP)
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
	if cap(buf) <= maxPooledBuf {
		*bp = buf[:0]
		respPool.Put(bp)
	}
	return true
}

// fastSet is the tools of one snapshot the fast path may serve.
type fastSet struct {
	snap  *Snapshot
	tools map[string]bool
}

// fastTools returns the tools of snap whose calls mcp-go handles in no way
// the fast path does not imitate: not registered with task support
// (Execution) and without x-mcp-header parameters (Mcp-Param-* headers
// checked against the body). mcpgen emits neither today; if it ever does,
// those tools simply go to mcp-go. Server-wide mcp-go options are fixed by
// the builder (build.go); one that changed tools/call answers (schema
// validation, hooks rewriting results) would make the byte-for-byte test
// (fastcall_test.go) fail. Computed once per snapshot.
func (a *API) fastTools(snap *Snapshot) map[string]bool {
	if fs := a.fastSet.Load(); fs != nil && fs.snap == snap {
		return fs.tools
	}
	fs := &fastSet{snap: snap, tools: make(map[string]bool, len(snap.tools))}
	for name, st := range snap.mcp.ListTools() {
		fs.tools[name] = st.Tool.Execution == nil &&
			!bytes.Contains(st.Tool.RawInputSchema, []byte(`"x-mcp-header"`))
	}
	a.fastSet.Store(fs)
	return fs.tools
}

// invokeFast runs the tool like mcpgen's mcp-go handler does; a panic
// gives nil (mcp-go's recovery answers it with an internal error).
func (a *API) invokeFast(r *http.Request, inv *mcpgen.Invoker, t *mcpgen.Tool, args map[string]any) (res *mcpgen.Result) {
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(r.Context(), "panic in tool call", "tool", t.Name, "panic", p)
			res = nil
		}
	}()
	return inv.Invoke(r.Context(), t, args)
}

var respPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

var (
	quotedVersionKey = []byte(`"` + metaProtocolVersion + `"`)
	quotedCapsKey    = []byte(`"` + metaClientCaps + `"`)
)

// exactKeys reports whether every occurrence of key in b, compared without
// regard to ASCII case, is spelled exactly as key.
func exactKeys(b, key []byte) bool {
	first := key[1] // 'i'
	for i := 0; i+len(key) <= len(b); i++ {
		if c := b[i+1] | 0x20; b[i] != '"' || c != first {
			continue
		}
		if bytes.EqualFold(b[i:i+len(key)], key) && !bytes.Equal(b[i:i+len(key)], key) {
			return false
		}
	}
	return true
}

// fastEra decides the protocol era as mcp-go does and reports whether the
// request passes mcp-go's transport checks without anything the fast path
// would have to imitate (errors, sessions, header encodings).
func fastEra(h http.Header, c *rpcCall) (modern, ok bool) {
	if ct := h.Get("Content-Type"); ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return false, false
		}
	}
	if h.Get("Mcp-Session-Id") != "" {
		return false, false
	}
	headerVersion := h.Get(mcp.HeaderProtocolVersion)
	var metaVersion string
	var caps json.RawMessage
	if m := c.Params.Meta; len(m) > 0 && !isNull(m) {
		if m[0] != '{' {
			return false, false
		}
		// A struct decodes without building a map, but matches member
		// names without regard to case where mcp-go's map does not: the
		// fast path only takes _meta whose protocol keys appear in exactly
		// the spelling mcp-go reads.
		var meta struct {
			Version json.RawMessage `json:"io.modelcontextprotocol/protocolVersion"`
			Caps    json.RawMessage `json:"io.modelcontextprotocol/clientCapabilities"`
		}
		if json.Unmarshal(m, &meta) != nil || !exactKeys(m, quotedVersionKey) || !exactKeys(m, quotedCapsKey) {
			return false, false
		}
		if v := meta.Version; len(v) > 0 {
			if v[0] != '"' || json.Unmarshal(v, &metaVersion) != nil {
				return false, false
			}
		}
		caps = meta.Caps
	}
	modern = mcp.IsModernProtocol(metaVersion) || mcp.IsModernProtocol(headerVersion)
	if !modern {
		return false, headerVersion == "" || mcp.IsValidProtocolVersion(headerVersion)
	}
	if headerVersion != metaVersion || !mcp.IsValidProtocolVersion(metaVersion) ||
		h.Get(mcp.HeaderLastEventID) != "" ||
		h.Get(mcp.HeaderMethod) != "tools/call" || h.Get(mcp.HeaderName) != c.Params.Name ||
		strings.HasPrefix(c.Params.Name, "=?") {
		return false, false
	}
	for k := range h {
		if len(k) > len(mcp.HeaderParamPrefix) && strings.EqualFold(k[:len(mcp.HeaderParamPrefix)], mcp.HeaderParamPrefix) {
			return false, false
		}
	}
	if string(caps) != "{}" {
		var cc mcp.ClientCapabilities
		if len(caps) == 0 || caps[0] != '{' || json.Unmarshal(caps, &cc) != nil {
			return false, false
		}
	}
	return true, true
}

// callArgs decodes the arguments of a call once (numbers kept exact);
// absent or null arguments are an empty object. Anything but an object is
// left to mcp-go's path, which answers it.
func callArgs(raw json.RawMessage) (map[string]any, bool) {
	if len(raw) == 0 || isNull(raw) {
		return map[string]any{}, true
	}
	if raw[0] != '{' {
		return nil, false
	}
	return mcpgen.DecodeArguments(raw)
}

// appendCallResponse appends the JSON-RPC response carrying res exactly
// as mcp-go encodes it (json.Encoder: HTML-escaped, newline-terminated;
// result keys sorted; in the modern era resultType and the server's
// identity in _meta), with id echoed as sent.
func (a *API) appendCallResponse(buf []byte, id json.RawMessage, modern bool, res *mcp.CallToolResult) []byte {
	buf = append(buf, `{"jsonrpc":"2.0","id":`...)
	buf = append(buf, id...)
	buf = append(buf, `,"result":`...)
	buf = a.appendCallResult(buf, modern, res)
	return append(buf, "}\n"...)
}

func (a *API) appendCallResult(buf []byte, modern bool, res *mcp.CallToolResult) []byte {
	sc, scOK := res.StructuredContent.(json.RawMessage)
	if res.Meta != nil || res.ResultType != "" || len(res.InputRequests) > 0 || res.RequestState != "" ||
		len(res.RawStructuredContent) > 0 || (!scOK && res.StructuredContent != nil) {
		return a.appendGenericResult(buf, modern, res)
	}
	buf = append(buf, '{')
	if modern {
		buf = append(buf, `"_meta":`...)
		buf = append(buf, a.serverMeta...)
		buf = append(buf, ',')
	}
	buf = append(buf, `"content":[`...)
	for i, c := range res.Content {
		if i > 0 {
			buf = append(buf, ',')
		}
		if tc, ok := c.(mcp.TextContent); ok && tc.Annotations == nil && tc.Meta == nil && tc.Type == "text" {
			buf = append(buf, `{"type":"text","text":`...)
			buf = appendJSONString(buf, tc.Text)
			buf = append(buf, '}')
			continue
		}
		b, err := json.Marshal(c)
		if err != nil {
			return a.appendGenericResult(buf[:0:0], modern, res)
		}
		buf = append(buf, b...)
	}
	buf = append(buf, ']')
	if res.IsError {
		buf = append(buf, `,"isError":true`...)
	}
	if modern {
		buf = append(buf, `,"resultType":"complete"`...)
	}
	if scOK && len(sc) > 0 {
		buf = append(buf, `,"structuredContent":`...)
		buf = appendHTMLEscaped(buf, sc)
	}
	return append(buf, '}')
}

// appendGenericResult encodes results the fast encoder does not cover with
// mcp-go's own marshalling, after applying mcp-go's modern decoration.
func (a *API) appendGenericResult(buf []byte, modern bool, res *mcp.CallToolResult) []byte {
	cp := *res
	if modern {
		if cp.ResultType == "" {
			cp.ResultType = mcp.ResultTypeComplete
		}
		if cp.Meta == nil || cp.Meta.GetMetaField(mcp.MetaKeyServerInfo) == nil {
			m := &mcp.Meta{}
			if cp.Meta != nil {
				*m = *cp.Meta
			}
			m.SetServerInfo(a.serverInfo)
			cp.Meta = m
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := enc.Encode(cp); err != nil {
		return append(buf, `{"content":[],"isError":true}`...)
	}
	return append(buf, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
}

// encodeServerMeta returns the _meta mcp-go puts on every modern result.
func encodeServerMeta(info mcp.Implementation) []byte {
	m := &mcp.Meta{}
	m.SetServerInfo(info)
	b, err := json.Marshal(m)
	if err != nil {
		return []byte("{}")
	}
	return b
}

// appendHTMLEscaped appends compact JSON as encoding/json re-emits a
// json.RawMessage: with <, >, &, U+2028 and U+2029 escaped.
func appendHTMLEscaped(buf, js []byte) []byte {
	if !bytes.ContainsAny(js, "<>&\u2028\u2029") {
		return append(buf, js...)
	}
	var b bytes.Buffer
	json.HTMLEscape(&b, js)
	return append(buf, b.Bytes()...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json
// writes it with HTML escaping on (the json.Encoder default): \" \\ \b \f
// \n \r \t, other control characters and <, >, & as \u00XX, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
