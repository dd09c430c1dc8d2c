-- Migration 14: integration clients (the order system, the call centre, an event consumer). A
-- client's token is an API token of kind 'client' for the client's name, carrying the scopes it
-- was issued with (a space-separated list: orders:read orders:write booking events:read); the
-- other kinds carry none. SQLite cannot change a CHECK: the table is made again with its rows.
CREATE TABLE api_tokens_new (
    id             TEXT PRIMARY KEY CHECK (length(id) = 16),
    kind           TEXT NOT NULL CHECK (kind IN ('technician', 'feed', 'dispatcher', 'client')),
    subject        TEXT NOT NULL CHECK (length(subject) > 0),
    secret_sha256  TEXT NOT NULL CHECK (length(secret_sha256) = 64),
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    scopes         TEXT NOT NULL DEFAULT '' CHECK (kind = 'client' OR scopes = '')
) STRICT;
INSERT INTO api_tokens_new (id, kind, subject, secret_sha256, created_at, revoked_at)
    SELECT id, kind, subject, secret_sha256, created_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE INDEX api_tokens_by_subject ON api_tokens (kind, subject);
