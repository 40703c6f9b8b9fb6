package mcpgen

import (
	"strings"
)

// Media types the invoker treats specially.
const (
	mediaJSON      = "application/json"
	mediaForm      = "application/x-www-form-urlencoded"
	mediaMultipart = "multipart/form-data"
	mediaText      = "text/plain"
	mediaOctets    = "application/octet-stream"
)

// mediaType returns the lower-case type/subtype of a Content-Type value,
// without parameters.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// isJSONMediaType reports whether mt is JSON: application/json, any
// "+json" suffix type, or text/json.
func isJSONMediaType(mt string) bool {
	return mt == mediaJSON || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// isTextMediaType reports whether mt carries text that is sent and shown
// as a string: text/*, XML, YAML, JavaScript, GraphQL, SQL, CSV and
// similar.
func isTextMediaType(mt string) bool {
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+xml") || strings.HasSuffix(mt, "+yaml") {
		return true
	}
	switch mt {
	case "application/xml", "application/yaml", "application/x-yaml", "application/javascript",
		"application/ecmascript", "application/graphql", "application/sql", "application/x-ndjson",
		"application/jsonl", "application/x-www-form-urlencoded", "application/csv":
		return true
	}
	return false
}

// hasWildcard reports whether a media type is a range such as "*/*" or
// "image/*".
func hasWildcard(mt string) bool { return strings.Contains(mt, "*") }
