package gateway

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// Echoing ids byte for byte on mcp-go's path.
//
// mcp-go decodes a request id into a Go value and encodes it again, so an
// integer beyond ±2^53 comes back rounded (9007199254740993 as …992) and a
// string with escapes comes back re-escaped. For such ids (rare: see
// [canonicalID]) the gateway sends mcp-go the message with a random
// placeholder string id, buffers the answer and puts the original id back.
// The fast path echoes ids itself.

// serveEchoingID serves c through mcp-go with a placeholder id.
func (a *API) serveEchoingID(w http.ResponseWriter, r *http.Request, c *rpcCall) {
	var msg map[string]json.RawMessage
	if json.Unmarshal(bodyFrom(r.Context()), &msg) != nil {
		a.serveMCP(w, r, bodyFrom(r.Context()))
		return
	}
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	placeholder := []byte(`"rest2mcp-id-` + hex.EncodeToString(nonce[:]) + `"`)
	for k := range msg {
		// encoding/json (and so mcp-go) matches member names without
		// regard to case.
		if strings.EqualFold(k, "id") {
			msg[k] = placeholder
		}
	}
	body, err := json.Marshal(msg)
	if err != nil {
		a.serveMCP(w, r, bodyFrom(r.Context()))
		return
	}
	rec := newRecorder()
	a.serveMCP(rec, r, body)
	for k, v := range rec.header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(bytes.ReplaceAll(rec.body.Bytes(), placeholder, c.ID))
}
