package devauth

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/storage"

	"github.com/rest2mcp/rest2mcp/internal/ssrf"
)

// Limits on clients.
const (
	maxClients          = 1000
	maxMetadataBytes    = 64 << 10
	metadataCacheTTL    = 5 * time.Minute
	metadataHTTPTimeout = 5 * time.Second
)

// client is a registered, pre-registered or metadata-document client. Its
// scopes and audiences follow the server's resources, so that a client
// registered with the first challenge's scope may still step up.
type client struct {
	*fosite.DefaultClient
	name      string
	audiences []string // besides the resources
	s         *Server
	fetched   time.Time // for metadata-document clients
	// registered marks dynamically registered clients, which are saved.
	registered bool
	issuedAt   int64 // Unix seconds, for registered clients
}

// GetScopes returns every scope the server knows.
func (c *client) GetScopes() fosite.Arguments { return c.s.allScopes() }

// GetAudience returns the resources and the client's own audiences.
func (c *client) GetAudience() fosite.Arguments {
	return append(c.s.resourceURLs(), c.audiences...)
}

// store is fosite's in-memory storage with our own client registry and
// Client ID Metadata Document support.
type store struct {
	*storage.MemoryStore
	s             *Server
	http          *http.Client
	allowLoopback bool
	file          string // where registered clients are kept; "" = memory only
	saveMu        sync.Mutex

	mu      sync.RWMutex
	clients map[string]*client
}

func newStore(s *Server, hc *http.Client, allowLoopback bool, file string) *store {
	return &store{MemoryStore: storage.NewMemoryStore(), s: s, http: hc, allowLoopback: allowLoopback, file: file, clients: map[string]*client{}}
}

// persistedClient is a dynamically registered client as kept in the
// clients file, so that clients (VS Code remembers its registration) keep
// working after a restart.
type persistedClient struct {
	ID            string   `json:"client_id"`
	Name          string   `json:"client_name,omitempty"`
	RedirectURIs  []string `json:"redirect_uris,omitempty"`
	GrantTypes    []string `json:"grant_types"`
	ResponseTypes []string `json:"response_types"`
	Public        bool     `json:"public"`
	SecretHash    []byte   `json:"secret_hash,omitempty"`
	IssuedAt      int64    `json:"client_id_issued_at"`
}

// maxKeptClients bounds the clients reloaded at start (the most recent),
// so that a long-lived data directory never fills the registry.
const maxKeptClients = maxClients / 2

// load reads the clients file, if any.
func (st *store) load() error {
	if st.file == "" {
		return nil
	}
	b, err := os.ReadFile(st.file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("devauth: read clients: %w", err)
	}
	var list []persistedClient
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("devauth: clients file %s: %w (delete it to start afresh)", st.file, err)
	}
	slices.SortFunc(list, func(a, b persistedClient) int { return int(b.IssuedAt - a.IssuedAt) })
	if len(list) > maxKeptClients {
		list = list[:maxKeptClients]
	}
	for _, p := range list {
		st.clients[p.ID] = &client{
			DefaultClient: &fosite.DefaultClient{ID: p.ID, Secret: p.SecretHash, RedirectURIs: p.RedirectURIs, GrantTypes: p.GrantTypes, ResponseTypes: p.ResponseTypes, Public: p.Public},
			name:          p.Name,
			s:             st.s,
			registered:    true,
			issuedAt:      p.IssuedAt,
		}
	}
	return nil
}

// save writes the registered clients to the clients file (atomically).
func (st *store) save() error {
	if st.file == "" {
		return nil
	}
	st.saveMu.Lock()
	defer st.saveMu.Unlock()
	st.mu.RLock()
	var list []persistedClient
	for _, c := range st.clients {
		if c.registered {
			list = append(list, persistedClient{ID: c.ID, Name: c.name, RedirectURIs: c.RedirectURIs, GrantTypes: c.GrantTypes, ResponseTypes: c.ResponseTypes, Public: c.Public, SecretHash: c.Secret, IssuedAt: c.issuedAt})
		}
	}
	st.mu.RUnlock()
	slices.SortFunc(list, func(a, b persistedClient) int { return strings.Compare(a.ID, b.ID) })
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(st.file), 0o700); err != nil {
		return fmt.Errorf("devauth: clients directory: %w", err)
	}
	tmp := st.file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("devauth: write clients: %w", err)
	}
	if err := os.Rename(tmp, st.file); err != nil {
		return fmt.Errorf("devauth: write clients: %w", err)
	}
	return nil
}

// GetClient returns a registered client, or fetches the metadata document
// of a URL client ID.
func (st *store) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	st.mu.RLock()
	c, ok := st.clients[id]
	st.mu.RUnlock()
	if ok && (c.fetched.IsZero() || time.Since(c.fetched) < metadataCacheTTL) {
		return c, nil
	}
	if st.isMetadataURL(id) {
		c, err := st.fetchMetadata(ctx, id)
		if err != nil {
			st.s.log.WarnContext(ctx, "client ID metadata document refused", "client_id", id, "err", err)
			return nil, fmt.Errorf("%w: %v", fosite.ErrNotFound, err)
		}
		st.put(c)
		return c, nil
	}
	return nil, fosite.ErrNotFound
}

func (st *store) put(c *client) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.clients[c.ID]; !ok && len(st.clients) >= maxClients {
		return fmt.Errorf("too many clients (%d); restart rest2mcp dev", maxClients)
	}
	st.clients[c.ID] = c
	return nil
}

func (st *store) addConfidential(ctx context.Context, c Client) error {
	if c.ID == "" || c.Secret == "" {
		return errors.New("devauth: a pre-registered client needs an ID and a secret")
	}
	hash, err := st.s.config.GetSecretsHasher(ctx).Hash(ctx, []byte(c.Secret))
	if err != nil {
		return fmt.Errorf("devauth: client %s: %w", c.ID, err)
	}
	return st.put(&client{
		DefaultClient: &fosite.DefaultClient{
			ID:            c.ID,
			Secret:        hash,
			GrantTypes:    []string{grantClientCredentials, grantTokenExchange},
			ResponseTypes: []string{"code"},
		},
		name:      c.ID,
		audiences: c.Audiences,
		s:         st.s,
	})
}

// isMetadataURL reports whether a client ID is a Client ID Metadata
// Document URL this server fetches: https with a path, or loopback http
// when allowed.
func (st *store) isMetadataURL(id string) bool {
	u, err := url.Parse(id)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Path == "" || u.Path == "/" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return st.allowLoopback && hostIsLoopback(u.Host)
	}
	return false
}

// clientMetadata is the part of RFC 7591 client metadata we use, both for
// registration requests and metadata documents.
type clientMetadata struct {
	ClientID                string   `json:"client_id,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
}

// registrationError is an RFC 7591 §3.2.2 error.
type registrationError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *registrationError) Error() string { return e.Code + ": " + e.Description }

func badMetadata(format string, args ...any) error {
	return &registrationError{Code: "invalid_client_metadata", Description: fmt.Sprintf(format, args...)}
}

// validate checks metadata and fills defaults; public says whether the
// client has no secret.
func (m *clientMetadata) validate(defaultAuth string) (public bool, err error) {
	if len(m.RedirectURIs) == 0 && !slices.Equal(m.GrantTypes, []string{grantClientCredentials}) {
		return false, &registrationError{Code: "invalid_redirect_uri", Description: "redirect_uris is required"}
	}
	for _, r := range m.RedirectURIs {
		if !isLoopbackOrHTTPS(r) {
			return false, &registrationError{Code: "invalid_redirect_uri",
				Description: fmt.Sprintf("redirect URI %q refused: use https, or http on a loopback host (127.0.0.1, [::1], localhost)", r)}
		}
	}
	if m.TokenEndpointAuthMethod == "" {
		m.TokenEndpointAuthMethod = defaultAuth
	}
	switch m.TokenEndpointAuthMethod {
	case "none":
		public = true
	case "client_secret_basic", "client_secret_post":
	default:
		return false, badMetadata("token_endpoint_auth_method %q is not supported: use none, client_secret_basic or client_secret_post", m.TokenEndpointAuthMethod)
	}
	if len(m.GrantTypes) == 0 {
		m.GrantTypes = []string{grantAuthorizationCode}
	}
	for _, g := range m.GrantTypes {
		switch g {
		case grantAuthorizationCode, grantRefreshToken:
		case grantClientCredentials:
			if public {
				return false, badMetadata("grant type client_credentials needs a confidential client (token_endpoint_auth_method client_secret_basic or client_secret_post)")
			}
		default:
			return false, badMetadata("grant type %q is not supported: use authorization_code, refresh_token or client_credentials", g)
		}
	}
	if len(m.ResponseTypes) == 0 {
		m.ResponseTypes = []string{"code"}
	}
	if !slices.Equal(m.ResponseTypes, []string{"code"}) {
		return false, badMetadata("response_types must be [\"code\"]")
	}
	return public, nil
}

// serveRegister is dynamic client registration (RFC 7591).
func (s *Server) serveRegister(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusBadRequest, badMetadata("send the client metadata as application/json"))
		return
	}
	var m clientMetadata
	dec := json.NewDecoder(io.LimitReader(r.Body, maxMetadataBytes))
	if err := dec.Decode(&m); err != nil {
		writeJSON(w, http.StatusBadRequest, badMetadata("client metadata is not valid JSON: %v", err))
		return
	}
	public, err := m.validate("client_secret_basic")
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	id := "dev-" + rand.Text()
	c := &client{
		DefaultClient: &fosite.DefaultClient{ID: id, RedirectURIs: m.RedirectURIs, GrantTypes: m.GrantTypes, ResponseTypes: m.ResponseTypes, Public: public},
		name:          m.ClientName,
		s:             s,
		registered:    true,
		issuedAt:      time.Now().Unix(),
	}
	resp := map[string]any{
		"client_id":                  id,
		"client_id_issued_at":        c.issuedAt,
		"client_name":                m.ClientName,
		"redirect_uris":              m.RedirectURIs,
		"grant_types":                m.GrantTypes,
		"response_types":             m.ResponseTypes,
		"token_endpoint_auth_method": m.TokenEndpointAuthMethod,
	}
	if !public {
		secret := rand.Text()
		hash, err := s.config.GetSecretsHasher(r.Context()).Hash(r.Context(), []byte(secret))
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, &registrationError{Code: "server_error", Description: "cannot hash the client secret"})
			return
		}
		c.Secret = hash
		resp["client_secret"] = secret
		resp["client_secret_expires_at"] = 0
	}
	if err := s.store.put(c); err != nil {
		writeJSON(w, http.StatusBadRequest, badMetadata("%v", err))
		return
	}
	if err := s.store.save(); err != nil {
		// The client works until the next restart.
		s.log.WarnContext(r.Context(), "registered client not saved", "err", err)
	}
	s.log.InfoContext(r.Context(), "client registered", "client_id", id, "client_name", m.ClientName, "public", public)
	writeJSON(w, http.StatusCreated, resp)
}

// fetchMetadata fetches and checks a Client ID Metadata Document.
func (st *store) fetchMetadata(ctx context.Context, id string) (*client, error) {
	ctx, cancel := context.WithTimeout(ctx, metadataHTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := st.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch client metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch client metadata: HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read client metadata: %w", err)
	}
	if len(b) > maxMetadataBytes {
		return nil, fmt.Errorf("client metadata is larger than %d bytes", maxMetadataBytes)
	}
	var m clientMetadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("client metadata is not valid JSON: %w", err)
	}
	if m.ClientID != id {
		return nil, fmt.Errorf("client metadata client_id %q differs from the URL %q it was fetched from", m.ClientID, id)
	}
	if _, err := m.validate("none"); err != nil {
		return nil, err
	}
	if m.TokenEndpointAuthMethod != "none" {
		return nil, fmt.Errorf("client metadata: token_endpoint_auth_method %q is not supported for metadata-document clients; use none", m.TokenEndpointAuthMethod)
	}
	name := m.ClientName
	if name == "" {
		name = id
	}
	return &client{
		DefaultClient: &fosite.DefaultClient{ID: id, RedirectURIs: m.RedirectURIs, GrantTypes: m.GrantTypes, ResponseTypes: m.ResponseTypes, Public: true},
		name:          name,
		s:             st.s,
		fetched:       time.Now(),
	}, nil
}

// metadataClient fetches metadata documents: no redirects, private and
// link-local addresses refused, loopback only when allowed.
func metadataClient(allowLoopback bool) *http.Client {
	return &http.Client{
		Timeout:       metadataHTTPTimeout,
		Transport:     ssrf.Policy{BlockPrivate: true, BlockLoopback: !allowLoopback}.Transport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// displayName is what the consent page calls a client.
func (c *client) displayName() string {
	if c.name != "" {
		return c.name
	}
	return c.ID
}

// clientName returns the display name of a fosite client.
func clientName(fc fosite.Client) string {
	if c, ok := fc.(*client); ok {
		return c.displayName()
	}
	return fc.GetID()
}

// isURLClient reports whether a client ID is a metadata-document URL.
func isURLClient(id string) bool {
	return strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")
}
