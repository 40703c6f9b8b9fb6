# syntax=docker/dockerfile:1
# Multi-stage build: a static binary on a distroless, non-root runtime.
#
# Paths in the image (deploy/helm/rest2mcp uses the same ones):
#   /etc/rest2mcp/rest2mcp.yaml  the configuration; mount it read-only with the spec files it names
#   /var/lib/rest2mcp            data directory of the SQLite registry (--data-dir); a volume owned by
#                                the runtime user, so mount a persistent one there
#   /var/cache/rest2mcp          compiled-spec cache (REST2MCP_CACHE_DIR); may be lost at any time
# The process runs as UID/GID 65532 (distroless "nonroot") and needs no other writable path, so
# the container can run with a read-only root filesystem.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# .dockerignore keeps .git, node_modules, tests and docs out of this copy.
COPY . .
ARG VERSION=dev
# -tags nodev leaves out `rest2mcp dev` (loopback only, useless in a container) and
# the ~15 MB its authorization server library brings.
RUN CGO_ENABLED=0 go build -trimpath -tags nodev -ldflags "-s -w -X main.version=${VERSION}" -o /out/rest2mcp ./cmd/rest2mcp
RUN mkdir -p /out/data /out/cache

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rest2mcp /rest2mcp
COPY --from=build --chown=65532:65532 /out/data /var/lib/rest2mcp
COPY --from=build --chown=65532:65532 /out/cache /var/cache/rest2mcp
USER 65532:65532
VOLUME /var/lib/rest2mcp
EXPOSE 8080
ENV REST2MCP_LISTEN=0.0.0.0:8080 \
    REST2MCP_CACHE_DIR=/var/cache/rest2mcp
HEALTHCHECK --interval=30s --timeout=5s CMD ["/rest2mcp", "healthcheck"]
ENTRYPOINT ["/rest2mcp"]
CMD ["serve", "--config", "/etc/rest2mcp/rest2mcp.yaml", "--data-dir", "/var/lib/rest2mcp"]
