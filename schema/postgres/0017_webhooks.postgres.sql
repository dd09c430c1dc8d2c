-- Migration 17: webhooks (docs/integration.md). An endpoint receives the feed's events from its
-- cursor on (the events of its types), each as one signed POST (Standard Webhooks); a delivery
-- row per event and endpoint is claimed with a lease, retried with back-off, and marked delivered
-- on a 2xx or given up after the last attempt (more than 24 hours later).
CREATE TABLE webhook_endpoints (
    id           text PRIMARY KEY CHECK (id LIKE 'ep\_%'),
    client       text NOT NULL CHECK (length(client) > 0),
    url          text NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    types        text NOT NULL DEFAULT '',
    secret       text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    created_at   timestamptz NOT NULL,
    disabled_at  timestamptz,
    cursor       bigint NOT NULL DEFAULT 0
);
CREATE TABLE webhook_deliveries (
    endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    seq              bigint NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    claimed_by       text,
    claim_until      timestamptz,
    delivered_at     timestamptz,
    gave_up_at       timestamptz,
    last_status      integer,
    last_error       text,
    PRIMARY KEY (endpoint_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
