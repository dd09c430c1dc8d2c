-- Migration 4: the technicians' API. Bearer tokens are stored only as the SHA-256 of their
-- secret part; the token's public id finds the row, the secret is compared in constant time.

CREATE TABLE api_tokens (
    id             TEXT PRIMARY KEY CHECK (length(id) = 16),
    kind           TEXT NOT NULL CHECK (kind IN ('technician', 'feed', 'dispatcher')),
    subject        TEXT NOT NULL CHECK (length(subject) > 0),
    secret_sha256  TEXT NOT NULL CHECK (length(secret_sha256) = 64),
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
) STRICT;
CREATE INDEX api_tokens_by_subject ON api_tokens (kind, subject);

-- What the dispatcher tells the technician about an order (an optional scenario key).
ALTER TABLE orders ADD COLUMN notes TEXT;
