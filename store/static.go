package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// static is a Store with read-only APIs in front of another.
type static struct {
	Store
	apis map[string]*API
}

var _ Store = (*static)(nil)

// WithStatic returns s with the APIs apis (from the configuration file)
// visible beside the stored ones, read-only: they are listed and read with
// ReadOnly set, each at version 1; writing, deleting or creating one of
// their names fails with [ErrReadOnly]. The store's own records of the
// same names, if any, are hidden. Close closes s.
func WithStatic(s Store, apis []*API) Store {
	m := make(map[string]*API, len(apis))
	for _, a := range apis {
		c := a.Clone()
		c.ReadOnly = true
		if c.Version == 0 {
			c.Version = 1
		}
		if c.Spec.Digest == "" {
			c.Spec.Digest = Digest(c.Spec.Data)
		}
		m[c.Name] = c
	}
	return &static{Store: s, apis: m}
}

func (s *static) readOnly(name string) error {
	return fmt.Errorf("API %q is defined in the configuration file: %w", name, ErrReadOnly)
}

func (s *static) List(ctx context.Context) ([]VersionInfo, error) {
	stored, err := s.Store.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, 0, len(stored)+len(s.apis))
	for _, v := range stored {
		if s.apis[v.Name] == nil {
			out = append(out, v)
		}
	}
	for _, a := range s.apis {
		out = append(out, a.Info())
	}
	slices.SortFunc(out, func(a, b VersionInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *static) Get(ctx context.Context, name string) (*API, error) {
	if a := s.apis[name]; a != nil {
		return a.Clone(), nil
	}
	return s.Store.Get(ctx, name)
}

func (s *static) GetVersion(ctx context.Context, name string, version int64) (*API, error) {
	if a := s.apis[name]; a != nil {
		if version != a.Version {
			return nil, fmt.Errorf("API %q version %d: %w", name, version, ErrNotFound)
		}
		return a.Clone(), nil
	}
	return s.Store.GetVersion(ctx, name, version)
}

func (s *static) Versions(ctx context.Context, name string) ([]VersionInfo, error) {
	if a := s.apis[name]; a != nil {
		return []VersionInfo{a.Info()}, nil
	}
	return s.Store.Versions(ctx, name)
}

func (s *static) Create(ctx context.Context, a *API) (*API, error) {
	if s.apis[a.Name] != nil {
		return nil, fmt.Errorf("create API %q: %w (defined in the configuration file)", a.Name, ErrAlreadyExists)
	}
	return s.Store.Create(ctx, a)
}

func (s *static) Update(ctx context.Context, name string, ifVersion int64, fn func(*API) error) (*API, error) {
	if s.apis[name] != nil {
		return nil, s.readOnly(name)
	}
	return s.Store.Update(ctx, name, ifVersion, fn)
}

func (s *static) Delete(ctx context.Context, name string, ifVersion int64) error {
	if s.apis[name] != nil {
		return s.readOnly(name)
	}
	return s.Store.Delete(ctx, name, ifVersion)
}
