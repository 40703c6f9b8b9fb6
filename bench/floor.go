package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// The floor comparison.
//
// The floor relay (bench/cmd/floorrelay) is the cheapest MCP relay one
// can write on net/http: decode the body once, one upstream GET, wrap the
// body in a result. Every gateway figure is reported as a ratio to the
// floor measured in the same run, on the same upstream, with rounds
// interleaved (the order of the targets rotates every round), so that the
// machine's other load affects all targets alike.

// FloorBenchOptions configures [RunFloorBench].
type FloorBenchOptions struct {
	// Binary is the rest2mcp executable and FloorBinary the floor relay's.
	// Both are required.
	Binary, FloorBinary string
	// Spec is the Petstore document. Required.
	Spec string
	// Eras to measure; empty means modern and legacy.
	Eras []Era
	// Concurrency lists the worker counts; empty means 1 and 64.
	Concurrency []int
	// Load bounds every run (its Concurrency is ignored).
	Load LoadOptions
	// Rounds per era and concurrency; zero means 3.
	Rounds int
	// Env is added to the gateways' environment.
	Env []string
	// Logger receives progress. Nil discards.
	Logger *slog.Logger
}

// FloorTarget names a measured endpoint.
type FloorTarget string

// The targets of [RunFloorBench].
const (
	TargetFloor     FloorTarget = "floor"
	TargetOpen      FloorTarget = "open"
	TargetProtected FloorTarget = "protected"
)

// FloorResult is one era and concurrency.
type FloorResult struct {
	Era         string `json:"era"`
	Concurrency int    `json:"concurrency"`
	// Summaries are medians over rounds, per target.
	Summaries map[FloorTarget]Summary `json:"summaries"`
	// P50Ratio and ThroughputRatio are per gateway target, medians of the
	// per-round ratios to the floor.
	P50Ratio        map[FloorTarget]float64 `json:"p50_ratio"`
	ThroughputRatio map[FloorTarget]float64 `json:"throughput_ratio"`
	// CPUPerCallUs is each process's CPU time per call (median over
	// rounds), in microseconds.
	CPUPerCallUs map[FloorTarget]float64 `json:"cpu_per_call_us"`
	Rounds       int                     `json:"rounds"`
}

type floorTarget struct {
	name FloorTarget
	op   Op
	pid  int
}

// RunFloorBench starts the demo upstream in-process, a JWT issuer
// in-process, the floor relay, an open gateway and a protected gateway,
// and measures tools/call getPet on each.
func RunFloorBench(ctx context.Context, opts FloorBenchOptions) ([]FloorResult, error) {
	o := opts
	if len(o.Eras) == 0 {
		o.Eras = []Era{EraModern, EraLegacy}
	}
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1, 64}
	}
	if o.Rounds == 0 {
		o.Rounds = 3
	}
	logger := orDiscard(o.Logger)
	maxConc := max(1, slices.Max(o.Concurrency))
	upstream, iss, stopServers, err := startUpstreamAndIssuer()
	if err != nil {
		return nil, err
	}
	defer stopServers()

	var procs []*Gateway
	defer func() {
		for _, p := range procs {
			_ = p.Stop(5 * time.Second)
		}
	}()
	start := func(gopts GatewayOptions) (*Gateway, error) {
		p, err := StartGateway(ctx, gopts)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
		return p, nil
	}
	floor, err := start(GatewayOptions{Binary: o.FloorBinary, Argv: []string{"--listen", "{addr}", "--upstream", upstream + "/v1"}})
	if err != nil {
		return nil, err
	}
	open, err := start(GatewayOptions{Binary: o.Binary, Spec: o.Spec, Upstream: upstream + "/v1", Env: o.Env})
	if err != nil {
		return nil, err
	}
	port, base, cfgFile, err := iss.protectedConfig(o.Spec, upstream+"/v1")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(filepath.Dir(cfgFile))
	protected, err := start(GatewayOptions{Binary: o.Binary, Config: cfgFile, Port: port, Env: o.Env})
	if err != nil {
		return nil, err
	}
	token, err := iss.mint(base+"/mcp/bench", "pets:read pets:write")
	if err != nil {
		return nil, err
	}

	var results []FloorResult
	for _, era := range o.Eras {
		var targets []floorTarget
		for _, p := range []struct {
			name FloorTarget
			g    *Gateway
			hdr  http.Header
		}{
			{TargetFloor, floor, nil},
			{TargetOpen, open, nil},
			{TargetProtected, protected, http.Header{"Authorization": {"Bearer " + token}}},
		} {
			c := NewClient(p.g.Endpoint, &ClientOptions{HTTPClient: NewHTTPClient(maxConc), Era: era, Header: p.hdr})
			call, err := c.NewToolCall(benchTool, map[string]any{"petId": 1})
			if err != nil {
				return nil, err
			}
			if err := waitReady(ctx, p.g, c, call); err != nil {
				return nil, fmt.Errorf("%s: %w\noutput:\n%s", p.name, err, p.g.Output())
			}
			targets = append(targets, floorTarget{name: p.name, pid: p.g.PID(), op: func(ctx context.Context) error {
				_, err := c.Call(ctx, call)
				return err
			}})
		}
		for _, conc := range o.Concurrency {
			res, err := measureFloor(ctx, logger, o.Load, era, conc, o.Rounds, targets)
			if err != nil {
				return nil, err
			}
			results = append(results, *res)
		}
	}
	return results, nil
}

// measureFloor runs rounds of every target, rotating their order.
func measureFloor(ctx context.Context, logger *slog.Logger, load LoadOptions, era Era, conc, rounds int, targets []floorTarget) (*FloorResult, error) {
	m := measurer{load: load, logger: logger}
	sums := map[FloorTarget][]Summary{}
	p50s, thrs, cpus := map[FloorTarget][]float64{}, map[FloorTarget][]float64{}, map[FloorTarget][]float64{}
	for r := range rounds {
		round := map[FloorTarget]Summary{}
		for i := range targets {
			t := targets[(i+r)%len(targets)]
			m.pid = t.pid
			m.gateway = t.op
			s, cpu, err := m.runGateway(ctx, conc)
			if err != nil {
				return nil, fmt.Errorf("%s, %s era: %w", t.name, era, err)
			}
			round[t.name] = s
			sums[t.name] = append(sums[t.name], s)
			cpus[t.name] = append(cpus[t.name], ratio(float64(cpu.Microseconds()), float64(s.Requests-s.Errors)))
		}
		f := round[TargetFloor]
		for name, s := range round {
			p50s[name] = append(p50s[name], ratio(float64(s.P50), float64(f.P50)))
			thrs[name] = append(thrs[name], ratio(s.Throughput, f.Throughput))
		}
	}
	res := &FloorResult{Era: era.String(), Concurrency: conc, Rounds: rounds,
		Summaries: map[FloorTarget]Summary{}, P50Ratio: map[FloorTarget]float64{},
		ThroughputRatio: map[FloorTarget]float64{}, CPUPerCallUs: map[FloorTarget]float64{}}
	for name := range sums {
		res.Summaries[name] = medianSummary(sums[name])
		res.P50Ratio[name] = medianFloat(p50s[name])
		res.ThroughputRatio[name] = medianFloat(thrs[name])
		res.CPUPerCallUs[name] = medianFloat(cpus[name])
	}
	return res, nil
}

// issuer is a minimal JWT issuer for the protected gateway: one RSA key
// published as a JWKS.
type issuer struct {
	key  *rsa.PrivateKey
	url  string
	srv  *http.Server
	done chan struct{}
}

// mustKey returns a fresh RSA key (for forged tokens).
func mustKey() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
}

// startUpstreamAndIssuer starts the demo upstream and a JWT issuer, both
// in-process; stop ends the issuer, then the upstream.
func startUpstreamAndIssuer() (upstream string, iss *issuer, stop func(), err error) {
	upstream, stopUpstream, err := startUpstream()
	if err != nil {
		return "", nil, nil, err
	}
	iss, err = startIssuer()
	if err != nil {
		stopUpstream()
		return "", nil, nil, err
	}
	return upstream, iss, func() { iss.stop(); stopUpstream() }, nil
}

// orDiscard returns l, or a logger that discards everything when l is nil.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func startIssuer() (*issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("issuer key: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for issuer: %w", err)
	}
	is := &issuer{key: key, url: "http://" + l.Addr().String(), done: make(chan struct{})}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "bench", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	is.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(is.done)
		_ = is.srv.Serve(l)
	}()
	return is, nil
}

func (is *issuer) stop() {
	_ = is.srv.Close()
	<-is.done
}

// protectedConfig picks a free port and writes, into a new temporary
// directory (the caller removes it), the configuration of a gateway on
// that port serving spec, calling upstream, protected by is. It returns
// the port, the gateway's base URL and the configuration file.
func (is *issuer) protectedConfig(spec, upstream string) (port int, base, file string, err error) {
	if port, err = FreePort(); err != nil {
		return 0, "", "", err
	}
	base = "http://127.0.0.1:" + strconv.Itoa(port)
	file, err = is.writeConfig(base, spec, upstream)
	return port, base, file, err
}

// writeConfig writes the protected gateway's configuration.
func (is *issuer) writeConfig(base, spec, upstream string) (string, error) {
	dir, err := os.MkdirTemp("", "floorbench-")
	if err != nil {
		return "", err
	}
	cfg := map[string]any{
		"listen":    base[len("http://"):],
		"publicURL": base,
		"cacheDir":  "off",
		"apis": []any{map[string]any{
			"name": "bench", "spec": spec, "upstream": upstream,
			"auth": map[string]any{"issuers": []any{map[string]any{"issuer": is.url, "jwksURL": is.url + "/jwks"}}},
		}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, "rest2mcp.yaml")
	return file, os.WriteFile(file, b, 0o600)
}

// mint signs an RS256 access token for audience with the given scopes,
// valid for an hour.
func (is *issuer) mint(audience, scope string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: is.key, KeyID: "bench"}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims, err := json.Marshal(map[string]any{
		"iss": is.url, "aud": audience, "sub": "bench-user", "client_id": "bench",
		"scope": scope, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		return "", errors.Join(errors.New("serialize token"), err)
	}
	return tok, nil
}
