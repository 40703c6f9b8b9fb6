#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs the Node
# packages the end-to-end tests drive (oidc-provider, the MCP TypeScript SDK,
# the MCP conformance suite, Node 22 for it, playwright-core) and Debian's
# Chromium for the browser test, starts PostgreSQL when it is
# installed but not running, then vets and tests the Go code
# twice: with the race detector (-short: heavy corpus tests skipped) and in
# full without it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null; then
  echo "test.sh: Go is required (https://go.dev/dl/)" >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "test.sh: Node.js and npm are required for the end-to-end tests; installing from Debian" >&2
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "== Chromium (the registry UI's browser test drives Debian's chromium with playwright-core)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "== npm ci (e2e/testdata)"
npm ci --prefix e2e/testdata --no-audit --no-fund --loglevel=error

echo "== PostgreSQL (store/postgres tests; they create and drop their own database)"
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 50); do pg_up && break; sleep 0.2; done
  else
    echo "test.sh: no PostgreSQL at 127.0.0.1:5432 and none installed: the PostgreSQL store tests skip (under CI they fail)" >&2
  fi
fi

echo "== go vet, staticcheck"
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test -race -short"
go test -race -short -count=1 -timeout 15m ./...

echo "== go test (full)"
go test -count=1 -timeout 20m ./...
