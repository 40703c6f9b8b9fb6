//go:build nodev

package main

import (
	"context"
	"fmt"
	"io"
)

// cmdDev explains that this build left the development authorization
// server out (-tags nodev, as in the container image, where a loopback-only
// server would be unreachable anyway).
func cmdDev(_ context.Context, _ []string, stderr io.Writer, _ func(string) (string, bool)) error {
	fmt.Fprintln(stderr, "rest2mcp dev: this build has no development authorization server (built with -tags nodev); run a build without that tag, e.g. go run ./cmd/rest2mcp dev")
	return exitError{2}
}
