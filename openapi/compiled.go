package openapi

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"reflect"
	"strconv"
)

// The compiled form of a [Document] is the spec cache's codec (see
// cache_codec.go) behind a stamp of the build that wrote it, so that a
// registry can store it beside a spec and serve that spec after a restart
// without running kin-openapi again.

const compiledMagic = "R2MCDOC1"

// ErrCompiledStale is returned by [UnmarshalCompiled] for a compiled form
// written by another build (or another Document layout): load the spec
// again.
var ErrCompiledStale = errors.New("compiled spec is from another build")

// compiledStamp identifies this build, the Document layout and the
// loader's output version.
func compiledStamp() []byte {
	h := sha256.New()
	writeField(h, []byte(buildFingerprint()))
	writeField(h, []byte(typeFingerprint(reflect.TypeFor[Document]())))
	writeField(h, []byte(strconv.Itoa(cacheSchemaVersion)))
	return h.Sum(nil)[:16]
}

// MarshalCompiled returns the compiled form of doc, as [Load] returned
// it.
func MarshalCompiled(doc *Document) ([]byte, error) {
	body, err := encodeDocument(doc)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(compiledMagic)+16+len(body))
	out = append(out, compiledMagic...)
	out = append(out, compiledStamp()...)
	return append(out, body...), nil
}

// UnmarshalCompiled decodes a compiled form written by [MarshalCompiled]
// of the same build; otherwise it fails with [ErrCompiledStale] (or a
// corruption error). The result is a new Document.
func UnmarshalCompiled(b []byte) (*Document, error) {
	n := len(compiledMagic) + 16
	if len(b) < n || string(b[:len(compiledMagic)]) != compiledMagic || !bytes.Equal(b[len(compiledMagic):n], compiledStamp()) {
		return nil, ErrCompiledStale
	}
	return decodeDocument(b[n:])
}
