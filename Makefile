# rest2mcp developer targets. `make test` is the one CI runs.
.PHONY: run demo test build vet fuzz bench soak

run demo:
	go run ./cmd/rest2mcp demo

build:
	CGO_ENABLED=0 go build -trimpath -o bin/rest2mcp ./cmd/rest2mcp

test:
	./scripts/test.sh

vet:
	gofmt -l . | (! grep .) && go vet ./...

bench:
	go run ./bench/cmd/loadgen

# soak: two JWT-protected replicas under c=64 round-robin load (not in CI).
# SOAK_DURATION=1m make soak for a short run.
SOAK_DURATION ?= 10m
soak:
	go run ./bench/cmd/soak --duration $(SOAK_DURATION) --concurrency 64 --replicas 2
