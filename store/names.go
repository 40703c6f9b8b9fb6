package store

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// OperationKey returns the key of the operation method path: the
// upper-case method, a space, and the path template as written
// ("GET /pets/{petId}"). Parameter names are kept: real documents have
// paths that differ only in them (/a/{id} and /a/{name}); an operation
// whose parameter was renamed is still found by its operationId (see
// [AssignToolNames]).
func OperationKey(method, path string) string {
	return strings.ToUpper(method) + " " + path
}

// SplitOperationKey splits an [OperationKey] into method and path.
func SplitOperationKey(key string) (method, path string, ok bool) {
	method, path, ok = strings.Cut(key, " ")
	if !ok || method == "" || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") {
		return "", "", false
	}
	return method, path, true
}

// ToolName is one entry of an API's stable tool-name mapping.
type ToolName struct {
	// Key is the operation's [OperationKey].
	Key string `json:"key"`
	// OperationID is the operation's operationId when the name was last
	// assigned ("" when it has none).
	OperationID string `json:"operationId,omitempty"`
	// Name is the tool name, before the API's tool prefix.
	Name string `json:"name"`
	// Pinned marks a name the admin chose.
	Pinned bool `json:"pinned,omitempty"`
}

// NamedOperation is an operation of a new spec version, as
// [AssignToolNames] sees it.
type NamedOperation struct {
	// Key is the operation's [OperationKey].
	Key string
	// OperationID is its operationId ("" when it has none).
	OperationID string
	// Generated is the name the generator gives it, before the tool
	// prefix.
	Generated string
	// Override is the name the admin gave it ("" for none).
	Override string
}

// AssignToolNames returns the tool-name mapping of a new version from the
// previous version's mapping prev and the new version's operations, so that
// clients' saved tool settings survive re-uploads:
//
//   - an operation the admin named gets that name (pinned);
//   - otherwise an operation found in prev — by key, or else by
//     operationId (a moved path) — keeps its previous name, even when its
//     operationId was renamed;
//   - otherwise it gets its generated name.
//
// A name already taken gets the suffix _2, _3, … (earlier rules win; within
// a rule, operations are taken in key order). Operations not in ops are
// dropped. The result is sorted by key. AssignToolNames is pure.
func AssignToolNames(prev []ToolName, ops []NamedOperation) []ToolName {
	byKey := make(map[string]ToolName, len(prev))
	byID := make(map[string]ToolName, len(prev))
	for _, p := range prev {
		byKey[p.Key] = p
		if p.OperationID != "" {
			byID[p.OperationID] = p
		}
	}
	ops = slices.Clone(ops)
	slices.SortFunc(ops, func(a, b NamedOperation) int { return cmp.Compare(a.Key, b.Key) })
	ops = slices.CompactFunc(ops, func(a, b NamedOperation) bool { return a.Key == b.Key })

	// Operations matched by key come first, so that an operationId now
	// used by a different path cannot take a name its own path still has.
	matched := make([]*ToolName, len(ops))
	used := map[string]bool{}
	for i, op := range ops {
		if p, ok := byKey[op.Key]; ok {
			matched[i] = &p
			used[p.Key] = true
		}
	}
	for i, op := range ops {
		if matched[i] != nil || op.OperationID == "" {
			continue
		}
		if p, ok := byID[op.OperationID]; ok && !used[p.Key] {
			if _, stillThere := keyIn(ops, p.Key); !stillThere {
				matched[i] = &p
				used[p.Key] = true
			}
		}
	}

	out := make([]ToolName, len(ops))
	taken := map[string]bool{}
	assign := func(i int, name string, pinned bool) {
		name = unique(name, taken)
		taken[name] = true
		out[i] = ToolName{Key: ops[i].Key, OperationID: ops[i].OperationID, Name: name, Pinned: pinned}
	}
	done := make([]bool, len(ops))
	for i, op := range ops { // 1. the admin's names
		if op.Override != "" {
			assign(i, op.Override, true)
			done[i] = true
		}
	}
	for i := range ops { // 2. names kept from prev
		if !done[i] && matched[i] != nil && matched[i].Name != "" {
			assign(i, matched[i].Name, matched[i].Pinned)
			done[i] = true
		}
	}
	for i, op := range ops { // 3. generated names
		if !done[i] {
			assign(i, op.Generated, false)
		}
	}
	return out
}

func keyIn(ops []NamedOperation, key string) (int, bool) {
	return slices.BinarySearchFunc(ops, key, func(o NamedOperation, k string) int { return cmp.Compare(o.Key, k) })
}

// unique returns name, or name with the first free suffix _2, _3, ….
func unique(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for n := 2; ; n++ {
		if c := name + "_" + strconv.Itoa(n); !taken[c] {
			return c
		}
	}
}
