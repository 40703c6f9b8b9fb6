package authbridge

import (
	"container/list"
	"sync"
	"time"
)

const defaultIntrospectionCacheSize = 10000

// introspectionEntry is a cached introspection outcome: a principal
// template (without the token) or a rejection.
type introspectionEntry struct {
	p       *Principal
	err     error
	expires time.Time
}

// principal returns a fresh copy of the cached principal carrying raw, or
// the cached rejection.
func (e introspectionEntry) principal(raw string) (*Principal, error) {
	if e.err != nil {
		return nil, e.err
	}
	p := NewPrincipal(raw)
	p.Issuer = e.p.Issuer
	p.Subject = e.p.Subject
	p.ClientID = e.p.ClientID
	p.Audience = append([]string(nil), e.p.Audience...)
	p.Scopes = append([]string(nil), e.p.Scopes...)
	p.Claims = e.p.Claims
	p.Expiry = e.p.Expiry
	return p, nil
}

// introspectionCache is a size-bounded LRU of introspection outcomes keyed
// by token hash.
type introspectionCache struct {
	max int

	mu    sync.Mutex
	ll    *list.List // front = most recently used
	items map[[32]byte]*list.Element
}

type introspectionItem struct {
	key   [32]byte
	entry introspectionEntry
}

func newIntrospectionCache(max int) *introspectionCache {
	return &introspectionCache{max: max, ll: list.New(), items: map[[32]byte]*list.Element{}}
}

func (c *introspectionCache) get(key [32]byte, now time.Time) (introspectionEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return introspectionEntry{}, false
	}
	it := el.Value.(*introspectionItem)
	if !now.Before(it.entry.expires) {
		c.ll.Remove(el)
		delete(c.items, key)
		return introspectionEntry{}, false
	}
	c.ll.MoveToFront(el)
	return it.entry, true
}

func (c *introspectionCache) put(key [32]byte, e introspectionEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*introspectionItem).entry = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&introspectionItem{key: key, entry: e})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*introspectionItem).key)
	}
}

func (c *introspectionCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
