-- Migration 17: webhooks (docs/integration.md). An endpoint receives the feed's events from its
-- cursor on (the events of its types), each as one signed POST (Standard Webhooks); a delivery
-- row per event and endpoint is claimed with a lease, retried with back-off, and marked delivered
-- on a 2xx or given up after the last attempt (more than 24 hours later).
CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY CHECK (id LIKE 'ep_%'),
    client       TEXT NOT NULL CHECK (length(client) > 0),
    url          TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    types        TEXT NOT NULL DEFAULT '',
    secret       TEXT NOT NULL CHECK (secret LIKE 'whsec_%'),
    created_at   INTEGER NOT NULL,
    disabled_at  INTEGER,
    cursor       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE webhook_deliveries (
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_by       TEXT,
    claim_until      INTEGER,
    delivered_at     INTEGER,
    gave_up_at       INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    PRIMARY KEY (endpoint_id, seq)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
