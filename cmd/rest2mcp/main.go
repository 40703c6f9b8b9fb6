// Command rest2mcp turns REST APIs described by OpenAPI documents into
// protected remote MCP servers.
//
// Usage:
//
//	rest2mcp serve --config rest2mcp.yaml
//	rest2mcp serve --spec openapi.yaml [--upstream URL] [--name API] [--listen ADDR]
//	               [--public-url URL --issuer URL [--audience A]]
//	               [--include-tag T] [--include-operation ID] [--include-path GLOB]
//	               [--exclude-method M] [--mode discovery] [--toolsets auto]
//	rest2mcp demo                      # the example Petstore against a built-in upstream
//	rest2mcp dev --spec openapi.yaml [--upstream URL] [--yes] [--user NAME=SCOPES] [serve's --include-… --mode --toolsets]
//	                                   # protected by an embedded development authorization server
//	rest2mcp tools --spec PATH|URL [--json] [--toolsets auto | --mode discovery] [--include-… …]
//	rest2mcp validate --config F | --spec S
//	rest2mcp policy explain --config F --api A [--scopes "a b"] [--claims JSON]
//	rest2mcp healthcheck [--url URL]
//	rest2mcp version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// buildVersion is the -ldflags version, or the module version recorded by
// "go install …@version", or "dev".
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// exitError carries a process exit code through command functions.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	default:
		fmt.Fprintln(os.Stderr, "rest2mcp:", err)
		os.Exit(1)
	}
}

const usage = `rest2mcp turns REST APIs (OpenAPI) into protected remote MCP servers.

Commands:
  serve      serve the APIs of a config file, or one spec given by flags
  demo       serve the example Petstore against a built-in demo upstream
  dev        serve a spec or config PROTECTED by an embedded development
             authorization server (loopback only), to try OAuth in VS Code
  tools      print the tools generated from a spec, without serving
  validate   check a config or a spec and print every problem
  policy     policy tools ("policy explain")
  healthcheck  probe a running gateway's /healthz (for container health checks)
  version    print the version

Run "rest2mcp <command> -h" for a command's flags.
`

// run dispatches a subcommand. It is main without the process: tests call
// it with their own writers and environment.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError{2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stderr, lookupEnv)
	case "demo":
		return cmdDemo(ctx, rest, stderr, lookupEnv)
	case "dev":
		return cmdDev(ctx, rest, stderr, lookupEnv)
	case "tools":
		return cmdTools(ctx, rest, stdout, stderr)
	case "validate":
		return cmdValidate(ctx, rest, stdout, stderr, lookupEnv)
	case "policy":
		return cmdPolicy(ctx, rest, stdout, stderr, lookupEnv)
	case "healthcheck":
		return cmdHealthcheck(ctx, rest, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "rest2mcp", buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "rest2mcp: unknown command %q\n\n%s", cmd, usage)
	return exitError{2}
}

// parseFlags parses a subcommand's flags: -h and --help print its usage
// and exit 0, other mistakes exit 2 (the flag package has printed why).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return exitError{0}
	}
	return exitError{2}
}

// newLogger builds the process logger: text for terminals, JSON for
// containers.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, got %q", format)
}
