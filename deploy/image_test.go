// Package deploy tests the container image definition (the Dockerfile and
// .dockerignore at the repository root) without a container engine: the
// build context holds every file the build needs and none of the heavy or
// private ones, the image runs as a non-root user with a writable data
// volume, and its paths and user agree with the Helm chart.
package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

const root = ".."

// Paths and user shared by the Dockerfile and the chart.
const (
	configFile = "/etc/rest2mcp/rest2mcp.yaml"
	dataDir    = "/var/lib/rest2mcp"
	cacheDir   = "/var/cache/rest2mcp"
)

// TestBuildContextHasWhatTheBuildNeeds checks .dockerignore against the
// files `go build ./cmd/rest2mcp` reads (sources and go:embed files of every
// package of this module it depends on).
func TestBuildContextHasWhatTheBuildNeeds(t *testing.T) {
	pm := dockerignore(t)
	needed := []string{"go.mod", "go.sum"}
	for _, p := range moduleDeps(t, "./cmd/rest2mcp", buildTags(t)) {
		rel, err := filepath.Rel(absRoot(t), p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range slices.Concat(p.GoFiles, p.CgoFiles, p.EmbedFiles, p.OtherFiles) {
			needed = append(needed, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(needed) < 20 {
		t.Fatalf("only %d files found for the build: %v", len(needed), needed)
	}
	for _, f := range needed {
		if excluded(t, pm, f) {
			t.Errorf(".dockerignore excludes %s, which `go build ./cmd/rest2mcp` needs", f)
		}
	}
}

// TestBuildContextLeavesOutHeavyAndPrivateFiles checks that what must never
// be sent to the builder is excluded.
func TestBuildContextLeavesOutHeavyAndPrivateFiles(t *testing.T) {
	pm := dockerignore(t)
	for _, f := range []string{
		".git/config",
		".git/objects/ab/cdef",
		"e2e/testdata/node_modules/oidc-provider/package.json",
		"web/node_modules/x/index.js",
		"bin/rest2mcp",
		"rest2mcp",
		"gateway/gateway.test",
		"cpu.prof",
		"gateway/gateway_test.go",
		"openapi/testdata/github.yaml",
		"deploy/helm/rest2mcp/values.yaml",
		"docs/performance.md",
		"bench/README.md",
	} {
		if !excluded(t, pm, f) {
			t.Errorf(".dockerignore sends %s to the builder", f)
		}
	}
	// The context the build gets is small: measure what the patterns keep
	// of this checkout.
	var kept int64
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if excluded(t, pm, rel) {
			if d.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			kept += fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("build context: %d KiB", kept>>10)
	if kept > 8<<20 {
		t.Errorf("build context is %d MiB; expected a few MiB of sources", kept>>20)
	}
}

// TestImageRunsAsNonRootWithDataVolume checks the runtime stage of the
// Dockerfile.
func TestImageRunsAsNonRootWithDataVolume(t *testing.T) {
	stage := finalStage(t)
	user := stage.last("USER")
	if user == "" {
		t.Fatal("the runtime stage has no USER: the image would run as root")
	}
	uid, gid, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %s: want a numeric non-zero UID (Kubernetes runAsNonRoot can only verify a numeric one)", user)
	}
	if gid != "" {
		if n, err := strconv.Atoi(gid); err != nil || n == 0 {
			t.Errorf("USER %s: want a numeric non-zero GID", user)
		}
	}
	if v := stage.all("VOLUME"); !slices.ContainsFunc(v, func(s string) bool { return slices.Contains(strings.Fields(s), dataDir) }) {
		t.Errorf("VOLUME %v lacks %s", v, dataDir)
	}
	// The writable directories are created owned by the runtime user (a
	// volume takes the ownership of the image's directory).
	for _, dir := range []string{dataDir, cacheDir} {
		if !slices.ContainsFunc(stage.all("COPY"), func(c string) bool {
			f := strings.Fields(c)
			return slices.Contains(f, "--chown="+user) && f[len(f)-1] == dir
		}) {
			t.Errorf("no COPY --chown=%s … %s: the directory would belong to root and be read-only for the gateway", user, dir)
		}
	}
	env := stage.all("ENV")
	for _, want := range []string{"REST2MCP_LISTEN=0.0.0.0:8080", "REST2MCP_CACHE_DIR=" + cacheDir} {
		if !slices.ContainsFunc(env, func(e string) bool { return slices.Contains(strings.Fields(e), want) }) {
			t.Errorf("ENV %v lacks %s", env, want)
		}
	}
	var cmd []string
	if err := json.Unmarshal([]byte(stage.last("CMD")), &cmd); err != nil {
		t.Fatalf("CMD %q is not in exec (JSON) form: %v", stage.last("CMD"), err)
	}
	args := strings.Join(cmd, " ")
	for _, want := range []string{"serve", "--config " + configFile, "--data-dir " + dataDir} {
		if !strings.Contains(args, want) {
			t.Errorf("CMD %v lacks %q", cmd, want)
		}
	}
	if e := stage.last("ENTRYPOINT"); e != `["/rest2mcp"]` {
		t.Errorf("ENTRYPOINT %s, want [\"/rest2mcp\"]", e)
	}
}

// TestChartMatchesImage checks that the chart runs the image with its user
// and paths.
func TestChartMatchesImage(t *testing.T) {
	uid, _, _ := strings.Cut(finalStage(t).last("USER"), ":")
	tpl, err := os.ReadFile(filepath.Join("helm", "rest2mcp", "templates", "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	users := regexp.MustCompile(`(?m)^\s*(runAsUser|runAsGroup|fsGroup): (\S+)`).FindAllSubmatch(tpl, -1)
	if len(users) < 3 {
		t.Fatalf("the chart's Deployment sets %d of runAsUser/runAsGroup/fsGroup", len(users))
	}
	for _, m := range users {
		if string(m[2]) != uid {
			t.Errorf("chart %s: %s, image USER %s", m[1], m[2], uid)
		}
	}
	helpers, err := os.ReadFile(filepath.Join("helm", "rest2mcp", "templates", "_helpers.tpl"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"configDir": filepath.Dir(configFile), "dataDir": dataDir, "cacheDir": cacheDir} {
		m := regexp.MustCompile(`define "rest2mcp\.` + name + `" -}}([^{]+){{`).FindSubmatch(helpers)
		if m == nil || string(m[1]) != want {
			t.Errorf("chart path %s = %q, image %s", name, m, want)
		}
	}
}

func dockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	return pm
}

func excluded(t *testing.T, pm *patternmatcher.PatternMatcher, file string) bool {
	t.Helper()
	ok, err := pm.MatchesOrParentMatches(file)
	if err != nil {
		t.Fatalf("match %s: %v", file, err)
	}
	return ok
}

type goPackage struct {
	Dir                                       string
	Standard                                  bool
	Module                                    *struct{ Path string }
	GoFiles, CgoFiles, EmbedFiles, OtherFiles []string
}

// buildTags returns the -tags of the Dockerfile's `go build` ("" for none).
func buildTags(t *testing.T) string {
	t.Helper()
	ins, err := parseDockerfile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		f := strings.Fields(in.args)
		for i, a := range f {
			if v, ok := strings.CutPrefix(a, "-tags="); ok {
				return v
			}
			if a == "-tags" && i+1 < len(f) {
				return f[i+1]
			}
		}
		return ""
	}
	t.Fatal("the Dockerfile has no RUN … go build")
	return ""
}

// moduleDeps lists the packages of this module that pkg depends on,
// itself included, when built with tags.
func moduleDeps(t *testing.T, pkg, tags string) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags="+tags, "-json=Dir,Standard,Module,GoFiles,CgoFiles,EmbedFiles,OtherFiles", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	mod := modulePath(t)
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !p.Standard && p.Module != nil && p.Module.Path == mod {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

func modulePath(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no module line")
	}
	return string(m[1])
}

func absRoot(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// instruction is one Dockerfile instruction: its upper-cased keyword and
// the rest of the logical line.
type instruction struct{ cmd, args string }

type stage []instruction

func (s stage) all(cmd string) []string {
	var out []string
	for _, i := range s {
		if i.cmd == cmd {
			out = append(out, i.args)
		}
	}
	return out
}

func (s stage) last(cmd string) string {
	a := s.all(cmd)
	if len(a) == 0 {
		return ""
	}
	return a[len(a)-1]
}

// finalStage parses the Dockerfile (comments, line continuations) and
// returns the instructions after its last FROM.
func finalStage(t *testing.T) stage {
	t.Helper()
	ins, err := parseDockerfile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for i, in := range ins {
		if in.cmd == "FROM" {
			last = i
		}
	}
	if last < 0 {
		t.Fatal("Dockerfile has no FROM")
	}
	return ins[last+1:]
}

func parseDockerfile(path string) ([]instruction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		ins  []instruction
		line strings.Builder
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") || (text == "" && line.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(text, `\`); ok {
			line.WriteString(cont + " ")
			continue
		}
		line.WriteString(text)
		cmd, args, _ := strings.Cut(strings.TrimSpace(line.String()), " ")
		line.Reset()
		if cmd == "" {
			return nil, fmt.Errorf("%s:%d: empty instruction", path, n)
		}
		ins = append(ins, instruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")})
	}
	return ins, sc.Err()
}
