package config

import "fmt"

// Values of [API.Mode].
const (
	// ModeTools lists one tool per operation (the default).
	ModeTools = "tools"
	// ModeDiscovery lists four tools instead — search_operations,
	// describe_operation, call_operation and call_read_operation — for
	// APIs too large to list: every call still resolves to one operation
	// and gets that operation's policy decision, step-up challenge,
	// narrowed credentials, audit and metrics.
	ModeDiscovery = "discovery"
)

// ValidateMode checks an API's mode ("" means ModeTools).
func ValidateMode(mode string) error {
	switch mode {
	case "", ModeTools, ModeDiscovery:
		return nil
	}
	return fmt.Errorf("must be %q or %q, got %q", ModeTools, ModeDiscovery, mode)
}
