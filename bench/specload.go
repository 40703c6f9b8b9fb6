package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// SpecLoadRun is one uncached spec conversion by a rest2mcp process
// ("rest2mcp tools --spec PATH" with an empty cache directory): load,
// normalise and generate the tools, then exit.
type SpecLoadRun struct {
	// Wall is the process's elapsed time, CPU its user+system time and
	// MaxRSS its peak resident set (getrusage).
	Wall   time.Duration
	CPU    time.Duration
	MaxRSS int64 // bytes
	// Failed is set when the process exited with an error (a refused
	// document is a valid outcome for a hostile spec).
	Failed bool
	// Output is the last line the command printed.
	Output string
}

// MeasureSpecLoad runs "bin tools --spec spec" runs times, each with a
// fresh, empty cache directory, and returns every run. The process is
// killed after timeout. The child's peak RSS is read from wait4, which
// on Linux is at least the caller's own peak RSS (the child starts in the
// caller's address space): keep the caller small (cmd/specload writes
// the hostile documents from a child process).
func MeasureSpecLoad(ctx context.Context, bin, spec string, runs int, timeout time.Duration) ([]SpecLoadRun, error) {
	out := make([]SpecLoadRun, 0, runs)
	for range runs {
		cache, err := os.MkdirTemp("", "rest2mcp-specload-")
		if err != nil {
			return nil, fmt.Errorf("measure spec load: %w", err)
		}
		rctx, cancel := context.WithTimeout(ctx, timeout)
		cmd := exec.CommandContext(rctx, bin, "tools", "--spec", spec)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "HOME="+cache)
		start := time.Now()
		text, runErr := cmd.CombinedOutput()
		wall := time.Since(start)
		killed := rctx.Err() != nil
		cancel()
		os.RemoveAll(cache)
		if cmd.ProcessState == nil {
			return nil, fmt.Errorf("measure spec load %s: %w", spec, runErr)
		}
		run := SpecLoadRun{Wall: wall, Failed: runErr != nil}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			run.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			run.MaxRSS = ru.Maxrss << 10
		}
		lines := strings.Split(strings.TrimSpace(string(text)), "\n")
		run.Output = lines[len(lines)-1]
		if killed {
			run.Output = "killed after " + timeout.String()
		}
		out = append(out, run)
	}
	return out, nil
}

// HostileSpecNames are the file names [HostileSpecs] writes, in order.
var HostileSpecNames = []string{"deep-4000-oas30.json", "deep-4000-oas31.json", "deep-4000-swagger20.json", "wide-160k-oas30.json", "wide-160k-oas31.json"}

// HostileSpecs writes the documents of the loader's cost findings into
// dir and returns their paths: a request body schema nested 4,000 levels
// deep (about 148 KB) as OpenAPI 3.0, 3.1 and Swagger 2.0, and one object
// schema with 160,000 properties (about 14 MB) as OpenAPI 3.0 and 3.1.
func HostileSpecs(dir string) ([]string, error) {
	deep := strings.Repeat(`{"type":"object","properties":{"a":`, 4000) + `{"type":"string"}` + strings.Repeat(`}}`, 4000)
	var wide strings.Builder
	wide.WriteString(`{"type":"object","properties":{`)
	for i := range 160000 {
		if i > 0 {
			wide.WriteByte(',')
		}
		fmt.Fprintf(&wide, `"p%06d":{"type":"string","description":"property number %d of a very wide schema"}`, i, i)
	}
	wide.WriteString(`}}`)
	body := func(ver, schema string) string {
		return `{"openapi":"` + ver + `","info":{"title":"t","version":"1"},"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":` +
			schema + `}}},"responses":{"200":{"description":"ok"}}}}}}`
	}
	files := map[string]string{
		"deep-4000-oas30.json": body("3.0.3", deep),
		"deep-4000-oas31.json": body("3.1.0", deep),
		"deep-4000-swagger20.json": `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/x":{"post":{"parameters":[{"name":"b","in":"body","schema":` +
			deep + `}],"responses":{"200":{"description":"ok"}}}}}}`,
		"wide-160k-oas30.json": body("3.0.3", wide.String()),
		"wide-160k-oas31.json": body("3.1.0", wide.String()),
	}
	var paths []string
	for _, name := range HostileSpecNames {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return nil, fmt.Errorf("write hostile spec: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
