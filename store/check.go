package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// nameRE is the rule for API names: they become the path /mcp/<name>. It
// is the configuration file's rule.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidName reports whether name may name an API: 1 to 63 lower-case
// letters, digits and hyphens, starting with a letter or digit.
func ValidName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: API name %q: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit (it becomes the path /mcp/<name>)", ErrInvalid, name)
	}
	return nil
}

// MaxSpecBytes bounds a stored spec (the loader's own cap is lower).
const MaxSpecBytes = 64 << 20

// Check reports the first rule a breaks: its name, the size of its spec,
// operation keys, and secrets that are values rather than references.
// The error wraps [ErrInvalid].
func (a *API) Check() error {
	if err := ValidName(a.Name); err != nil {
		return err
	}
	if len(a.Spec.Data) == 0 {
		return fmt.Errorf("%w: API %q: the spec is empty", ErrInvalid, a.Name)
	}
	if len(a.Spec.Data) > MaxSpecBytes {
		return fmt.Errorf("%w: API %q: the spec has %d bytes, more than %d", ErrInvalid, a.Name, len(a.Spec.Data), MaxSpecBytes)
	}
	switch a.Spec.Source.Kind {
	case SourceUpload, SourceURL, SourceFile:
	default:
		return fmt.Errorf("%w: API %q: spec source kind %q: want upload, url or file", ErrInvalid, a.Name, a.Spec.Source.Kind)
	}
	for k := range a.Operations {
		if _, _, ok := SplitOperationKey(k); !ok {
			return fmt.Errorf("%w: API %q: operation key %q: want \"METHOD /path\"", ErrInvalid, a.Name, k)
		}
	}
	seen := map[string]string{}
	for _, n := range a.ToolNames {
		if n.Name == "" {
			return fmt.Errorf("%w: API %q: operation %s has an empty tool name", ErrInvalid, a.Name, n.Key)
		}
		if other, dup := seen[n.Name]; dup {
			return fmt.Errorf("%w: API %q: tool name %q is given to both %s and %s", ErrInvalid, a.Name, n.Name, other, n.Key)
		}
		seen[n.Name] = n.Key
	}
	if err := CheckSecretRefs(a.UpstreamAuth); err != nil {
		return fmt.Errorf("%w: API %q: upstreamAuth: %w", ErrInvalid, a.Name, err)
	}
	return nil
}

// secretFields are the upstream-auth fields that hold secrets; each must be
// an object with fromEnv or fromFile.
var secretFields = map[string]bool{
	"value": true, "clientSecret": true, "privateKey": true, "password": true, "token": true,
}

// CheckSecretRefs checks that the upstream-auth JSON raw holds secrets
// only as references: every secret field ("value", "clientSecret",
// "privateKey", "password", "token") must be an object whose only members
// are fromEnv or fromFile. The registry's database must never hold a
// secret; the gateway resolves references when it builds the API. Empty
// raw is accepted.
func CheckSecretRefs(raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	if _, ok := v.(map[string]any); !ok && v != nil {
		return fmt.Errorf("want a JSON object")
	}
	return checkRefs("", v)
}

func checkRefs(path string, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := strings.TrimPrefix(path+"."+k, ".")
			if secretFields[k] {
				if err := checkRef(p, v[k]); err != nil {
					return err
				}
				continue
			}
			if err := checkRefs(p, v[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := checkRefs(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRef checks one secret field. A "value" object that is not a
// reference (static.value wraps a secret) is searched further.
func checkRef(path string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		return fmt.Errorf("%s: secret values are not stored; give a reference {\"fromEnv\": \"VAR\"} or {\"fromFile\": \"/path\"}", path)
	}
	refs := 0
	for k, e := range m {
		switch k {
		case "fromEnv", "fromFile":
			if s, ok := e.(string); !ok || s == "" {
				return fmt.Errorf("%s.%s: want a non-empty string", path, k)
			}
			refs++
		case "value":
			if e == nil {
				continue
			}
			if s, ok := e.(string); ok && s == "" {
				continue
			}
			return fmt.Errorf("%s.value: secret values are not stored; give a reference {\"fromEnv\": \"VAR\"} or {\"fromFile\": \"/path\"}", path)
		default:
			return checkRefs(path, m)
		}
	}
	if refs > 1 {
		return fmt.Errorf("%s: give exactly one of fromEnv and fromFile", path)
	}
	return nil
}
