//go:build !nodev

package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/internal/devauth"
	"github.com/rest2mcp/rest2mcp/internal/ssrf"
)

// devClientID is the gateway's own client at the development
// authorization server, for upstreamAuth tokenExchange without a clientID.
const devClientID = "rest2mcp-gateway"

type devFlags struct {
	serveFlags
	yes     bool
	as      string
	users   multiFlag
	dataDir string
}

// cmdDev serves the APIs protected by the embedded development
// authorization server, on loopback only.
func cmdDev(ctx context.Context, args []string, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: rest2mcp dev [--spec PATH|URL [--upstream URL] [--name API]] [--listen 127.0.0.1:PORT] [--yes] [--user NAME=SCOPE,SCOPE]...
                   [--include-tag T] [--include-operation ID] [--include-path GLOB] [--exclude-method M] [--mode discovery] [--toolsets auto]
       rest2mcp dev --config FILE [--listen 127.0.0.1:PORT] [--yes] [--user ...]

Without --spec or --config, serves the example Petstore against the built-in demo upstream.

Serves the API(s) PROTECTED by an embedded development authorization server on
the same loopback listener (issuer <base>/dev-as): OAuth metadata, client
registration, a consent page with simulated users, JWT access tokens. For
trying the protected flow in VS Code or scripts; never for production.

`)
		fs.PrintDefaults()
	}
	var f devFlags
	fs.StringVar(&f.config, "config", "", "configuration file (YAML); auth issuers are replaced by the development authorization server")
	fs.StringVar(&f.spec, "spec", "", "OpenAPI document (path or URL)")
	fs.StringVar(&f.name, "name", "", "API name (endpoint /mcp/<name>); default: a slug of the spec title")
	fs.StringVar(&f.upstream, "upstream", "", "upstream base URL (overrides the spec's servers)")
	fs.StringVar(&f.listen, "listen", config.DefaultListen, "loopback listen address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT; port 0 picks one)")
	fs.BoolVar(&f.yes, "yes", false, "sign in and consent automatically, by redirects alone (scripts and tests)")
	fs.StringVar(&f.as, "as", devauth.DefaultUser, "the user --yes signs in as")
	fs.Var(&f.users, "user", "simulated user NAME=SCOPE,SCOPE who may only ever get those scopes (repeatable); user \""+devauth.DefaultUser+"\" may get every scope")
	fs.StringVar(&f.dataDir, "data-dir", "", `directory keeping the signing key and registered clients across restarts (default: the user cache directory, per port; "off": forget them on exit)`)
	fs.StringVar(&f.cacheDir, "cache-dir", "", `directory for compiled specs (default: the user cache directory; "off" disables)`)
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "text or json")
	f.registerShape(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rest2mcp dev: unexpected argument %q (did you mean --spec %s?)\n", fs.Arg(0), fs.Arg(0))
		return exitError{2}
	}
	users, err := parseDevUsers(f.users)
	if err != nil {
		return err
	}
	listen, err := loopbackListen(f.listen)
	if err != nil {
		return err
	}
	f.listen = listen
	if f.spec == "" && f.config == "" {
		// Nothing given: the example Petstore against the demo upstream.
		demo, err := startDemoPetstore()
		if err != nil {
			return err
		}
		defer demo.close()
		f.spec, f.upstream, f.name = demo.spec, demo.upstream, "petstore"
	}
	cfg, err := f.buildConfig(ctx, lookupEnv)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, f.logLevel, f.logFormat)
	if err != nil {
		return err
	}
	// publicURL of a config file is ignored: everything is served on the
	// loopback listener.
	cfg.Listen, cfg.PublicURL = listen, "http://"+listen
	if cfg.MetricsListen != "" {
		if _, err := loopbackListen(cfg.MetricsListen); err != nil {
			return fmt.Errorf("metricsListen: %w", err)
		}
	}
	issuer := cfg.PublicURL + devauth.Path

	var g *gateway.Gateway
	opts := devauth.Options{
		Issuer:                 issuer,
		Users:                  users,
		AutoConsent:            f.yes,
		AutoUser:               f.as,
		AllowLoopbackClientIDs: true,
		Logger:                 log,
		Resources:              func() []devauth.Resource { return devResources(g) },
	}
	switch f.dataDir {
	case config.CacheOff:
	case "":
		// The default is best effort: without a writable cache directory
		// the key and clients last until exit.
		if dir, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(dir, "rest2mcp", "dev", portOf(listen))
			if err := os.MkdirAll(dir, 0o700); err == nil {
				opts.DataDir = dir
			} else {
				log.Warn("signing key and registered clients will not survive a restart", "err", err)
			}
		}
	default:
		opts.DataDir = f.dataDir
	}
	clients, err := protectWithDevAS(cfg, issuer, lookupEnv)
	if err != nil {
		return err
	}
	opts.Clients = clients
	das, err := devauth.New(opts)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	g, err = gateway.New(ctx, gateway.Options{
		Config:    cfg,
		Logger:    log,
		LookupEnv: lookupEnv,
		Version:   version,
		// The gateway fetches the development server's keys in process:
		// its listener does not accept connections yet.
		OutboundClient: &http.Client{Timeout: 30 * time.Second, Transport: das.Transport(ssrf.Policy{}.Transport())},
		Routes:         das.Routes(),
	})
	if err != nil {
		return err
	}
	warnAPIs(log, cfg, g.APIs())
	banner := func(net.Addr) { devBanner(stderr, g, das, users, f) }
	go reloadOnHangup(ctx, g, log)
	if err := g.Run(ctx, banner); err != nil {
		if strings.Contains(err.Error(), "address already in use") {
			return fmt.Errorf("%w (another process uses %s; pick another with --listen 127.0.0.1:PORT)", err, listen)
		}
		return err
	}
	return nil
}

// loopbackListen refuses non-loopback addresses and resolves port 0 to a
// free port (the issuer and resource URLs need the real one).
func loopbackListen(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--listen %q: %w", addr, err)
	}
	cfg := config.Config{Listen: addr}
	if !cfg.ListenIsLoopback() {
		return "", fmt.Errorf("rest2mcp dev refuses to listen on %q: the development authorization server signs in anyone without a password, so it only listens on loopback (127.0.0.1, [::1] or localhost); use rest2mcp serve with a real identity provider to serve other machines", addr)
	}
	if port != "0" {
		return addr, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("--listen %q: %w", addr, err)
	}
	defer ln.Close()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return net.JoinHostPort(host, port), nil
}

// portOf returns the port of host:port.
func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// parseDevUsers reads --user NAME=SCOPE,SCOPE flags.
func parseDevUsers(flags []string) ([]devauth.User, error) {
	var out []devauth.User
	for _, v := range flags {
		name, scopes, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("--user %q: want NAME=SCOPE,SCOPE (NAME= for a user without any scope)", v)
		}
		if name == devauth.DefaultUser {
			return nil, fmt.Errorf("--user %q: %q is the built-in user who may get every scope; pick another name", v, name)
		}
		u := devauth.User{Name: name, Scopes: []string{}}
		for s := range strings.SplitSeq(scopes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				u.Scopes = append(u.Scopes, s)
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// protectWithDevAS makes every API trust the development issuer (and only
// it), and points tokenExchange upstream credentials at its token endpoint.
// It returns the confidential clients the server must know.
func protectWithDevAS(cfg *config.Config, issuer string, lookupEnv func(string) (string, bool)) ([]devauth.Client, error) {
	tokenURL := issuer + "/token"
	var clients []devauth.Client
	byID := map[string]int{}
	for i := range cfg.APIs {
		a := &cfg.APIs[i]
		if a.Auth == nil {
			a.Auth = &authbridge.Config{}
		}
		a.Auth.Issuers = []authbridge.IssuerConfig{{Issuer: issuer, JWKSURL: issuer + "/jwks", RequireTyp: true}}
		ups := []*authbridge.UpstreamAuthConfig{a.UpstreamAuth}
		for _, op := range a.OperationUpstreamAuth {
			ups = append(ups, op)
		}
		for _, u := range ups {
			if u == nil || u.Type != authbridge.UpstreamAuthTokenExchange || (u.TokenURL != "" && u.TokenURL != tokenURL) {
				continue
			}
			u.TokenURL = tokenURL
			c := devauth.Client{ID: u.ClientID}
			if c.ID == "" {
				c.ID = devClientID
				u.ClientID = devClientID
				if u.ClientSecret == nil {
					u.ClientSecret = &authbridge.Secret{Value: rand.Text()}
				}
			}
			if u.ClientSecret == nil {
				return nil, fmt.Errorf("api %s: upstreamAuth tokenExchange client %s needs a clientSecret", a.Name, c.ID)
			}
			secret, err := u.ClientSecret.Resolve(lookupEnv)
			if err != nil {
				return nil, fmt.Errorf("api %s: upstreamAuth.clientSecret: %w", a.Name, err)
			}
			c.Secret = secret
			for _, aud := range []string{u.Audience, u.Resource} {
				if aud != "" {
					c.Audiences = append(c.Audiences, aud)
				}
			}
			if j, ok := byID[c.ID]; ok {
				if clients[j].Secret != c.Secret {
					return nil, fmt.Errorf("api %s: token exchange client %s is configured with two different secrets", a.Name, c.ID)
				}
				clients[j].Audiences = append(clients[j].Audiences, c.Audiences...)
				continue
			}
			byID[c.ID] = len(clients)
			clients = append(clients, c)
		}
	}
	return clients, nil
}

// devResources describes the served APIs for the consent page: each scope
// with the tools whose policy requirement names it.
func devResources(g *gateway.Gateway) []devauth.Resource {
	if g == nil {
		return nil
	}
	var out []devauth.Resource
	for _, a := range g.APIs() {
		tools := map[string][]string{}
		for _, s := range a.Scopes() {
			tools[s] = nil
		}
		if set := a.Policy(); set != nil {
			for _, t := range set.Tools() {
				for _, alt := range set.Requirements(t) {
					for _, s := range alt {
						if !slices.Contains(tools[s], t) {
							tools[s] = append(tools[s], t)
						}
					}
				}
			}
		}
		r := devauth.Resource{URL: a.ResourceURL(), Name: a.Name()}
		for _, s := range slices.Sorted(maps.Keys(tools)) {
			r.Scopes = append(r.Scopes, devauth.Scope{Name: s, Tools: tools[s]})
		}
		out = append(out, r)
	}
	return out
}

// vscodeInstallLink is VS Code's install link for a remote MCP server.
func vscodeInstallLink(name, endpoint string) string {
	b, _ := json.Marshal(map[string]string{"name": name, "type": "http", "url": endpoint})
	return "vscode:mcp/install?" + url.QueryEscape(string(b))
}

func devBanner(w io.Writer, g *gateway.Gateway, das *devauth.Server, users []devauth.User, f devFlags) {
	fmt.Fprintf(w, "\nrest2mcp dev: PROTECTED by a DEVELOPMENT authorization server (loopback only; never for production)\n")
	fmt.Fprintf(w, "  authorization server: %s (metadata %s)\n", das.Issuer(), das.MetadataURL())
	who := "user " + devauth.DefaultUser + " (every scope)"
	for _, u := range users {
		who += fmt.Sprintf(", %s (%s)", u.Name, orNone(u.Scopes))
	}
	fmt.Fprintf(w, "  simulated users:      %s\n", who)
	if f.yes {
		fmt.Fprintf(w, "  --yes: every authorization signs in as %s and consents automatically\n", f.as)
	} else {
		fmt.Fprintf(w, "  sign-in:              a consent page in your browser lists each scope and the tools it unlocks\n")
	}
	for _, a := range g.APIs() {
		u := a.ResourceURL()
		fmt.Fprintf(w, "\n  %s: %d tools at %s\n", a.Name(), len(a.Tools()), u)
		fmt.Fprintf(w, "    Install in VS Code: %s\n", vscodeInstallLink(a.Name(), u))
		fmt.Fprintf(w, "    see the 401 challenge: curl -si -X POST %s | grep -i -e '^HTTP/' -e '^www-authenticate'\n", u)
	}
	fmt.Fprintln(w)
}

func orNone(scopes []string) string {
	if len(scopes) == 0 {
		return "no scope"
	}
	return strings.Join(scopes, ", ")
}
