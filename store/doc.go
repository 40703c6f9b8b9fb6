// Package store keeps the APIs of the registry: spec bytes and where they
// came from, settings, policy, per-operation overrides, upstream-auth
// references, the compiled form of each version and the stable tool-name
// mapping, with every change written as a new version.
//
// [Store] is the interface every backend implements: store/sqlite (the
// embedded default, pure Go) and store/postgres (several replicas sharing one
// registry). Both run the shared conformance suite in store/storetest.
//
// Concurrency is optimistic: an edit names the version it was based on, and a
// stale edit fails with [ErrConflict] without overwriting anything. Every
// committed change is published on the change feed ([Store.Watch]) of every
// process that uses the same database.
//
// The package holds records, not business rules: it does not load specs,
// generate tools or evaluate policies. Its only rules protect the records
// themselves: API names ([ValidName]), secrets kept as references
// ([CheckSecretRefs]) and stable tool names ([AssignToolNames]).
//
// Typical use:
//
//	s, err := sqlite.Open(ctx, filepath.Join(dir, "registry.db"), nil)
//	changes, err := s.Watch(ctx) // before List, so nothing is missed
//	heads, err := s.List(ctx)
//	api, err := s.Update(ctx, "petstore", ifVersion, func(a *store.API) error {
//		a.Settings.Upstream = "https://petstore.example"
//		return nil
//	})
package store
