# rest2mcp developer targets. `make test` is the one CI runs.
.PHONY: run demo test build vet fuzz bench

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
