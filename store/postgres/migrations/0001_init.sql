-- The registry's schema (PostgreSQL). Specs and compiled forms are stored once
-- per content (blobs, keyed by SHA-256); each version refers to them.
CREATE TABLE blobs (
  digest TEXT PRIMARY KEY,
  data   BYTEA NOT NULL
);
CREATE TABLE apis (
  name    TEXT PRIMARY KEY,
  version BIGINT NOT NULL
);
CREATE TABLE api_versions (
  name            TEXT    NOT NULL,
  version         BIGINT NOT NULL,
  created_at_us   BIGINT NOT NULL,
  message         TEXT    NOT NULL,
  spec_digest     TEXT    NOT NULL REFERENCES blobs (digest),
  source_kind     TEXT    NOT NULL,
  source_location TEXT    NOT NULL,
  settings        TEXT    NOT NULL,
  policy          BYTEA,
  operations      TEXT    NOT NULL,
  upstream_auth   TEXT    NOT NULL,
  tool_names      TEXT    NOT NULL,
  tools           BIGINT NOT NULL,
  compiled_digest TEXT    NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE INDEX api_versions_spec ON api_versions (spec_digest);
CREATE INDEX api_versions_compiled ON api_versions (compiled_digest);
-- The change feed: one row per committed change, seq without gaps.
CREATE TABLE changes (
  seq     BIGINT PRIMARY KEY,
  kind    TEXT    NOT NULL,
  name    TEXT    NOT NULL,
  version BIGINT NOT NULL
);
