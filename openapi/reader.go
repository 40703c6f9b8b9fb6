package openapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Errors for references the access policy refuses to read. Their text is
// matched in kin-openapi's error messages, which do not always wrap.
var (
	errRefEscape = errors.New("reference outside the allowed locations")
	errRefHost   = errors.New("reference to a host that is not allowed")
)

// refReader reads the root document and every external reference of one
// Load call. It owns the access policy that kin-openapi delegates to a
// custom ReadFromURIFunc: files must stay inside the root document's
// directory, URLs must be http(s) on an allowed host, and every read is
// bounded in size (and in time for URLs). Results are cached for the
// duration of one Load only.
type refReader struct {
	ctx      context.Context
	client   *http.Client
	maxBytes int64
	timeout  time.Duration
	// rootDir is the real (symlink-free) directory of a file source; empty
	// when the source is not a file.
	rootDir string
	// hosts are the hosts URL references may go to; nil when the source is
	// not a URL and no hosts were allowed.
	hosts map[string]bool
	cache map[string]readResult
	// transform, when set, rewrites every referenced file before the
	// loader sees it (the repair path uses it); results are cached apart.
	transform func(data []byte, u *url.URL) ([]byte, error)
	tcache    map[string]readResult
}

type readResult struct {
	data []byte
	err  error
}

// read implements openapi3.ReadFromURIFunc.
func (r *refReader) read(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
	if r.transform == nil {
		return r.readRaw(u)
	}
	key := u.String()
	if res, ok := r.tcache[key]; ok {
		return res.data, res.err
	}
	data, err := r.readRaw(u)
	if err == nil {
		data, err = r.transform(data, u)
	}
	if r.tcache == nil {
		r.tcache = map[string]readResult{}
	}
	r.tcache[key] = readResult{data: data, err: err}
	return data, err
}

// readRaw reads u as it is, through the cache.
func (r *refReader) readRaw(u *url.URL) ([]byte, error) {
	key := u.String()
	if res, ok := r.cache[key]; ok {
		return res.data, res.err
	}
	data, err := r.readUncached(u)
	r.cache[key] = readResult{data: data, err: err}
	return data, err
}

func (r *refReader) readUncached(u *url.URL) ([]byte, error) {
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
		return r.readURL(u)
	case u.Scheme == "" || u.Scheme == "file":
		if u.Host != "" {
			return nil, refuse(errRefEscape, u.String(), "file reference with a host is not allowed")
		}
		return r.readFile(u.Path)
	default:
		return nil, refuse(errRefEscape, u.String(), fmt.Sprintf("reference scheme %q is not allowed", u.Scheme))
	}
}

// refuse returns the error handed back to the loader for a location the
// policy refuses; the loader turns it into a diagnostic.
func refuse(kind error, location, msg string) error {
	return fmt.Errorf("%w: %s: %s", kind, location, msg)
}

func (r *refReader) readFile(p string) ([]byte, error) {
	if r.rootDir == "" {
		return nil, refuse(errRefEscape, p, "external file references are not allowed for this source")
	}
	name := filepath.FromSlash(p)
	if !filepath.IsAbs(name) {
		name = filepath.Join(r.rootDir, name)
	}
	name = filepath.Clean(name)
	if !within(r.rootDir, name) {
		return nil, refuse(errRefEscape, p, "file reference leaves the specification directory")
	}
	real, err := filepath.EvalSymlinks(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if !within(r.rootDir, real) {
		return nil, refuse(errRefEscape, p, "file reference resolves outside the specification directory")
	}
	return readFileLimited(real, r.maxBytes)
}

// within reports whether name is dir or below it; both must be clean and
// absolute.
func within(dir, name string) bool {
	rel, err := filepath.Rel(dir, name)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// readFileLimited reads a regular file of at most maxBytes. Anything else
// (a FIFO, a device, a socket, a directory) is refused before it is read:
// the file is opened non-blocking, so opening a FIFO without a writer
// returns at once instead of hanging the load, its reloads and shutdown.
func readFileLimited(name string, maxBytes int64) ([]byte, error) {
	if st, err := os.Stat(name); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file (%s)", name, fileKind(st.Mode()))
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open spec file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file (%s)", name, fileKind(st.Mode()))
	}
	if st.Size() > maxBytes {
		return nil, fmt.Errorf("read %s: larger than the %d byte limit", name, maxBytes)
	}
	return readSized(f, st.Size(), maxBytes, name)
}

// fileKind names a non-regular file mode for error messages.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	default:
		return "mode " + m.String()
	}
}

// readSized reads at most maxBytes from rd into a buffer sized for the
// expected size (one byte more, to see the end without growing), instead
// of io.ReadAll's repeated doubling, which for a 13 MB document allocates
// about 20 MB more. A file that grew meanwhile still reads correctly.
func readSized(rd io.Reader, size, maxBytes int64, what string) ([]byte, error) {
	lr := io.LimitReader(rd, maxBytes+1)
	buf := make([]byte, 0, size+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
	}
	if int64(len(buf)) > maxBytes {
		return nil, fmt.Errorf("read %s: larger than the %d byte limit", what, maxBytes)
	}
	return buf, nil
}

// readLimited reads at most maxBytes from rd and fails when there is more.
func readLimited(rd io.Reader, maxBytes int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(rd, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("read %s: larger than the %d byte limit", what, maxBytes)
	}
	return data, nil
}

// hostAllowed reports whether URL references may go to u's host.
func (r *refReader) hostAllowed(u *url.URL) bool {
	return r.hosts[strings.ToLower(u.Host)] || r.hosts[strings.ToLower(u.Hostname())]
}

func (r *refReader) readURL(u *url.URL) ([]byte, error) {
	if !r.hostAllowed(u) {
		return nil, refuse(errRefHost, u.String(), fmt.Sprintf("host %q is not in the allowed reference hosts", u.Host))
	}
	return fetch(r.ctx, r.client, u, r.timeout, r.maxBytes)
}

// fetch GETs u with a timeout and a size cap.
func fetch(ctx context.Context, client *http.Client, u *url.URL, timeout time.Duration, maxBytes int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("fetch %s: status %d", u.Redacted(), resp.StatusCode)
	}
	return readLimited(resp.Body, maxBytes, u.Redacted())
}
