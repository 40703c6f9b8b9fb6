package openapi

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// isEntryName reports whether name is a cache entry's file name (64 hex
// digits and the extension). Pruning touches nothing else.
func isEntryName(name string) bool {
	h, ok := strings.CutSuffix(name, cacheExt)
	if !ok || len(h) != 64 || strings.ToLower(h) != h {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// isTempName reports whether name is a temporary file of write.
func isTempName(name string) bool {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	entry, _, ok := strings.Cut(rest, ".tmp")
	return ok && isEntryName(entry)
}

// prune keeps the newest entries within maxEntries and maxBytes (always
// keeping this one) and removes temporary files abandoned by crashed
// writers. Entries that vanish meanwhile (another process pruning) are
// fine.
func (c *specCache) prune() error {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return fmt.Errorf("list cache directory: %w", err)
	}
	type entry struct {
		name string
		mod  time.Time
		size int64
	}
	var entries []entry
	now := time.Now()
	for _, de := range des {
		name := de.Name()
		if !isEntryName(name) && !isTempName(name) {
			continue
		}
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if isTempName(name) {
			if now.Sub(info.ModTime()) > cacheTempMaxAge {
				os.Remove(filepath.Join(c.dir, name))
			}
			continue
		}
		entries = append(entries, entry{name: name, mod: info.ModTime(), size: info.Size()})
	}
	self := c.name()
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(boolRank(b.name == self)-boolRank(a.name == self), b.mod.Compare(a.mod), strings.Compare(a.name, b.name))
	})
	var kept int
	var total int64
	for _, e := range entries {
		if e.name == self || (kept < c.maxEntries && total+e.size <= c.maxBytes) {
			kept++
			total += e.size
			continue
		}
		if err := os.Remove(filepath.Join(c.dir, e.name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove cache entry: %w", err)
		}
	}
	return nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
