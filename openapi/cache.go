package openapi

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The compiled-spec cache keeps the normalised [Document] of every
// successful load in [LoadOptions.CacheDir], so that a restart with an
// unchanged document skips kin-openapi (most of a large document's load
// time and peak memory). An entry is named by its key (see cacheKey), holds
// the files the load read besides the root with their digests, and the
// document in the codec of cache_codec.go, guarded by a CRC-32C. Anything
// unexpected about an entry makes it a miss; a miss loads normally and
// replaces the entry.

// Versions and bounds of the cache.
const (
	// cacheFormatVersion is the version of the entry layout.
	cacheFormatVersion = 1
	// cacheSchemaVersion must be bumped whenever Load's output for the same
	// input changes (normalisation, schema conversion, diagnostics), so
	// that entries written by an older build are not served.
	cacheSchemaVersion = 1
	// cacheMaxEntries and cacheMaxBytes bound the cache directory; the
	// newest entries are kept.
	cacheMaxEntries = 64
	cacheMaxBytes   = 512 << 20
	// cacheTempMaxAge is how old an abandoned temporary file must be
	// before pruning removes it.
	cacheTempMaxAge = time.Hour
	cacheExt        = ".spec"
	cacheMagic      = "R2MCSPEC"
)

// DefaultCacheDir returns the per-user directory for
// [LoadOptions.CacheDir]: "rest2mcp/specs" below [os.UserCacheDir], or ""
// when the user has no cache directory.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil || d == "" {
		return ""
	}
	return filepath.Join(d, "rest2mcp", "specs")
}

// specCache is the cache entry of one Load call.
type specCache struct {
	r   *loadRun
	dir string
	key [32]byte
	// maxEntries and maxBytes bound the directory when pruning.
	maxEntries int
	maxBytes   int64
}

// newSpecCache returns the cache entry for the root document data, or nil
// when caching is off for this load.
func (r *loadRun) newSpecCache(src Source, data []byte) *specCache {
	if r.opts.CacheDir == "" || r.opts.Validate {
		return nil
	}
	return &specCache{
		r:          r,
		dir:        r.opts.CacheDir,
		key:        r.cacheKey(src, data),
		maxEntries: cacheMaxEntries,
		maxBytes:   cacheMaxBytes,
	}
}

func (c *specCache) name() string { return hex.EncodeToString(c.key[:]) + cacheExt }

func (c *specCache) path() string { return filepath.Join(c.dir, c.name()) }

// lookup returns the cached document, or nil on a miss.
func (c *specCache) lookup() (doc *Document) {
	log := c.r.logger
	defer func() {
		if p := recover(); p != nil {
			log.Warn("spec cache entry unusable", "spec", c.r.label, "path", c.path(), "panic", p)
			doc = nil
		}
	}()
	data, err := readFileLimited(c.path(), cacheMaxBytes)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("spec cache entry unreadable", "spec", c.r.label, "err", err)
		} else {
			log.DebugContext(c.r.ctx, "spec cache miss", "spec", c.r.label)
		}
		return nil
	}
	deps, body, err := c.parseEntry(data)
	if err != nil {
		log.Warn("spec cache entry unusable; loading the spec", "spec", c.r.label, "path", c.path(), "err", err)
		return nil
	}
	if loc, ok := c.r.verifyDeps(deps); !ok {
		log.DebugContext(c.r.ctx, "spec cache entry stale", "spec", c.r.label, "changed", loc)
		return nil
	}
	doc, err = decodeDocument(body)
	if err != nil {
		log.Warn("spec cache entry unusable; loading the spec", "spec", c.r.label, "path", c.path(), "err", err)
		return nil
	}
	now := time.Now()
	// The modification time orders entries for pruning; a failure to
	// update it only makes this entry look older.
	_ = os.Chtimes(c.path(), now, now)
	return doc
}

// parseEntry checks an entry's header and checksum and splits it into its
// dependencies and its encoded document.
func (c *specCache) parseEntry(data []byte) ([]cacheDep, []byte, error) {
	rest, ok := bytes.CutPrefix(data, []byte(cacheMagic))
	if !ok {
		return nil, nil, fmt.Errorf("%w: bad magic", errCorrupt)
	}
	ver, n := binary.Uvarint(rest)
	if n <= 0 || ver != cacheFormatVersion {
		return nil, nil, fmt.Errorf("%w: format version %d, want %d", errCorrupt, ver, cacheFormatVersion)
	}
	rest = rest[n:]
	if len(rest) < len(c.key)+4 {
		return nil, nil, fmt.Errorf("%w: truncated header", errCorrupt)
	}
	if !bytes.Equal(rest[:len(c.key)], c.key[:]) {
		return nil, nil, fmt.Errorf("%w: key mismatch", errCorrupt)
	}
	rest = rest[len(c.key):]
	sum := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	if crc32.Checksum(rest, crc32.MakeTable(crc32.Castagnoli)) != sum {
		return nil, nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	return parseDeps(rest)
}

// store writes doc as the entry, logging instead of failing: a cache that
// cannot be written only costs the next start its speed.
func (c *specCache) store(doc *Document, deps []cacheDep) {
	log := c.r.logger
	defer func() {
		if p := recover(); p != nil {
			log.Warn("spec cache not written", "spec", c.r.label, "panic", p)
		}
	}()
	body, err := encodeDocument(doc)
	if err != nil {
		log.Warn("spec cache not written", "spec", c.r.label, "err", err)
		return
	}
	if err := c.write(appendDeps(nil, deps), body); err != nil {
		log.Warn("spec cache not written", "spec", c.r.label, "dir", c.dir, "err", err)
		return
	}
	log.DebugContext(c.r.ctx, "spec cache entry written", "spec", c.r.label, "path", c.path(), "bytes", len(body))
	if err := c.prune(); err != nil {
		log.Warn("spec cache not pruned", "dir", c.dir, "err", err)
	}
}

// write replaces the entry atomically: readers see the old entry or the
// new one, never a partial file.
func (c *specCache) write(deps, body []byte) (err error) {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	f, err := os.CreateTemp(c.dir, "."+c.name()+".tmp*")
	if err != nil {
		return fmt.Errorf("create cache entry: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("set cache entry mode: %w", err)
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	header := append([]byte(cacheMagic), binary.AppendUvarint(nil, cacheFormatVersion)...)
	header = append(header, c.key[:]...)
	header = binary.LittleEndian.AppendUint32(header, crc32.Update(crc32.Checksum(deps, tab), tab, body))
	for _, b := range [][]byte{header, deps, body} {
		if _, err := f.Write(b); err != nil {
			return fmt.Errorf("write cache entry: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write cache entry: %w", err)
	}
	if err := os.Rename(tmp, c.path()); err != nil {
		return fmt.Errorf("install cache entry: %w", err)
	}
	return nil
}
