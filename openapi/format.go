package openapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"sigs.k8s.io/yaml"
)

// specVersion is what the top-level "swagger" or "openapi" field says.
type specVersion struct {
	// swagger is true for Swagger 2.0 documents.
	swagger bool
	// version is the field's value as written.
	version string
}

// isJSON reports whether data looks like a JSON document (as opposed to
// YAML, of which JSON is a subset but which is much slower to parse).
func isJSON(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(data) > 0 && data[0] == '{'
}

// sniffVersion finds the document's version without a full parse: JSON by
// reading the top-level keys, YAML by scanning unindented lines.
func sniffVersion(data []byte) (specVersion, error) {
	var swagger, oas string
	var err error
	if isJSON(data) {
		swagger, oas, err = sniffJSON(data)
	} else {
		swagger, oas = sniffYAML(data)
	}
	if err != nil {
		return specVersion{}, &parseError{err: err, line: lineOf(data, err)}
	}
	switch {
	case swagger != "":
		if !strings.HasPrefix(swagger, "2.") {
			return specVersion{}, fmt.Errorf("%w: unsupported swagger version %q", ErrNotOpenAPI, swagger)
		}
		return specVersion{swagger: true, version: swagger}, nil
	case oas != "":
		if !strings.HasPrefix(oas, "3.") {
			return specVersion{}, fmt.Errorf("%w: unsupported openapi version %q", ErrNotOpenAPI, oas)
		}
		return specVersion{version: oas}, nil
	default:
		return specVersion{}, fmt.Errorf("%w: no top-level \"openapi\" or \"swagger\" field", ErrNotOpenAPI)
	}
}

func sniffJSON(data []byte) (swagger, oas string, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err == nil {
			err = errors.New("top level is not an object")
		}
		return "", "", err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", "", err
		}
		key, _ := tok.(string)
		switch key {
		case "swagger", "openapi":
			var v any
			if err := dec.Decode(&v); err != nil {
				return "", "", err
			}
			s := fmt.Sprint(v)
			if key == "swagger" {
				swagger = s
			} else {
				oas = s
			}
			return swagger, oas, nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", "", err
			}
		}
	}
	return "", "", nil
}

var yamlVersionLine = regexp.MustCompile(`^["']?(swagger|openapi)["']?\s*:\s*(.*)$`)

func sniffYAML(data []byte) (swagger, oas string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '#' {
			continue
		}
		m := yamlVersionLine.FindSubmatch(line)
		if m == nil {
			continue
		}
		v := string(m[2])
		if i := strings.Index(v, " #"); i >= 0 {
			v = v[:i]
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if string(m[1]) == "swagger" {
			return v, ""
		}
		return "", v
	}
	return "", ""
}

// parseError is a syntax error in the root document.
type parseError struct {
	err  error
	line int
}

func (e *parseError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("parse error at line %d: %v", e.line, e.err)
	}
	return "parse error: " + e.err.Error()
}

func (e *parseError) Unwrap() error { return e.err }

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// lineOf finds the line of a JSON or YAML syntax error, 0 when unknown.
func lineOf(data []byte, err error) int {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && se.Offset <= int64(len(data)) {
		return bytes.Count(data[:se.Offset], []byte("\n")) + 1
	}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// toJSON converts a JSON or YAML document to JSON. A document that starts
// with "{" but is not valid JSON is YAML in flow style ("{type: object}").
func toJSON(data []byte) ([]byte, error) {
	if isJSON(data) && json.Valid(data) {
		return data, nil
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, &parseError{err: err, line: lineOf(data, err)}
	}
	return js, nil
}

// parseTree parses a JSON or YAML document into generic values, with
// numbers kept as json.Number so that they survive re-encoding.
func parseTree(data []byte) (any, error) {
	js, err := toJSON(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &parseError{err: err, line: lineOf(js, err)}
	}
	return v, nil
}

// loadV2 decodes a Swagger 2.0 document and converts it to OpenAPI 3.0,
// resolving its references with loader.
func loadV2(data []byte, loader *openapi3.Loader, location *url.URL) (*openapi3.T, error) {
	js, err := toJSON(data)
	if err != nil {
		return nil, err
	}
	var d2 openapi2.T
	if err := json.Unmarshal(js, &d2); err != nil {
		return nil, fmt.Errorf("decode swagger 2.0 document: %w", err)
	}
	for k, pi := range d2.Paths {
		if pi == nil { // "paths: {/a: }": nothing to convert, and openapi2conv dereferences it
			delete(d2.Paths, k)
		}
	}
	doc, err := openapi2conv.ToV3WithLoader(&d2, loader, location)
	if err != nil {
		return nil, fmt.Errorf("convert swagger 2.0 document: %w", err)
	}
	return doc, nil
}
