package openapi

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// cacheDep is one location a load read besides the root document, with
// the digest of what the read returned (content or error).
type cacheDep struct {
	loc string
	sum [32]byte
}

// readDigest is the digest of one read's outcome: a file that appears,
// disappears or changes all change it.
func readDigest(res readResult) [32]byte {
	if res.err != nil {
		return sha256.Sum256([]byte("err\x00" + res.err.Error()))
	}
	h := sha256.New()
	h.Write([]byte("ok\x00"))
	h.Write(res.data)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// isRemote reports whether reading u needs the network under the current
// reference policy. Such reads cannot be re-verified on a cache hit.
func (r *refReader) isRemote(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && r.hostAllowed(u)
}

// cacheDeps lists every location the load read except the root, sorted;
// ok is false when one of them was fetched over the network, which makes
// the document uncacheable.
func (r *loadRun) cacheDeps() (deps []cacheDep, ok bool) {
	root := ""
	if r.location != nil {
		root = r.location.String()
	}
	for loc, res := range r.reader.cache {
		if loc == root {
			continue
		}
		u, err := url.Parse(loc)
		if err != nil || r.reader.isRemote(u) {
			return nil, false
		}
		deps = append(deps, cacheDep{loc: loc, sum: readDigest(res)})
	}
	slices.SortFunc(deps, func(a, b cacheDep) int { return strings.Compare(a.loc, b.loc) })
	return deps, true
}

// verifyDeps re-reads every dependency (through the load's reader, so a
// following miss does not read them twice) and reports the first one whose
// outcome changed.
func (r *loadRun) verifyDeps(deps []cacheDep) (changed string, ok bool) {
	for _, d := range deps {
		u, err := url.Parse(d.loc)
		if err != nil || r.reader.isRemote(u) {
			return d.loc, false
		}
		data, err := r.reader.readRaw(u)
		if readDigest(readResult{data: data, err: err}) != d.sum {
			return d.loc, false
		}
	}
	return "", true
}

// appendDeps encodes deps: a count, then each location (length and bytes)
// and digest.
func appendDeps(b []byte, deps []cacheDep) []byte {
	b = binary.AppendUvarint(b, uint64(len(deps)))
	for _, d := range deps {
		b = binary.AppendUvarint(b, uint64(len(d.loc)))
		b = append(b, d.loc...)
		b = append(b, d.sum[:]...)
	}
	return b
}

// parseDeps decodes what appendDeps wrote and returns the rest of b.
func parseDeps(b []byte) ([]cacheDep, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: bad dependency count", errCorrupt)
	}
	b = b[k:]
	deps := make([]cacheDep, 0, n)
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) || uint64(len(b)-k)-l < 32 {
			return nil, nil, fmt.Errorf("%w: truncated dependency", errCorrupt)
		}
		b = b[k:]
		d := cacheDep{loc: string(b[:l])}
		copy(d.sum[:], b[l:l+32])
		deps = append(deps, d)
		b = b[l+32:]
	}
	return deps, b, nil
}
