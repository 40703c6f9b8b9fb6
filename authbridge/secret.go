package authbridge

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Secret is a configuration value that must not be written in clear where
// it can be avoided. Exactly one of its fields is set.
type Secret struct {
	// Value is the secret itself (discouraged outside development).
	Value string `json:"value,omitempty"`
	// FromEnv names an environment variable holding the secret.
	FromEnv string `json:"fromEnv,omitempty"`
	// FromFile names a file holding the secret (trailing newlines trimmed).
	FromFile string `json:"fromFile,omitempty"`
}

// IsZero reports whether no source is set.
func (s Secret) IsZero() bool { return s.Value == "" && s.FromEnv == "" && s.FromFile == "" }

// Validate checks that exactly one source is set. It does no I/O.
func (s Secret) Validate() error {
	n := 0
	for _, v := range []string{s.Value, s.FromEnv, s.FromFile} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("exactly one of value, fromEnv, fromFile must be set")
	}
	return nil
}

// Resolve returns the secret. lookupEnv is used for FromEnv (pass
// os.LookupEnv in main, a map lookup in tests).
func (s Secret) Resolve(lookupEnv func(string) (string, bool)) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	switch {
	case s.Value != "":
		return s.Value, nil
	case s.FromEnv != "":
		if lookupEnv == nil {
			return "", fmt.Errorf("environment variable %s: no environment available", s.FromEnv)
		}
		v, ok := lookupEnv(s.FromEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", s.FromEnv)
		}
		return v, nil
	default:
		b, err := os.ReadFile(s.FromFile)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", s.FromFile)
		}
		return v, nil
	}
}

// String never reveals the secret.
func (s Secret) String() string {
	switch {
	case s.FromEnv != "":
		return "env:" + s.FromEnv
	case s.FromFile != "":
		return "file:" + s.FromFile
	case s.Value != "":
		return "<redacted>"
	}
	return ""
}

// MarshalJSON redacts inline values so that printing an effective
// configuration never shows them.
func (s Secret) MarshalJSON() ([]byte, error) {
	switch {
	case s.FromEnv != "":
		return []byte(fmt.Sprintf(`{"fromEnv":%q}`, s.FromEnv)), nil
	case s.FromFile != "":
		return []byte(fmt.Sprintf(`{"fromFile":%q}`, s.FromFile)), nil
	case s.Value != "":
		return []byte(`{"value":"<redacted>"}`), nil
	}
	return []byte(`{}`), nil
}
