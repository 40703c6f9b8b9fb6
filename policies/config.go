package policies

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/rest2mcp/rest2mcp/openapi"
)

// Values of [Config.Default].
const (
	// DefaultSpec lets operations that no rule, extension or OpenAPI security
	// covers through with a valid token and no scope, and reports each such
	// operation as a warning when other tools of the API require scopes.
	DefaultSpec = "spec"
	// DefaultAllow lets uncovered operations through with a valid token and
	// no scope, silently (the operator chose it).
	DefaultAllow = "allow"
	// DefaultDeny refuses uncovered operations.
	DefaultDeny = "deny"
)

// Values of [Config.Visibility].
const (
	// VisibilityAll lists every tool; calls still need the required scopes.
	VisibilityAll = "all"
	// VisibilityGranted lists only the tools the caller may call.
	VisibilityGranted = "granted"
)

// Values of [Rule.Effect].
const (
	// EffectAllow makes a rule decide the scopes an operation needs.
	EffectAllow = "allow"
	// EffectDeny makes a rule refuse matching operations outright.
	EffectDeny = "deny"
)

// DefaultExtension is the vendor extension read when [Config.Extension] is
// empty.
const DefaultExtension = "x-rest2mcp-scopes"

// maxPolicyBytes bounds the size of a standalone policy file.
const maxPolicyBytes = 1 << 20

// Config is the policy of one API, as written in the `policy:` section of
// the gateway configuration or in a standalone policy file. The zero value
// (and a nil *Config) means "the spec's own security decides".
type Config struct {
	// Default applies to operations no rule, extension or OpenAPI security
	// covers: "spec" (the zero value), "allow" or "deny". See [DefaultSpec].
	Default string `json:"default,omitempty"`
	// AllowPublic makes operations whose OpenAPI security is explicitly
	// empty (`security: []`) public. When false (the zero value) they need a
	// valid token and no scope.
	AllowPublic bool `json:"allowPublic,omitempty"`
	// AllowUnscopedAlternatives changes how OpenAPI security alternatives
	// without scopes count. For an operation whose security reads "apiKey
	// OR oauth2 with scopes", alternatives without scopes are by default
	// (false) dropped whenever another alternative names scopes, so the
	// caller needs the oauth2 scopes (least privilege): an apiKey or http
	// alternative describes how the upstream accepts the gateway's own
	// credential, not what the caller may do. When true, such an operation
	// is callable with any valid token.
	AllowUnscopedAlternatives bool `json:"allowUnscopedAlternatives,omitempty"`
	// Visibility is "all" (the zero value) or "granted"; see
	// [VisibilityGranted].
	Visibility string `json:"visibility,omitempty"`
	// BaselineScopes overrides the computed baseline (see [Set.Baseline]).
	// Nil (the zero value) computes it.
	BaselineScopes []string `json:"baselineScopes,omitempty"`
	// ScopeMap renames API scopes (as written in the spec and in this
	// policy) to the scope names the identity provider issues. Scopes
	// without an entry keep their name.
	ScopeMap map[string]string `json:"scopeMap,omitempty"`
	// Hierarchy maps a scope to the scopes it directly implies, in API scope
	// names. Implication is transitive; cycles are errors.
	Hierarchy map[string][]string `json:"hierarchy,omitempty"`
	// Extension is the operation vendor extension that carries scopes.
	// Empty (the zero value) means [DefaultExtension].
	Extension string `json:"extension,omitempty"`
	// Rules are checked in the order given; see the package documentation
	// for the precedence.
	Rules []Rule `json:"rules,omitempty"`
}

// Rule assigns a requirement (or a refusal) to the operations it matches.
type Rule struct {
	// Name identifies the rule in decisions, audit logs and problems. It is
	// required and unique within a policy.
	Name string `json:"name"`
	// Match selects operations; an empty Match selects every operation.
	Match Match `json:"match,omitempty"`
	// AllOf lists scopes that are all required.
	AllOf []string `json:"allOf,omitempty"`
	// AnyOf lists scopes of which at least one is required (in addition to
	// AllOf).
	AnyOf []string `json:"anyOf,omitempty"`
	// When is an optional CEL condition over the caller, with the variables
	// claims (map), scopes (list of strings), subject, issuer and clientId
	// (strings). It must evaluate to a bool.
	When string `json:"when,omitempty"`
	// Effect is "allow" (the zero value) or "deny".
	Effect string `json:"effect,omitempty"`
	// Public makes matching operations callable without a token. It cannot
	// be combined with scopes, a condition or a deny effect.
	Public bool `json:"public,omitempty"`
}

// Match selects operations. It has exactly the fields and semantics of
// [openapi.OperationFilter], the one matcher an API's include/exclude uses
// too: every criterion given must match (AND), within a criterion one
// pattern is enough (OR); every entry is a glob ("*", "?"); operationIds
// and tags compare case-sensitively, methods case-insensitively; paths
// match segment by segment, "**" standing for zero or more segments
// ("/pets/**" matches "/pets"). An empty Match selects every operation.
type Match struct {
	// OperationIDs are patterns for the operationId.
	OperationIDs []string `json:"operationIds,omitempty"`
	// Tags are patterns for the operation's tags; one tag must match.
	Tags []string `json:"tags,omitempty"`
	// Methods are patterns for the HTTP method.
	Methods []string `json:"methods,omitempty"`
	// Paths are segment patterns for the path template ("/pets/{petId}").
	Paths []string `json:"paths,omitempty"`
}

// Parse decodes a standalone policy file (the body of a `policy:` section:
// `default`, `rules`, … at the top level) strictly: unknown fields and
// duplicate keys are errors. It then validates the result with
// [Config.Validate].
func Parse(data []byte) (*Config, error) {
	if len(data) > maxPolicyBytes {
		return nil, fmt.Errorf("parse policy: %d bytes exceeds the limit of %d", len(data), maxPolicyBytes)
	}
	var cfg Config
	if err := yaml.UnmarshalStrict(data, &cfg, yaml.DisallowUnknownFields); err != nil {
		return nil, fmt.Errorf("parse policy: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid policy: %w", err)
	}
	return &cfg, nil
}

// Validate checks the policy on its own (without a spec): enumerations,
// rule names, contradictory rule fields, empty scope names and scope map
// entries. It returns every problem found, joined, or nil. It does not
// compile CEL conditions; [Compile] does.
func (c *Config) Validate() error {
	return c.validate().Err()
}

func (c *Config) validate() Problems {
	var ps Problems
	if c == nil {
		return nil
	}
	add := func(path, code, format string, args ...any) {
		ps = append(ps, Problem{Code: code, Severity: openapi.SeverityError, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	switch c.Default {
	case "", DefaultSpec, DefaultAllow, DefaultDeny:
	default:
		add("default", CodeInvalidPolicy, "must be spec, allow or deny, got %q", c.Default)
	}
	switch c.Visibility {
	case "", VisibilityAll, VisibilityGranted:
	default:
		add("visibility", CodeInvalidPolicy, "must be all or granted, got %q", c.Visibility)
	}
	if c.Extension != "" && !strings.HasPrefix(c.Extension, "x-") {
		add("extension", CodeInvalidPolicy, "must start with \"x-\", got %q", c.Extension)
	}
	for i, s := range c.BaselineScopes {
		if !validScope(s) {
			add(fmt.Sprintf("baselineScopes[%d]", i), CodeInvalidPolicy, "invalid scope %q", s)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.ScopeMap)) {
		if !validScope(k) || !validScope(c.ScopeMap[k]) {
			add("scopeMap."+k, CodeInvalidPolicy, "invalid mapping %q -> %q", k, c.ScopeMap[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Hierarchy)) {
		if !validScope(k) {
			add("hierarchy", CodeInvalidPolicy, "invalid scope %q", k)
		}
		for i, s := range c.Hierarchy[k] {
			if !validScope(s) {
				add(fmt.Sprintf("hierarchy.%s[%d]", k, i), CodeInvalidPolicy, "invalid scope %q", s)
			}
		}
	}
	seen := make(map[string]int, len(c.Rules))
	for i := range c.Rules {
		ps = append(ps, c.Rules[i].validate(i, seen)...)
	}
	return ps
}

func (r *Rule) validate(i int, seen map[string]int) Problems {
	var ps Problems
	path := fmt.Sprintf("rules[%d]", i)
	add := func(field, code, format string, args ...any) {
		ps = append(ps, Problem{Code: code, Severity: openapi.SeverityError, Path: path + field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case r.Name == "":
		add(".name", CodeInvalidPolicy, "required")
	default:
		if j, dup := seen[r.Name]; dup {
			add(".name", CodeInvalidPolicy, "duplicate rule name %q (also rules[%d])", r.Name, j)
		} else {
			seen[r.Name] = i
		}
	}
	switch r.Effect {
	case "", EffectAllow, EffectDeny:
	default:
		add(".effect", CodeUnknownEffect, "must be allow or deny, got %q", r.Effect)
	}
	if r.Effect == EffectDeny && (len(r.AllOf) > 0 || len(r.AnyOf) > 0) {
		add("", CodeInvalidPolicy, "a deny rule cannot require scopes")
	}
	if r.Public && (r.Effect == EffectDeny || len(r.AllOf) > 0 || len(r.AnyOf) > 0 || r.When != "") {
		add(".public", CodeInvalidPolicy, "a public rule cannot have scopes, a condition or a deny effect")
	}
	for j, s := range r.AllOf {
		if !validScope(s) {
			add(fmt.Sprintf(".allOf[%d]", j), CodeInvalidPolicy, "invalid scope %q", s)
		}
	}
	for j, s := range r.AnyOf {
		if !validScope(s) {
			add(fmt.Sprintf(".anyOf[%d]", j), CodeInvalidPolicy, "invalid scope %q", s)
		}
	}
	if err := r.Match.Filter().Validate(); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			field, msg, _ := strings.Cut(line, ": ")
			add(".match."+field, CodeInvalidPolicy, "%s", msg)
		}
	}
	return ps
}

// validScope reports whether s is a scope token as RFC 6749 §3.3 defines
// it: non-empty, printable ASCII without space, '"' or '\'.
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (c *Config) defaultMode() string {
	if c == nil || c.Default == "" {
		return DefaultSpec
	}
	return c.Default
}

func (c *Config) visibility() string {
	if c == nil || c.Visibility == "" {
		return VisibilityAll
	}
	return c.Visibility
}

func (c *Config) extension() string {
	if c == nil || c.Extension == "" {
		return DefaultExtension
	}
	return c.Extension
}
