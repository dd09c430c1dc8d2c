-- Migration 15: the event feed and idempotency keys (docs/integration.md).
--
-- events: every order change, booking, cancellation, plan publication, technician status and
-- order created or changed, written in the transaction of the change. `seq` is the feed's order:
-- a transaction takes its numbers from event_feed.last_seq as its last step before COMMIT (the
-- row stays locked until it commits), so numbers are given in commit order and a reader that
-- saw number n has seen every number below it. `data` is the event's JSON object.
CREATE TABLE events (
    seq      bigint PRIMARY KEY,
    id       text NOT NULL UNIQUE CHECK (length(id) = 36),
    type     text NOT NULL CHECK (type LIKE 'fielddispatch.%'),
    subject  text,
    time     timestamptz NOT NULL,
    data     text NOT NULL CHECK (data::jsonb IS NOT NULL AND jsonb_typeof(data::jsonb) = 'object')
);
CREATE INDEX events_by_time ON events (time);

-- One row: the last number given, and the last number pruned (events up to it are gone; a cursor
-- below it has missed events).
CREATE TABLE event_feed (
    one             integer PRIMARY KEY CHECK (one = 1),
    last_seq        bigint NOT NULL DEFAULT 0,
    pruned_through  bigint NOT NULL DEFAULT 0
);
INSERT INTO event_feed (one) VALUES (1);

-- A POST or DELETE sent with an Idempotency-Key: held while the first request runs, then its
-- answer, replayed to a retry with the same key and body.
CREATE TABLE idempotency_keys (
    client        text NOT NULL CHECK (length(client) > 0),
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint   text NOT NULL CHECK (length(fingerprint) = 64),
    created_at    timestamptz NOT NULL,
    status        integer,
    content_type  text,
    body          text,
    PRIMARY KEY (client, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
