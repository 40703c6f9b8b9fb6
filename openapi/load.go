package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Defaults of [LoadOptions].
const (
	DefaultMaxBytes = 32 << 20
	DefaultTimeout  = 30 * time.Second
)

// ErrNotOpenAPI is returned (wrapped) by [Load] when the input is not an
// OpenAPI or Swagger document at all.
var ErrNotOpenAPI = errors.New("not an OpenAPI document")

// Source names the document to load. Exactly one of Path, URL and Data must
// be set.
type Source struct {
	// Path is a local file. External file references may point to files in
	// the same directory or below it.
	Path string
	// URL is an http(s) address. External references may point to the same
	// host and to [LoadOptions.AllowedRefHosts].
	URL string
	// Data is an in-memory document (an upload). It may not have external
	// references.
	Data []byte
	// Name labels diagnostics for Data sources (e.g. the uploaded file
	// name); Path and URL sources are labelled by themselves.
	Name string
}

// LoadOptions tunes [Load]. A nil *LoadOptions means all defaults.
type LoadOptions struct {
	// HTTPClient fetches URL sources and URL references. Nil means a
	// client with no other settings than the Timeout below.
	HTTPClient *http.Client
	// MaxBytes caps the size of every file or URL read. Zero means
	// DefaultMaxBytes (32 MiB).
	MaxBytes int64
	// Timeout bounds every single HTTP fetch. Zero means DefaultTimeout
	// (30s).
	Timeout time.Duration
	// AllowedRefHosts lists the hosts (host or host:port) that URL
	// references may go to, besides the host of a URL source itself. Empty
	// means none.
	AllowedRefHosts []string
	// Validate runs kin-openapi's document validation (examples, defaults
	// and patterns excluded) and reports its findings as warnings. It is
	// off by default because it is costly on large documents; the validate
	// subcommand turns it on.
	Validate bool
	// Logger receives debug information about loading. Nil discards.
	Logger *slog.Logger
	// CacheDir is a directory for the compiled-spec cache: the normalised
	// result of every successful load is kept there, keyed by the root
	// document's bytes, the source and the build, and a later load of the
	// same document returns it without parsing the document again (files
	// the document references are re-read and compared; documents with
	// references fetched over the network are not cached). The directory
	// is created with mode 0700 and bounded to the newest 64 entries and
	// 512 MiB. A cache that cannot be read or written is logged and
	// otherwise ignored, so a read-only, pre-filled directory works. Empty
	// means no cache; Validate bypasses it. See [DefaultCacheDir].
	CacheDir string
}

// loadRun holds the state of one Load call.
type loadRun struct {
	ctx    context.Context
	opts   LoadOptions
	logger *slog.Logger
	// label names the root document in diagnostics.
	label string
	// location is the root document's location for resolving relative
	// references; nil for Data sources.
	location *url.URL
	reader   *refReader
	diags    Diagnostics
	// exact holds schema number keywords that float64 does not represent
	// exactly (from the fast decoder).
	exact map[*openapi3.Schema]map[string]json.Number
	// inlinedContainers counts maps and lists given as $ref that the
	// repair path inlined.
	inlinedContainers int
}

// Load reads, resolves and normalises an OpenAPI 3.x or Swagger 2.0
// document. It returns an error only when nothing usable can be loaded
// (unreadable input, not an OpenAPI document, no parseable structure);
// every other problem is reported in [Document.Diagnostics], and the
// operations it affects are left out.
func Load(ctx context.Context, src Source, opts *LoadOptions) (*Document, error) {
	start := time.Now()
	r := newLoadRun(ctx, opts)
	data, err := r.readRoot(src)
	if err != nil {
		return nil, err
	}
	cache := r.newSpecCache(src, data)
	if cache != nil {
		if doc := cache.lookup(); doc != nil {
			r.logger.DebugContext(ctx, "spec loaded from cache", "spec", r.label,
				"operations", len(doc.Operations), "duration", time.Since(start))
			return doc, nil
		}
	}
	ver, err := sniffVersion(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", r.label, err)
	}
	out, err := r.loadSafely(data, ver)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", r.label, err)
	}
	out.Diagnostics = append(r.diags, out.Diagnostics...)
	out.Diagnostics.Sort()
	if cache != nil {
		r.storeCache(cache, out)
	}
	r.logger.DebugContext(ctx, "spec loaded", "spec", r.label,
		"operations", len(out.Operations), "schemas", len(out.Schemas),
		"diagnostics", len(out.Diagnostics), "duration", time.Since(start))
	return out, nil
}

// storeCache writes out to the cache unless the load read something over
// the network or was cancelled, and releases the documents read.
func (r *loadRun) storeCache(cache *specCache, out *Document) {
	deps, ok := r.cacheDeps()
	clear(r.reader.cache)
	r.reader.tcache = nil
	switch {
	case r.ctx.Err() != nil:
	case !ok:
		r.logger.DebugContext(r.ctx, "spec not cached: it references documents fetched over the network", "spec", r.label)
	default:
		cache.store(out, deps)
	}
}

// loadSafely runs kin-openapi and the normaliser, turning a panic in
// either (kin-openapi has been seen to dereference nil parts of odd
// documents) into an error, so that no document can crash the gateway.
func (r *loadRun) loadSafely(data []byte, ver specVersion) (out *Document, err error) {
	defer func() {
		if p := recover(); p != nil {
			r.logger.Error("panic while loading a spec", "spec", r.label, "panic", p, "stack", string(debug.Stack()))
			out, err = nil, fmt.Errorf("the document could not be processed (internal error: %v); it is probably malformed — run `rest2mcp validate` on it", p)
		}
	}()
	doc, err := r.loadKin(data, ver)
	if err != nil {
		return nil, err
	}
	out = r.normalize(doc, ver)
	if r.opts.Validate {
		r.validate(doc)
	}
	return out, nil
}

func newLoadRun(ctx context.Context, opts *LoadOptions) *loadRun {
	var o LoadOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &loadRun{ctx: ctx, opts: o, logger: logger.With("component", "openapi")}
	r.reader = &refReader{
		ctx:      ctx,
		maxBytes: o.MaxBytes,
		timeout:  o.Timeout,
		hosts:    map[string]bool{},
		cache:    map[string]readResult{},
	}
	for _, h := range o.AllowedRefHosts {
		r.reader.hosts[strings.ToLower(h)] = true
	}
	r.reader.client = r.httpClient()
	return r
}

// httpClient returns a copy of the configured client whose redirects are
// held to the same host allow-list as references.
func (r *loadRun) httpClient() *http.Client {
	var c http.Client
	if r.opts.HTTPClient != nil {
		c = *r.opts.HTTPClient
	}
	hosts := r.reader.hosts
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		u := req.URL
		if (u.Scheme != "http" && u.Scheme != "https") ||
			(!hosts[strings.ToLower(u.Host)] && !hosts[strings.ToLower(u.Hostname())]) {
			return fmt.Errorf("redirect to %s is not allowed", u.Redacted())
		}
		return nil
	}
	return &c
}

// readRoot reads the root document and sets up the reference policy for
// its kind of source.
func (r *loadRun) readRoot(src Source) ([]byte, error) {
	n := 0
	for _, set := range []bool{src.Path != "", src.URL != "", src.Data != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("load spec: exactly one of Path, URL and Data must be set")
	}
	switch {
	case src.Path != "":
		r.label = src.Path
		abs, err := filepath.Abs(src.Path)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", src.Path, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", src.Path, err)
		}
		r.reader.rootDir = filepath.Dir(real)
		r.location = &url.URL{Path: filepath.ToSlash(real)}
		data, err := readFileLimited(real, r.opts.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", src.Path, err)
		}
		r.reader.cache[r.location.String()] = readResult{data: data}
		return data, nil
	case src.URL != "":
		r.label = src.URL
		u, err := url.Parse(src.URL)
		if err != nil {
			return nil, fmt.Errorf("load spec URL: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("load %s: only absolute http(s) URLs are supported", u.Redacted())
		}
		u.Fragment = ""
		r.label = u.Redacted()
		r.reader.hosts[strings.ToLower(u.Host)] = true
		r.location = u
		data, err := fetch(r.ctx, r.reader.client, u, r.opts.Timeout, r.opts.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("load spec: %w", err)
		}
		r.reader.cache[u.String()] = readResult{data: data}
		return data, nil
	default:
		r.label = src.Name
		// In-memory documents may not reach any other file or host.
		clear(r.reader.hosts)
		if int64(len(src.Data)) > r.opts.MaxBytes {
			return nil, fmt.Errorf("load %s: document larger than the %d byte limit", r.labelOr("data"), r.opts.MaxBytes)
		}
		return src.Data, nil
	}
}

func (r *loadRun) labelOr(def string) string {
	if r.label == "" {
		return def
	}
	return r.label
}

// newLoader returns a fresh kin-openapi loader bound to our reference
// policy. A loader caches documents, so every attempt gets its own.
func (r *loadRun) newLoader() *openapi3.Loader {
	l := openapi3.NewLoader()
	l.Context = r.ctx
	l.IsExternalRefsAllowed = r.reader.rootDir != "" || len(r.reader.hosts) > 0
	l.ReadFromURIFunc = r.reader.read
	return l
}

// loadKin loads the document with kin-openapi, falling back to the
// repairing, operation-by-operation loader when kin-openapi refuses the
// document as a whole.
func (r *loadRun) loadKin(data []byte, ver specVersion) (*openapi3.T, error) {
	if !r.opts.Validate && !disableFastDecoder {
		if doc := r.loadFast(data, ver); doc != nil {
			return doc, nil
		}
	}
	data = r.limitDepth(data)
	doc, err := r.attempt(data, ver)
	if err == nil {
		return doc, nil
	}
	if ctxErr := r.ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	r.logger.DebugContext(r.ctx, "whole-document load failed, repairing", "spec", r.label, "err", err)
	return r.repair(data, ver, err)
}

// disableFastDecoder turns the fast decoder off (tests compare both ways).
var disableFastDecoder bool

// loadFast decodes the document with the fast decoder and resolves its
// references with kin-openapi; nil when the document is not eligible or
// does not load that way (the caller then runs kin-openapi as a whole,
// which reports the problem or repairs it).
func (r *loadRun) loadFast(data []byte, ver specVersion) (out *openapi3.T) {
	defer func() {
		// A document the fast decoder cannot handle must still get
		// kin-openapi's chance.
		if p := recover(); p != nil {
			r.logger.Error("panic in the fast decoder", "spec", r.label, "panic", p, "stack", string(debug.Stack()))
			out = nil
		}
	}()
	doc, f, err := fastDecode(data, ver, r.label)
	if err != nil {
		r.logger.DebugContext(r.ctx, "fast decoder declined the document", "spec", r.label, "err", err)
		return nil
	}
	if !f.kinResolve && resolveLocal(doc) {
		r.logger.DebugContext(r.ctx, "fast decoder used", "spec", r.label)
		r.diags = append(r.diags, f.diags...)
		r.exact = f.big
		// Nothing reads the root document again: let the collector have
		// its bytes while the document is normalised.
		if r.location != nil {
			delete(r.reader.cache, r.location.String())
		}
		return doc
	}
	if err := r.newLoader().ResolveRefsIn(doc, r.location); err != nil {
		r.logger.DebugContext(r.ctx, "fast-decoded document does not resolve", "spec", r.label, "err", err)
		return nil
	}
	r.diags = append(r.diags, f.diags...)
	r.exact = f.big
	return doc
}

// attempt runs one kin-openapi load of data.
func (r *loadRun) attempt(data []byte, ver specVersion) (*openapi3.T, error) {
	l := r.newLoader()
	if ver.swagger {
		return loadV2(data, l, r.location)
	}
	if r.location == nil {
		return l.LoadFromData(data)
	}
	return l.LoadFromDataWithPath(data, r.location)
}
