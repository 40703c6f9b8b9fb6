// Package examples embeds the example specs so that `rest2mcp demo` works
// from any directory, and holds the example configurations that
// examples_test.go validates.
package examples

import _ "embed"

// PetstoreSpec is examples/petstore/openapi.yaml.
//
//go:embed petstore/openapi.yaml
var PetstoreSpec []byte
