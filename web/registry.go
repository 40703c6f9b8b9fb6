package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rest2mcp/rest2mcp/store"
)

// Registry is what the UI needs from the registry service. The gateway
// implements it; its errors wrap the store's sentinels (store.ErrNotFound,
// store.ErrAlreadyExists, store.ErrConflict, store.ErrInvalid,
// store.ErrReadOnly) or are a [*SpecError].
type Registry interface {
	// List returns every API, sorted by name.
	List(ctx context.Context) ([]APISummary, error)
	// Get returns one API with its operations.
	Get(ctx context.Context, name string) (*APIDetail, error)
	// Upload loads, builds and (unless DryRun) stores and serves a new
	// API from a spec, atomically: a spec that fails changes nothing.
	Upload(ctx context.Context, req UploadRequest) (*UploadResult, error)
	// PatchOperation changes the overrides of one operation (by its
	// operation key) as a new version; ifVersion as in the store.
	PatchOperation(ctx context.Context, name, key string, ifVersion int64, p OperationPatch) (*APIDetail, error)
	// Versions lists the API's latest versions, newest first.
	Versions(ctx context.Context, name string) ([]Version, error)
	// Rollback writes a new version copying version to; ifVersion as in
	// the store.
	Rollback(ctx context.Context, name string, to, ifVersion int64) error
	// Readiness reports how well the API's tools suit a model.
	Readiness(ctx context.Context, name string) (*Readiness, error)
}

// Editor is the optional part of a [Registry] that edits an API's
// settings and spec and deletes it; without it the API page shows none of
// these forms.
type Editor interface {
	// UpdateSettings changes the API's upstream, tool prefix, timeout,
	// mode and upstream auth as a new version; ifVersion as in the store.
	UpdateSettings(ctx context.Context, name string, ifVersion int64, s Settings) error
	// PutSpec builds and stores a new version of the API's spec (Spec or
	// SpecURL of req); a spec that fails changes nothing.
	PutSpec(ctx context.Context, name string, ifVersion int64, req UploadRequest) (*SpecChange, error)
	// Delete removes the API and its versions.
	Delete(ctx context.Context, name string, ifVersion int64) error
}

// Settings are the settings the API page edits.
type Settings struct {
	Upstream   string
	ToolPrefix string
	// Timeout is a duration such as "30s"; empty means the default.
	Timeout string
	// Mode is "tools" (one tool per operation; empty means it) or
	// "discovery" (four tools that search, describe and call them).
	Mode string
	// Toolsets is the toolsets setting as JSON ("auto" or a list of
	// {name, include, exclude}); empty means none.
	Toolsets string
	// UpstreamAuth is the upstream-auth section as JSON (the
	// configuration file's shape, secrets as fromEnv/fromFile references
	// only); empty means none.
	UpstreamAuth string
}

// SpecChange is what a new spec version changed.
type SpecChange struct {
	Version int64
	Tools   int
	// Tool names, each sorted.
	Added, Removed, Changed, Breaking []string
	Diagnostics                       []Diagnostic
}

// PolicyService is the optional part of a [Registry] behind the policy
// editor and simulator; without it the UI has no policy page.
type PolicyService interface {
	// Policy returns the API's policy as written.
	Policy(ctx context.Context, name string) (*PolicyView, error)
	// PutPolicy validates, builds and stores a new policy as a new version
	// (a *SpecError lists its problems); ifVersion as in the store.
	PutPolicy(ctx context.Context, name string, text []byte, ifVersion int64) error
	// Simulate decides every tool for a caller with these scopes and
	// claims ("policy explain").
	Simulate(ctx context.Context, name string, scopes []string, claims map[string]any) ([]Decision, error)
}

// PolicyView is an API's policy.
type PolicyView struct {
	Name    string
	Version int64
	Text    string
	// Protected reports whether the API is served with authorization
	// (otherwise the policy is stored but not enforced).
	Protected bool
	ReadOnly  bool
}

// Decision is the simulator's answer for one tool.
type Decision struct {
	Tool    string
	Allow   bool
	Denied  bool
	Rule    string
	Missing []string
	Reason  string
}

// ToolCap is the number of tools VS Code sends to the model per request.
const ToolCap = 128

// Readiness is the LLM-readiness report of an API's tools.
type Readiness struct {
	Name  string
	Tools int
	// Tokens estimates the tokens of the API's tools/list answer (bytes
	// of the tool definitions / 4).
	Tokens int
	// Largest are the tools with the largest definitions, largest first.
	Largest []ToolCost
	// Shortened names tools whose operationId was too long for a tool
	// name ("name (operationId)").
	Shortened []string
	// NearDuplicates are groups of tool names a model may confuse.
	NearDuplicates [][]string
	// NoDescription lists operations without summary or description.
	NoDescription []string
	// UndocumentedParams lists "tool: parameter" without a description.
	UndocumentedParams []string
	// Tags counts the tools per tag, most first: excluding big tags is
	// the quickest way under the cap.
	Tags []TagCount
	// Fixes are one-click selections that reduce the tool count, each
	// applied as a new version (stored APIs only).
	Fixes []Fix
	// Version is the version the fixes apply to.
	Version int64
}

// Fix is one selection the readiness report offers.
type Fix struct {
	// ID names the fix for [ReadinessFixer.ApplyFix]: "discovery",
	// "exclude-writes" or "include-tag:<tag>".
	ID    string
	Label string
	// Tools is the number of tools after the fix.
	Tools int
}

// ReadinessFixer is the optional part of a [Registry] that applies the
// readiness report's fixes.
type ReadinessFixer interface {
	// ApplyFix applies fix (a [Fix.ID]) to the API's settings as a new
	// version and returns the new version's tool count; ifVersion as in
	// the store.
	ApplyFix(ctx context.Context, name, fix string, ifVersion int64) (*SpecChange, error)
}

// ToolCost is the size of one tool's definition.
type ToolCost struct {
	Name   string
	Tokens int
}

// TagCount is the number of tools with a tag.
type TagCount struct {
	Tag   string
	Tools int
}

// OverCap reports whether the API has more tools than [ToolCap].
func (r *Readiness) OverCap() bool { return r.Tools > ToolCap }

// Cap returns [ToolCap] for templates.
func (r *Readiness) Cap() int { return ToolCap }

// Version is one version of an API with its tool-level changes.
type Version struct {
	Version   int64
	CreatedAt time.Time
	Message   string
	// Tools is the number of tools the version serves.
	Tools int
	// Added and Removed name the tools that appeared and disappeared
	// since the version before; Changed those whose description or
	// schemas changed, Breaking those removed or whose input schema
	// changed.
	Added, Removed, Changed, Breaking []string
	// DiffNote says when the diff is by tool names only.
	DiffNote string
}

// APISummary is one row of the APIs list.
type APISummary struct {
	Name string
	// Endpoint is the MCP endpoint URL.
	Endpoint string
	// Tools is the number of tools served.
	Tools   int
	Version int64
	// ReadOnly marks an API from the configuration file.
	ReadOnly bool
	// Health is "serving" or a short problem ("build failed: …").
	Health string
}

// APIDetail is one API with its operations.
type APIDetail struct {
	APISummary
	// Settings are the editable settings (stored APIs).
	Settings Settings
	// PRMURL is the protected resource metadata URL ("" when the API is
	// served without authorization).
	PRMURL string
	// Upstream is the base URL of the REST API.
	Upstream string
	// Source says where the spec came from.
	Source string
	// Operations are sorted by path, then method.
	Operations []Operation
	// Diagnostics are the spec's findings.
	Diagnostics []Diagnostic
}

// Operation is one operation of an API as the UI shows it.
type Operation struct {
	// Key is the store's operation key ("GET /pets/{petId}").
	Key         string `json:"key"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	OperationID string `json:"operationId,omitempty"`
	// ToolName is the tool's name.
	ToolName    string `json:"toolName,omitempty"`
	Description string `json:"description,omitempty"`
	Enabled     bool   `json:"enabled"`
	// Scopes are the scopes a caller needs.
	Scopes []string `json:"scopes"`
	// ScopesFrom says what decides them ("set here", "decided by
	// rule:<name>", "spec security", …).
	ScopesFrom string `json:"scopesFrom,omitempty"`
	// Annotations are the tool's MCP annotation hints as served.
	Annotations Hints `json:"annotations"`
	// InputSchema is the tool's input schema (the try-it form is
	// generated from it); nil for a disabled operation.
	InputSchema json.RawMessage `json:"inputSchema,omitempty"`
}

// Hints are a tool's MCP annotation hints.
type Hints struct {
	ReadOnly    bool `json:"readOnlyHint"`
	Destructive bool `json:"destructiveHint"`
	Idempotent  bool `json:"idempotentHint"`
	OpenWorld   bool `json:"openWorldHint"`
}

// Tester is the optional part of a [Registry] behind the try-it form:
// it calls a tool through the API's own MCP handler, as a client does.
type Tester interface {
	// TryTool calls tool of the API with args; token, when set, is sent
	// as the caller's bearer token. A refused or failed call is a result,
	// not an error.
	TryTool(ctx context.Context, name, tool string, args map[string]any, token string) (*TryResult, error)
}

// TryResult is what a try-it call did.
type TryResult struct {
	Tool string
	// Requests are the upstream request lines ("GET https://…/pets?limit=2"),
	// with query values that may carry secrets redacted.
	Requests []string
	// Status is the HTTP status of the MCP answer.
	Status int
	// IsError reports a tool error, a JSON-RPC error or a refused call.
	IsError bool
	// Result is the tool result (indented JSON) or the error.
	Result string
}

// OperationPatch is an edit of one operation; nil fields stay.
type OperationPatch struct {
	Enabled  *bool
	ToolName *string
	// Scopes, when non-nil, replace the required scopes.
	Scopes *[]string
	// Description, when non-nil, replaces the description ("" restores
	// the spec's).
	Description *string
	// Annotations, when non-nil, replace the annotation overrides (an
	// empty value restores the generated hints).
	Annotations *store.Annotations
}

// UploadRequest is an uploaded spec with the API's settings.
type UploadRequest struct {
	Name     string
	Upstream string
	// FileName is the uploaded file's name; Spec its bytes.
	FileName string
	Spec     []byte
	// SpecURL, instead of Spec, is fetched (through the SSRF guard).
	SpecURL string
	// DryRun builds and reports without storing anything.
	DryRun bool
}

// UploadResult is what an upload produced.
type UploadResult struct {
	Name     string
	Version  int64
	Tools    int
	Endpoint string
	// ToolNames lists the tools (a preview on dry runs).
	ToolNames   []string
	Diagnostics []Diagnostic
}

// Diagnostic is one finding about a spec.
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code,omitempty"`
	// Location is "file:line:column" or a JSON pointer, when known.
	Location string `json:"location,omitempty"`
	Message  string `json:"message"`
}

// SpecError is a spec that cannot be served, with its diagnostics.
type SpecError struct {
	Err         error
	Diagnostics []Diagnostic
}

func (e *SpecError) Error() string { return fmt.Sprintf("the spec cannot be served: %v", e.Err) }

// Unwrap returns the cause.
func (e *SpecError) Unwrap() error { return e.Err }

// ErrTooLarge is wrapped by errors for specs over the size limit.
var ErrTooLarge = errors.New("the spec is too large")
