package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/rest2mcp/rest2mcp/authbridge"
	"github.com/rest2mcp/rest2mcp/gateway"
	"github.com/rest2mcp/rest2mcp/gateway/config"
	"github.com/rest2mcp/rest2mcp/store"
	"github.com/rest2mcp/rest2mcp/store/postgres"
	"github.com/rest2mcp/rest2mcp/store/sqlite"
)

// registryFlags choose the registry's store.
type registryFlags struct {
	dataDir, store, adminTokenFile string
	// adminTokenValue is --admin-token (visible in ps: prefer the file or
	// the environment); adminListen is --admin-listen.
	adminTokenValue, adminListen string
}

func (f *registryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "", "keep the registry (uploaded APIs) in a SQLite database in this directory")
	fs.StringVar(&f.store, "store", "", "registry store: postgres://… (several replicas) or a SQLite file path; also REST2MCP_STORE or store: in the config")
	fs.StringVar(&f.adminTokenFile, "admin-token-file", "", "file holding the registry admin API's bearer token (or REST2MCP_ADMIN_TOKEN); required away from loopback without OIDC sign-in")
	fs.StringVar(&f.adminTokenValue, "admin-token", "", "the registry admin API's bearer token (shows in ps: prefer --admin-token-file or REST2MCP_ADMIN_TOKEN)")
	fs.StringVar(&f.adminListen, "admin-listen", "", "separate address for the registry UI and admin API, e.g. 127.0.0.1:8081 (the main listener then does not serve them)")
}

// registryFile is the SQLite file name in a data directory.
const registryFile = "registry.db"

// resolveStore sets cfg.Store from the flags and the environment
// (precedence: --store, --data-dir, REST2MCP_STORE, the config file). With
// none of them and neither --config nor --spec, the registry lives in the
// user data directory, so that "rest2mcp serve" alone gives a registry
// with its UI on loopback.
func (f *registryFlags) resolveStore(cfg *config.Config, zeroConfig bool, lookupEnv func(string) (string, bool)) error {
	if f.adminListen != "" {
		cfg.AdminListen = f.adminListen
	}
	switch {
	case f.store != "" && f.dataDir != "":
		return errors.New("use either --store or --data-dir, not both")
	case f.store != "":
		cfg.Store = f.store
	case f.dataDir != "":
		cfg.Store = filepath.Join(f.dataDir, registryFile)
	default:
		if v, ok := lookupEnv("REST2MCP_STORE"); ok && v != "" {
			cfg.Store = v
		}
	}
	if cfg.Store == "" && zeroConfig {
		dir, err := userDataDir(lookupEnv)
		if err != nil {
			return fmt.Errorf("registry: %w (give --data-dir DIR, or serve --config FILE or --spec PATH|URL)", err)
		}
		cfg.Store = filepath.Join(dir, registryFile)
	}
	return nil
}

// userDataDir is where rest2mcp keeps data by default:
// $XDG_DATA_HOME/rest2mcp, ~/.local/share/rest2mcp on Linux and the BSDs,
// and the user configuration directory elsewhere (macOS: ~/Library/
// Application Support, Windows: %AppData%).
func userDataDir(lookupEnv func(string) (string, bool)) (string, error) {
	if v, ok := lookupEnv("XDG_DATA_HOME"); ok && filepath.IsAbs(v) {
		return filepath.Join(v, "rest2mcp"), nil
	}
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		home, ok := lookupEnv("HOME")
		if !ok || home == "" {
			return "", errors.New("no home directory for the user data directory")
		}
		return filepath.Join(home, ".local", "share", "rest2mcp"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "rest2mcp"), nil
}

// isPostgres reports whether a store setting names a PostgreSQL database.
func isPostgres(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// openStore opens the registry store cfg.Store names (nil when none).
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	switch {
	case cfg.Store == "":
		return nil, nil
	case isPostgres(cfg.Store):
		s, err := postgres.Open(ctx, cfg.Store, nil)
		if err != nil {
			return nil, fmt.Errorf("open registry store: %w", err)
		}
		return s, nil
	case strings.Contains(cfg.Store, "://"):
		return nil, fmt.Errorf("registry store %q: want postgres://… or a SQLite file path", redactDSN(cfg.Store))
	}
	s, err := sqlite.Open(ctx, cfg.Store, nil)
	if err != nil {
		return nil, fmt.Errorf("open registry store: %w", err)
	}
	return s, nil
}

// redactDSN hides a password in a store URL for messages.
func redactDSN(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.IndexByte(s[i+3:], '@'); j >= 0 {
			return s[:i+3] + "…@" + s[i+3+j+1:]
		}
	}
	return s
}

// registryOptions opens the store of cfg and returns the gateway's
// registry options (nil without a store) and the store's closer. The
// --issuer and --audience flags protect the stored APIs.
func registryOptions(ctx context.Context, cfg *config.Config, f serveFlags, lookupEnv func(string) (string, bool)) (*gateway.RegistryOptions, func(), error) {
	if cfg.Store == "" {
		return nil, func() {}, nil
	}
	token, err := adminToken(f.registry.adminTokenFile, f.registry.adminTokenValue, lookupEnv)
	if err != nil {
		return nil, func() {}, err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, func() {}, err
	}
	o := &gateway.RegistryOptions{Store: st, AdminToken: token, Seed: f.seed}
	if len(f.issuers) > 0 {
		o.Auth = &authbridge.Config{}
		for _, iss := range f.issuers {
			o.Auth.Issuers = append(o.Auth.Issuers, authbridge.IssuerConfig{Issuer: iss, Audiences: f.audiences})
		}
	}
	return o, func() { st.Close() }, nil
}

// adminToken reads the admin token from --admin-token-file, --admin-token
// (value) or REST2MCP_ADMIN_TOKEN ("" for none). Tokens shorter than 16
// characters are refused: they guard every registry change.
func adminToken(file, value string, lookupEnv func(string) (string, bool)) (string, error) {
	var tok string
	switch {
	case file != "" && value != "":
		return "", errors.New("admin token: use either --admin-token-file or --admin-token, not both")
	case value != "":
		tok = strings.TrimSpace(value)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("admin token: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	case lookupEnv != nil:
		if v, ok := lookupEnv("REST2MCP_ADMIN_TOKEN"); ok {
			tok = strings.TrimSpace(v)
		}
	}
	if tok != "" && len(tok) < 16 {
		return "", errors.New("admin token: use at least 16 characters (e.g. openssl rand -hex 32)")
	}
	return tok, nil
}
