// Package openapi loads OpenAPI descriptions (Swagger 2.0, OpenAPI 3.0,
// 3.1 and partly 3.2, JSON or YAML) into a normalised, library-neutral
// model: a [Document] of [Operation]s whose schemas are JSON Schema 2020-12
// values, plus coded [Diagnostics].
//
// # What it owns
//
//   - Reading a document from a file, an http(s) URL or memory, with every
//     read bounded in size and time ([LoadOptions]).
//   - Safe $ref resolution: file references stay inside the root document's
//     directory (after cleaning and resolving symlinks), URL references go
//     only to the source's own host and [LoadOptions.AllowedRefHosts], and
//     in-memory documents reach nothing outside themselves. kin-openapi's
//     global URI cache and http.DefaultClient are never used.
//   - Decoding: single-file OpenAPI 3.0 and 3.1 JSON documents are decoded
//     in one streaming pass straight into kin-openapi's model (decode.go),
//     skipping what is never used (media-type examples, links, headers,
//     callbacks); kin-openapi's own unmarshalling costs size × nesting
//     depth. Other documents (YAML, Swagger 2.0, multi-file) go through
//     kin-openapi's loader. Both bound schema nesting (maxDecodeDepth):
//     deeper schemas become permissive with a warning.
//   - Leniency: real documents are often slightly invalid, and a defect
//     degrades the smallest enclosing piece, never the document. When
//     kin-openapi refuses a document as a whole, Load parses it itself,
//     repairs what it can (operations given as $ref, $ref in place of
//     description strings, maps and lists of objects such as "properties",
//     "parameters", "responses" or "content" given as $ref, relative
//     references kin-openapi would resolve against the wrong file, OAS 3.1
//     references to a schema's $id or $anchor, JSON-Schema-isms such as
//     tuple "items" and wrongly typed keywords, each with a warning naming
//     the schema), and loads the rest operation by operation, leaving out
//     each still broken one with a diagnostic.
//   - Load-time checks of what could never be called: invalid path
//     templates and unsendable header names skip the operation (an
//     optional header parameter only itself), reserved header parameters
//     (Host, Authorization, Content-Length, ...) are dropped with a
//     warning, and named schemas forming a cycle through allOf/anyOf/oneOf
//     only become permissive with a warning.
//   - References to anything but regular files (a FIFO, a device, a
//     socket) are refused before they are opened.
//   - Normalisation: merged parameters with serialisation defaults, the
//     preferred request and success media types, effective security,
//     servers, path keys with "#fragment" or "?query" suffixes, and a
//     deterministic operation order.
//   - Schema conversion to JSON Schema 2020-12: named schemas become entries
//     of [Document.Schemas] referenced as "#/$defs/<name>", converted once
//     each (so recursive schemas terminate); OpenAPI 3.0 nullable, boolean
//     exclusive bounds and example are rewritten; OpenAPI-only keywords are
//     dropped.
//
// # What it must not do
//
// It knows nothing about MCP or HTTP serving, and no kin-openapi type
// appears in its API. It never panics on untrusted input and never reads a
// location the reference policy refuses.
//
// # Entry points
//
//	doc, err := openapi.Load(ctx, openapi.Source{Path: "openapi.yaml"}, nil)
//	if err != nil {
//		return err // nothing usable could be loaded
//	}
//	if doc.Diagnostics.HasErrors() {
//		fmt.Print(doc.Diagnostics.Format()) // some operations were left out
//	}
//	for _, op := range doc.Operations { ... }
//
// [LoadOptions.CacheDir] turns on the compiled-spec cache: the normalised
// Document of a successful load is written there (a compact binary form
// that keeps the exact Go types of schema values and the sharing of
// schemas), and a later Load of the same root bytes from the same source,
// by the same build, returns it without running kin-openapi, after
// re-reading and comparing every other file the first load read.
// Documents that reference URLs are not cached. [DefaultCacheDir] is the
// usual per-user location.
//
// [LoadOptions.Validate] adds kin-openapi's document validation as
// warnings (costly on large documents; meant for "rest2mcp validate").
// [CloneSchema] copies a shared schema before modifying it.
package openapi
