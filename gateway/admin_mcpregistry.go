package gateway

import (
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The registry answers the read part of the MCP Registry API (the generic
// registry API of modelcontextprotocol/registry, /v0.1/servers…) with one
// server.json per API whose remote is its MCP endpoint, so that an
// organisation can point its MCP clients (e.g. Copilot) at rest2mcp as its
// private registry. Every stored version of an API is a server version
// (a configured API has one); the one being served is the latest.

const mcpRegistryPrefix = "/v0.1/servers"

// serverJSONSchema is the server.json schema the answers follow.
const serverJSONSchema = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"

// mcpServer is a ServerResponse of the registry API.
type mcpServer struct {
	Server serverDetail   `json:"server"`
	Meta   map[string]any `json:"_meta,omitempty"`
}

type serverDetail struct {
	Schema      string         `json:"$schema"`
	Name        string         `json:"name"`
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description"`
	Version     string         `json:"version"`
	WebsiteURL  string         `json:"websiteUrl,omitempty"`
	Remotes     []remoteDetail `json:"remotes"`
}

type remoteDetail struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// serverNamespace is the reverse-DNS namespace of the gateway's servers:
// the public host's labels reversed ("gw.example.com" → "com.example.gw");
// an IP address or "localhost" stays as it is.
func (r *registry) serverNamespace() string {
	u, err := url.Parse(r.g.cfg.PublicURL)
	host := "localhost"
	if err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if net.ParseIP(host) != nil || !strings.Contains(host, ".") {
		return strings.ReplaceAll(host, ":", "-")
	}
	labels := strings.Split(host, ".")
	slices.Reverse(labels)
	return strings.Join(labels, ".")
}

// truncate shortens s to n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return strings.TrimSpace(string(rs[:n-1])) + "…"
}

// mcpServers describes every version of every API as a registry server
// version, sorted by name, newest version first: a configured API has
// one version ("1"), a stored API one per stored version, the latest
// marked isLatest. Every version's remote is the API's endpoint, which
// serves the latest.
func (r *registry) mcpServers(req *http.Request) ([]mcpServer, error) {
	ctx := req.Context()
	list, err := r.List(ctx)
	if err != nil {
		return nil, err
	}
	ns := r.serverNamespace()
	var out []mcpServer
	for _, s := range list {
		var a *API
		if ca, ok := r.g.apis[s.Name]; ok {
			a = ca
		} else if sa, ok := r.servedAPI(s.Name); ok {
			a = sa.api
		}
		if a == nil {
			continue // stored but not served: nothing to connect to
		}
		title := s.Name
		if doc := a.Snapshot().doc; doc != nil && doc.Title != "" {
			title = doc.Title
		}
		server := func(version string, tools int) serverDetail {
			return serverDetail{
				Schema:      serverJSONSchema,
				Name:        ns + "/" + s.Name,
				Title:       truncate(title, 100),
				Description: truncate(title+": "+strconv.Itoa(tools)+" tools, served by rest2mcp", 100),
				Version:     version,
				Remotes:     []remoteDetail{{Type: "streamable-http", URL: s.Endpoint}},
			}
		}
		if s.ReadOnly {
			out = append(out, mcpServer{Server: server(strconv.FormatInt(s.Version, 10), s.Tools),
				Meta: map[string]any{officialMeta: map[string]any{"status": "active", "isLatest": true}}})
			continue
		}
		vs, err := r.st.Versions(ctx, s.Name)
		if err != nil {
			return nil, err
		}
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			tools := v.Tools
			if i == len(vs)-1 {
				tools = s.Tools // the served count (disabled tools left out)
			}
			at := v.CreatedAt.UTC().Format(time.RFC3339)
			out = append(out, mcpServer{Server: server(strconv.FormatInt(v.Version, 10), tools),
				Meta: map[string]any{officialMeta: map[string]any{"status": "active", "isLatest": i == len(vs)-1, "publishedAt": at, "updatedAt": at}}})
		}
	}
	return out, nil
}

// officialMeta is the _meta key of the registry-managed metadata.
const officialMeta = "io.modelcontextprotocol.registry/official"

// isLatest reports whether s is its server's latest version.
func (s *mcpServer) isLatest() bool {
	l, _ := s.Meta[officialMeta].(map[string]any)["isLatest"].(bool)
	return l
}

// cursorKey orders the list: by name, then newest version first.
func (s *mcpServer) cursorKey() string {
	v, _ := strconv.ParseInt(s.Server.Version, 10, 64)
	return fmt.Sprintf("%s\x00%020d", s.Server.Name, math.MaxInt64-v)
}

func (r *registry) mcpRegistryHandler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET "+mcpRegistryPrefix, r.mcpList)
	m.HandleFunc("GET "+mcpRegistryPrefix+"/{serverName}/versions", r.mcpVersions)
	m.HandleFunc("GET "+mcpRegistryPrefix+"/{serverName}/versions/{version}", r.mcpVersion)
	return m
}

func (r *registry) mcpList(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	limit := 30
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be a positive integer"})
			return
		}
		limit = min(n, 100)
	}
	var since time.Time
	if v := q.Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "updated_since must be an RFC 3339 date-time"})
			return
		}
		since = t
	}
	after := ""
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid cursor"})
			return
		}
		after = string(b)
	}
	all, err := r.mcpServers(req)
	if err != nil {
		r.fail(w, req, err)
		return
	}
	page := []mcpServer{}
	next := ""
	for _, s := range all {
		if s.cursorKey() <= after {
			continue
		}
		if v := q.Get("search"); v != "" && !strings.Contains(s.Server.Name, v) {
			continue
		}
		switch v := q.Get("version"); {
		case v == "latest" && !s.isLatest(), v != "" && v != "latest" && v != s.Server.Version:
			continue
		}
		if !since.IsZero() {
			u, _ := s.Meta[officialMeta].(map[string]any)["updatedAt"].(string)
			if t, err := time.Parse(time.RFC3339, u); err != nil || t.Before(since) {
				continue
			}
		}
		if len(page) == limit {
			next = base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1].cursorKey()))
			break
		}
		page = append(page, s)
	}
	meta := map[string]any{"count": len(page)}
	if next != "" {
		meta["nextCursor"] = next
	}
	writeJSON(w, http.StatusOK, map[string]any{"servers": page, "metadata": meta})
}

// mcpFind returns the versions of the server named in the path, newest
// first (404 when there is none).
func (r *registry) mcpFind(w http.ResponseWriter, req *http.Request) ([]mcpServer, bool) {
	all, err := r.mcpServers(req)
	if err != nil {
		r.fail(w, req, err)
		return nil, false
	}
	name := req.PathValue("serverName")
	var out []mcpServer
	for _, s := range all {
		if s.Server.Name == name {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Server not found"})
		return nil, false
	}
	return out, true
}

func (r *registry) mcpVersions(w http.ResponseWriter, req *http.Request) {
	if vs, ok := r.mcpFind(w, req); ok {
		writeJSON(w, http.StatusOK, map[string]any{"servers": vs, "metadata": map[string]any{"count": len(vs)}})
	}
}

func (r *registry) mcpVersion(w http.ResponseWriter, req *http.Request) {
	vs, ok := r.mcpFind(w, req)
	if !ok {
		return
	}
	want := req.PathValue("version")
	for i := range vs {
		if (want == "latest" && vs[i].isLatest()) || want == vs[i].Server.Version {
			writeJSON(w, http.StatusOK, vs[i])
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "Server version not found"})
}
