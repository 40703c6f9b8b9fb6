package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BuildGateway compiles ./cmd/rest2mcp of the module at repoRoot into dir
// and returns the binary's path.
func BuildGateway(ctx context.Context, repoRoot, dir string) (string, error) {
	return BuildCommand(ctx, repoRoot, dir, "./cmd/rest2mcp")
}

// BuildCommand compiles the command package pkg (a "./"-relative import
// path) of the module at repoRoot into dir and returns the binary's path
// (named after pkg's last element).
func BuildCommand(ctx context.Context, repoRoot, dir, pkg string) (string, error) {
	bin := filepath.Join(dir, path.Base(pkg))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = repoRoot
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out.Bytes())
	}
	return bin, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// GatewayOptions says how to start a gateway process.
type GatewayOptions struct {
	// Binary is the rest2mcp executable. Required.
	Binary string
	// Spec is the OpenAPI document path. Required.
	Spec string
	// Upstream is the upstream base URL. Required.
	Upstream string
	// Name is the API name: the endpoint is /mcp/{Name}. Empty means
	// "bench".
	Name string
	// Port is the loopback port to listen on. Zero picks a free one.
	Port int
	// Env is added to the inherited environment (KEY=VALUE entries, e.g.
	// GOGC=200). Nil adds nothing.
	Env []string
	// Args are appended to the serve command line.
	Args []string
	// Config, when set, is a configuration file served with
	// `serve --config` (Spec and Upstream are then not used; the file
	// must listen on Port).
	Config string
	// Argv, when set, replaces the whole command line after the binary
	// ("{addr}" in it is replaced by the listen address): for processes
	// other than rest2mcp, such as the floor relay.
	Argv []string
}

// Gateway is a running gateway process.
type Gateway struct {
	// Started is when the process was started (just before exec).
	Started time.Time
	// BaseURL is http://127.0.0.1:PORT.
	BaseURL string
	// Endpoint is the MCP endpoint URL.
	Endpoint string

	cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{}
	err    error
}

// StartGateway starts `rest2mcp serve` on a loopback port and returns
// without waiting for it to be ready. The process is bound to ctx: it is
// killed when ctx is done. Call [Gateway.Stop] to end it.
func StartGateway(ctx context.Context, opts GatewayOptions) (*Gateway, error) {
	if opts.Binary == "" || (opts.Config == "" && opts.Argv == nil && (opts.Spec == "" || opts.Upstream == "")) {
		return nil, errors.New("start gateway: binary, and spec and upstream (or a config) are required")
	}
	name := opts.Name
	if name == "" {
		name = "bench"
	}
	port := opts.Port
	if port == 0 {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := append([]string{"serve", "--spec", opts.Spec, "--upstream", opts.Upstream,
		"--name", name, "--listen", addr}, opts.Args...)
	switch {
	case opts.Argv != nil:
		args = make([]string, len(opts.Argv))
		for i, a := range opts.Argv {
			args[i] = strings.ReplaceAll(a, "{addr}", addr)
		}
	case opts.Config != "":
		args = append([]string{"serve", "--config", opts.Config}, opts.Args...)
	}
	cmd := exec.CommandContext(ctx, opts.Binary, args...)
	cmd.Env = append(os.Environ(), opts.Env...)
	out := &syncBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	g := &Gateway{
		BaseURL:  "http://" + addr,
		Endpoint: "http://" + addr + "/mcp/" + name,
		cmd:      cmd,
		output:   out,
		done:     make(chan struct{}),
	}
	g.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", opts.Binary, err)
	}
	go func() {
		g.err = cmd.Wait()
		close(g.done)
	}()
	return g, nil
}

// PID returns the process ID.
func (g *Gateway) PID() int { return g.cmd.Process.Pid }

// Exited reports whether the process has ended, and how.
func (g *Gateway) Exited() (bool, error) {
	select {
	case <-g.done:
		return true, g.err
	default:
		return false, nil
	}
}

// Output returns the first 64 KiB the process wrote to stdout and stderr.
func (g *Gateway) Output() string { return g.output.String() }

// Stop sends SIGTERM, waits up to grace for the process to exit, then
// kills it. It returns nil when the process is gone.
func (g *Gateway) Stop(grace time.Duration) error {
	if exited, _ := g.Exited(); exited {
		return nil
	}
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal gateway: %w", err)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-g.done:
		return nil
	case <-t.C:
	}
	if err := g.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill gateway: %w", err)
	}
	<-g.done
	return nil
}

// syncBuffer is a concurrency-safe buffer that keeps the first max bytes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

// Write implements io.Writer; bytes past max are dropped.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// String returns the kept bytes.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
