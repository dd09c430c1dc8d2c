-- Migration 15: the event feed and idempotency keys (docs/integration.md).
--
-- events: every order change, booking, cancellation, plan publication, technician status and
-- order created or changed, written in the transaction of the change. `seq` is the feed's order:
-- a transaction takes its numbers from event_feed.last_seq as its last step before COMMIT (the
-- row stays locked until it commits), so numbers are given in commit order and a reader that
-- saw number n has seen every number below it. `data` is the event's JSON object.
CREATE TABLE events (
    seq      INTEGER PRIMARY KEY,
    id       TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
    type     TEXT NOT NULL CHECK (type LIKE 'fielddispatch.%'),
    subject  TEXT,
    time     INTEGER NOT NULL,
    data     TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object')
) STRICT;
CREATE INDEX events_by_time ON events (time);

-- One row: the last number given, and the last number pruned (events up to it are gone; a cursor
-- below it has missed events).
CREATE TABLE event_feed (
    one             INTEGER PRIMARY KEY CHECK (one = 1),
    last_seq        INTEGER NOT NULL DEFAULT 0,
    pruned_through  INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO event_feed (one) VALUES (1);

-- A POST or DELETE sent with an Idempotency-Key: held while the first request runs, then its
-- answer, replayed to a retry with the same key and body.
CREATE TABLE idempotency_keys (
    client        TEXT NOT NULL CHECK (length(client) > 0),
    key           TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint   TEXT NOT NULL CHECK (length(fingerprint) = 64),
    created_at    INTEGER NOT NULL,
    status        INTEGER,
    content_type  TEXT,
    body          TEXT,
    PRIMARY KEY (client, key)
) STRICT;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
