package openapi

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// kinModule is the module whose version changes what Load produces.
const kinModule = "github.com/getkin/kin-openapi"

// cacheKey is the SHA-256 of everything that determines Load's output for
// a root document, except the other files it references (those are
// recorded in the entry and checked on every hit): the cache versions, the
// Go layout of [Document], the build (module version, VCS revision,
// kin-openapi version), the kind, label and location of the source, the
// options that change what is read, and the root bytes.
func (r *loadRun) cacheKey(src Source, data []byte) [32]byte {
	h := sha256.New()
	field := func(s string) { writeField(h, []byte(s)) }
	field(cacheMagic)
	field(strconv.Itoa(cacheFormatVersion))
	field(strconv.Itoa(cacheSchemaVersion))
	field(typeFingerprint(reflect.TypeFor[Document]()))
	field(buildFingerprint())
	switch {
	case src.Path != "":
		field("path")
	case src.URL != "":
		field("url")
	default:
		field("data")
	}
	// Diagnostics name the source by its label, and references resolve
	// against its location.
	field(r.label)
	if r.location != nil {
		field(r.location.String())
	} else {
		field("")
	}
	field(r.reader.rootDir)
	field(strconv.FormatInt(r.opts.MaxBytes, 10))
	hosts := make([]string, 0, len(r.reader.hosts))
	for host := range r.reader.hosts {
		hosts = append(hosts, host)
	}
	slices.Sort(hosts)
	field(strings.Join(hosts, "\n"))
	writeField(h, data)
	var key [32]byte
	h.Sum(key[:0])
	return key
}

// writeField hashes b with its length, so that fields cannot run into
// each other.
func writeField(h hash.Hash, b []byte) {
	h.Write(binary.AppendUvarint(nil, uint64(len(b))))
	h.Write(b)
}

// buildFingerprint identifies the running build as far as the binary
// knows it. Development builds from a modified tree share a fingerprint,
// which is why cacheSchemaVersion exists.
func buildFingerprint() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString(bi.Main.Path + "@" + bi.Main.Version)
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
			b.WriteString(" " + s.Key + "=" + s.Value)
		}
	}
	for _, d := range bi.Deps {
		if d.Path == kinModule {
			if d.Replace != nil {
				d = d.Replace
			}
			b.WriteString(" " + d.Path + "@" + d.Version + " " + d.Sum)
		}
	}
	return b.String()
}

// typeFingerprint describes the layout of t (field names and types,
// recursively), which the cache codec depends on.
func typeFingerprint(t reflect.Type) string {
	var b strings.Builder
	describeType(&b, t, map[reflect.Type]bool{})
	return b.String()
}

func describeType(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool) {
	switch t.Kind() {
	case reflect.Pointer:
		b.WriteString("*")
		describeType(b, t.Elem(), seen)
	case reflect.Slice:
		b.WriteString("[]")
		describeType(b, t.Elem(), seen)
	case reflect.Map:
		b.WriteString("map[")
		describeType(b, t.Key(), seen)
		b.WriteString("]")
		describeType(b, t.Elem(), seen)
	case reflect.Struct:
		b.WriteString(t.String())
		if seen[t] {
			return
		}
		seen[t] = true
		b.WriteString("{")
		for i := range t.NumField() {
			f := t.Field(i)
			b.WriteString(f.Name + " ")
			describeType(b, f.Type, seen)
			b.WriteString(";")
		}
		b.WriteString("}")
	default:
		b.WriteString(t.String() + "/" + t.Kind().String())
	}
}
