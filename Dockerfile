# syntax=docker/dockerfile:1
# Multi-stage build: a static binary on a distroless, non-root runtime.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# -tags nodev leaves out `rest2mcp dev` (loopback only, useless in a container) and
# the ~15 MB its authorization server library brings.
RUN CGO_ENABLED=0 go build -trimpath -tags nodev -ldflags "-s -w -X main.version=${VERSION}" -o /out/rest2mcp ./cmd/rest2mcp

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rest2mcp /rest2mcp
USER nonroot:nonroot
EXPOSE 8080
ENV REST2MCP_LISTEN=0.0.0.0:8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["/rest2mcp", "healthcheck"]
ENTRYPOINT ["/rest2mcp"]
CMD ["serve", "--config", "/etc/rest2mcp/rest2mcp.yaml"]
