package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Errors callers branch on (with [errors.Is]). Backends wrap them with
// context.
var (
	// ErrNotFound: no API (or version) of that name.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: Create with a name that is taken.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: the edit was based on a version that is no longer the
	// latest (a stale If-Match); nothing was written.
	ErrConflict = errors.New("version conflict: the API changed since it was read")
	// ErrReadOnly: the API comes from the configuration file and cannot be
	// changed through the store.
	ErrReadOnly = errors.New("read-only")
	// ErrInvalid: the record breaks a rule of the store (a bad name, a
	// secret value instead of a reference); the message says which.
	ErrInvalid = errors.New("invalid")
	// ErrUnavailable: the store's database cannot be reached (PostgreSQL
	// is down or the connection was lost); nothing was written. Replicas
	// keep serving what they have and catch up when it returns.
	ErrUnavailable = errors.New("store unavailable")
)

// Store is the registry's storage. It is declared here, on the provider
// side, because several backends implement it and share one conformance
// suite (store/storetest). Implementations are safe for concurrent use.
type Store interface {
	// List returns the latest version of every API, sorted by name.
	List(ctx context.Context) ([]VersionInfo, error)
	// Get returns the latest version of the API, or ErrNotFound.
	Get(ctx context.Context, name string) (*API, error)
	// GetVersion returns one version of the API, or ErrNotFound.
	GetVersion(ctx context.Context, name string, version int64) (*API, error)
	// Versions lists the versions of the API, oldest first, or
	// ErrNotFound.
	Versions(ctx context.Context, name string) ([]VersionInfo, error)
	// Create stores a as version 1 of a new API. It fails with
	// ErrAlreadyExists when the name is taken and ErrInvalid when a breaks
	// a rule (see [API.Check]). a.Version and a.CreatedAt are ignored.
	Create(ctx context.Context, a *API) (*API, error)
	// Update writes a new version of the API: fn receives a copy of the
	// latest version and edits it in place. With ifVersion > 0 the edit
	// fails with ErrConflict unless ifVersion is still the latest version;
	// with ifVersion == 0 a concurrent change makes Update re-read and
	// call fn again, so fn may run more than once and must not have side
	// effects. An error from fn aborts the update and is returned as is.
	// Name, Version and CreatedAt are set by the store.
	Update(ctx context.Context, name string, ifVersion int64, fn func(*API) error) (*API, error)
	// Delete removes the API with all its versions. With ifVersion > 0 it
	// fails with ErrConflict unless ifVersion is the latest version.
	Delete(ctx context.Context, name string, ifVersion int64) error
	// Watch returns the changes committed after the call by any process
	// using the same database, in commit order, until ctx is done (then
	// the channel is closed). Call Watch before List to miss nothing.
	Watch(ctx context.Context) (<-chan Change, error)
	// Close releases the store's connections; watchers end.
	Close() error
}

// API is one version of a stored API.
type API struct {
	// Name is the API's endpoint name (see [ValidName]); it is the key.
	Name string `json:"name"`
	// Version numbers the API's versions from 1; every change adds one.
	Version int64 `json:"version"`
	// CreatedAt is when this version was written.
	CreatedAt time.Time `json:"createdAt"`
	// Message says what this version changed ("upload", "rollback to 3").
	Message string `json:"message,omitempty"`
	// Spec is the OpenAPI document.
	Spec Spec `json:"spec"`
	// Settings say how the API is served.
	Settings Settings `json:"settings"`
	// Policy is the API's authorization policy as written (YAML or JSON
	// of the policy configuration); empty means none.
	Policy []byte `json:"policy,omitempty"`
	// Operations holds the admin's per-operation overrides, keyed by
	// [OperationKey].
	Operations map[string]Operation `json:"operations,omitempty"`
	// UpstreamAuth is the upstream-auth configuration as JSON, in the shape
	// of the configuration file's upstreamAuth section. Secrets in it are
	// references (fromEnv/fromFile), never values: see [CheckSecretRefs].
	UpstreamAuth json.RawMessage `json:"upstreamAuth,omitempty"`
	// ToolNames is the stable tool-name mapping of this version (see
	// [AssignToolNames]), sorted by operation key.
	ToolNames []ToolName `json:"toolNames,omitempty"`
	// Compiled is the compiled form of this version, opaque to the store,
	// so that a restart serves without parsing the spec again. Update
	// carries it over unless fn changes it: whoever writes it should stamp
	// it with what it was built from and check that stamp when reading.
	Compiled []byte `json:"-"`
}

// Spec is an OpenAPI document as uploaded.
type Spec struct {
	// Data is the document's bytes (YAML or JSON).
	Data []byte `json:"-"`
	// Digest is the hex SHA-256 of Data, set by the store.
	Digest string `json:"digest"`
	// Source says where Data came from.
	Source Source `json:"source"`
}

// SourceKind says how a spec reached the registry.
type SourceKind string

// The kinds of [Source].
const (
	// SourceUpload is a file uploaded through the UI or admin API;
	// Location is its file name.
	SourceUpload SourceKind = "upload"
	// SourceURL is a document fetched from Location.
	SourceURL SourceKind = "url"
	// SourceFile is a file on the gateway's disk at Location.
	SourceFile SourceKind = "file"
)

// Source says where a spec came from.
type Source struct {
	Kind     SourceKind `json:"kind"`
	Location string     `json:"location,omitempty"`
}

// Settings say how an API is served. Zero values mean the gateway's
// defaults.
type Settings struct {
	// Upstream overrides the spec's server URL.
	Upstream string `json:"upstream,omitempty"`
	// ServerVariables set server URL template variables.
	ServerVariables map[string]string `json:"serverVariables,omitempty"`
	// ToolPrefix is prepended to every tool name.
	ToolPrefix string `json:"toolPrefix,omitempty"`
	// Timeout bounds each upstream call.
	Timeout time.Duration `json:"timeout,omitempty"`
	// MaxResponseBytes caps an upstream response.
	MaxResponseBytes int64 `json:"maxResponseBytes,omitempty"`
	// MaxOutputSchema bounds each tool's output schema in bytes.
	MaxOutputSchema int `json:"maxOutputSchema,omitempty"`
	// MaxResultBytes bounds a JSON tool result for the model (0 = the
	// gateway's default, -1 = no limit; see the configuration's
	// response.maxBytes).
	MaxResultBytes int `json:"maxResultBytes,omitempty"`
	// ResultFields project JSON tool results onto these JSON pointers.
	ResultFields []string `json:"resultFields,omitempty"`
	// Include and Exclude select operations (nil Include = all).
	Include *Selector `json:"include,omitempty"`
	Exclude *Selector `json:"exclude,omitempty"`
	// Mode is the gateway's serving mode for the API ("tools" or
	// "discovery"); the store does not interpret it.
	Mode string `json:"mode,omitempty"`
	// Toolsets splits the API into toolset endpoints, in the shape of the
	// configuration file's toolsets ("auto" or a list); the store does
	// not interpret it.
	Toolsets json.RawMessage `json:"toolsets,omitempty"`
}

// Selector selects operations; it has the fields of the configuration
// file's include/exclude selectors.
type Selector struct {
	OperationIDs []string `json:"operationIds,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	Methods      []string `json:"methods,omitempty"`
	Paths        []string `json:"paths,omitempty"`
}

// Operation is the admin's override of one operation. Zero fields leave
// the generated value.
type Operation struct {
	// Enabled, when set, turns the operation's tool on or off.
	Enabled *bool `json:"enabled,omitempty"`
	// ToolName renames the tool (before the tool prefix).
	ToolName string `json:"toolName,omitempty"`
	// Description replaces the tool's description.
	Description string `json:"description,omitempty"`
	// Scopes, when non-nil, are the scopes the tool requires (all of
	// them); an empty non-nil slice requires none beyond a valid token.
	Scopes []string `json:"scopes"`
	// Annotations, when set, override the tool's MCP annotation hints
	// (each nil hint keeps the generated one).
	Annotations *Annotations `json:"annotations,omitempty"`
}

// Annotations override MCP tool annotation hints; nil keeps the
// generated hint.
type Annotations struct {
	ReadOnly    *bool `json:"readOnlyHint,omitempty"`
	Destructive *bool `json:"destructiveHint,omitempty"`
	Idempotent  *bool `json:"idempotentHint,omitempty"`
	OpenWorld   *bool `json:"openWorldHint,omitempty"`
}

func (a *Annotations) clone() *Annotations {
	if a == nil {
		return nil
	}
	c := &Annotations{}
	for _, p := range []struct {
		dst **bool
		src *bool
	}{{&c.ReadOnly, a.ReadOnly}, {&c.Destructive, a.Destructive}, {&c.Idempotent, a.Idempotent}, {&c.OpenWorld, a.OpenWorld}} {
		if p.src != nil {
			v := *p.src
			*p.dst = &v
		}
	}
	return c
}

// VersionInfo describes one version without its contents.
type VersionInfo struct {
	Name       string    `json:"name"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"createdAt"`
	Message    string    `json:"message,omitempty"`
	SpecDigest string    `json:"specDigest"`
	Source     Source    `json:"source"`
	// Tools is the number of entries in the version's tool-name mapping.
	Tools int `json:"tools"`
}

// Info returns the description of a.
func (a *API) Info() VersionInfo {
	return VersionInfo{
		Name: a.Name, Version: a.Version, CreatedAt: a.CreatedAt, Message: a.Message,
		SpecDigest: a.Spec.Digest, Source: a.Spec.Source, Tools: len(a.ToolNames),
	}
}

// Clone returns a deep copy of a.
func (a *API) Clone() *API {
	c := *a
	c.Spec.Data = slices.Clone(a.Spec.Data)
	c.Settings.ServerVariables = maps.Clone(a.Settings.ServerVariables)
	c.Settings.Include = a.Settings.Include.clone()
	c.Settings.Exclude = a.Settings.Exclude.clone()
	c.Settings.Toolsets = slices.Clone(a.Settings.Toolsets)
	c.Policy = slices.Clone(a.Policy)
	if a.Operations != nil {
		c.Operations = make(map[string]Operation, len(a.Operations))
		for k, o := range a.Operations {
			if o.Enabled != nil {
				e := *o.Enabled
				o.Enabled = &e
			}
			o.Scopes = slices.Clone(o.Scopes)
			o.Annotations = o.Annotations.clone()
			c.Operations[k] = o
		}
	}
	c.UpstreamAuth = slices.Clone(a.UpstreamAuth)
	c.ToolNames = slices.Clone(a.ToolNames)
	c.Compiled = slices.Clone(a.Compiled)
	return &c
}

func (s *Selector) clone() *Selector {
	if s == nil {
		return nil
	}
	return &Selector{
		OperationIDs: slices.Clone(s.OperationIDs), Tags: slices.Clone(s.Tags),
		Methods: slices.Clone(s.Methods), Paths: slices.Clone(s.Paths),
	}
}

// Digest returns the hex SHA-256 of b, as [Spec.Digest] holds it.
func Digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ChangeKind says what a [Change] did.
type ChangeKind string

// The kinds of [Change].
const (
	// ChangePut: a new version of the API was written (created, updated
	// or rolled back).
	ChangePut ChangeKind = "put"
	// ChangeDelete: the API was deleted.
	ChangeDelete ChangeKind = "delete"
	// ChangeResync: the watcher may have missed changes (it fell behind the
	// feed's retention); the receiver should re-read every API. Name is
	// empty.
	ChangeResync ChangeKind = "resync"
)

// Change is one committed change on the feed.
type Change struct {
	// Seq orders changes; it increases with every commit to the store.
	Seq int64 `json:"seq"`
	// Kind says what happened.
	Kind ChangeKind `json:"kind"`
	// Name is the API changed.
	Name string `json:"name,omitempty"`
	// Version is the version written (0 for deletes).
	Version int64 `json:"version,omitempty"`
	// At is when the change was committed, by the writer's clock
	// (microseconds); zero for resync changes and for changes written
	// before the store recorded it. Replicas measure their feed lag by it.
	At time.Time `json:"at,omitzero"`
}

// Rollback writes a new version of the API that copies version to's spec,
// settings, policy, overrides, upstream auth, tool names and compiled form
// (history is never rewritten). ifVersion works as in [Store.Update].
func Rollback(ctx context.Context, s Store, name string, to, ifVersion int64) (*API, error) {
	old, err := s.GetVersion(ctx, name, to)
	if err != nil {
		return nil, err
	}
	return s.Update(ctx, name, ifVersion, func(a *API) error {
		o := old.Clone()
		o.Name, o.Version, o.CreatedAt = a.Name, a.Version, a.CreatedAt
		o.Message = "rollback to " + strconv.FormatInt(to, 10)
		*a = *o
		return nil
	})
}
