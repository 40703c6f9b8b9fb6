package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// fakeGatewayEnv makes the test binary act as a gateway: it then runs
// fakeGateway instead of the tests, so that the process-level parts of the
// harness (start, readiness, cold start, memory, call runs) are tested
// without the real rest2mcp binary.
const fakeGatewayEnv = "BENCH_FAKE_GATEWAY"

func TestMain(m *testing.M) {
	if os.Getenv(fakeGatewayEnv) == "1" {
		if err := fakeGateway(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "fake gateway:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeGateway implements `serve --spec --upstream --name --listen` with
// an mcp-go server whose getPet calls {upstream}/pets/{petId}. It reads the
// spec file so that a missing spec fails the start, like the real one.
func fakeGateway(args []string) error {
	if len(args) == 0 || args[0] != "serve" {
		return fmt.Errorf("want the serve subcommand, got %q", args)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	spec := fs.String("spec", "", "")
	upstream := fs.String("upstream", "", "")
	name := fs.String("name", "", "")
	listen := fs.String("listen", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if _, err := os.ReadFile(*spec); err != nil {
		return err
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp/"+*name, newMCPHandler(*upstream))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// fakeGatewayBinary returns the test binary and the environment that makes
// it a fake gateway.
func fakeGatewayBinary(t *testing.T) (string, []string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("find test binary: %v", err)
	}
	return exe, []string{fakeGatewayEnv + "=1"}
}
