// Package demoapi is a small in-memory implementation of the example
// Petstore API (examples/petstore/openapi.yaml). It is the built-in demo
// upstream of `rest2mcp demo` and the upstream of end-to-end tests and
// benchmarks.
package demoapi

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Pet is a pet of the store.
type Pet struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Tag  string `json:"tag,omitempty"`
}

// Store is a concurrency-safe in-memory pet store served over HTTP under
// the /v1 prefix.
type Store struct {
	mu     sync.RWMutex
	pets   map[int64]Pet
	nextID int64
}

// New returns a store seeded with a few pets.
func New() *Store {
	s := &Store{pets: map[int64]Pet{}, nextID: 1}
	for _, p := range []Pet{{Name: "Rex", Tag: "dog"}, {Name: "Tom", Tag: "cat"}, {Name: "Nemo", Tag: "fish"}} {
		s.add(p)
	}
	return s
}

func (s *Store) add(p Pet) Pet {
	p.ID = s.nextID
	s.nextID++
	s.pets[p.ID] = p
	return p
}

// Handler returns the HTTP handler of the API (paths start with /v1).
func (s *Store) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/pets", s.list)
	mux.HandleFunc("POST /v1/pets", s.create)
	mux.HandleFunc("GET /v1/pets/{petId}", s.get)
	mux.HandleFunc("DELETE /v1/pets/{petId}", s.delete)
	return mux
}

func (s *Store) list(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "limit must be an integer from 1 to 100")
			return
		}
		limit = n
	}
	tags := map[string]bool{}
	for _, v := range r.URL.Query()["tag"] {
		for _, t := range strings.Split(v, ",") {
			tags[t] = true
		}
	}
	s.mu.RLock()
	out := make([]Pet, 0, len(s.pets))
	for _, p := range s.pets {
		if len(tags) == 0 || tags[p.Tag] {
			out = append(out, p)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(out) > limit {
		out = out[:limit]
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Store) create(w http.ResponseWriter, r *http.Request) {
	var p Pet
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&p); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	if strings.TrimSpace(p.Name) == "" {
		writeError(w, http.StatusBadRequest, "name is required")
		return
	}
	s.mu.Lock()
	p = s.add(p)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, p)
}

func (s *Store) lookup(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("petId"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "petId must be an integer")
		return 0, false
	}
	return id, true
}

func (s *Store) get(w http.ResponseWriter, r *http.Request) {
	id, ok := s.lookup(w, r)
	if !ok {
		return
	}
	s.mu.RLock()
	p, found := s.pets[id]
	s.mu.RUnlock()
	if !found {
		writeError(w, http.StatusNotFound, "no pet with id "+strconv.FormatInt(id, 10))
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Store) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.lookup(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	_, found := s.pets[id]
	delete(s.pets, id)
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "no pet with id "+strconv.FormatInt(id, 10))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg})
}
