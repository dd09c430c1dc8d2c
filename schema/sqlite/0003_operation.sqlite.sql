-- Migration 3: the operation. Orders live across days; every state change, notice, complaint
-- and callback is stored. Instants are INTEGER seconds since the Unix epoch (UTC).

-- Why and when an absence was recorded (absences recorded by import have neither).
ALTER TABLE technician_absences ADD COLUMN reason TEXT;
ALTER TABLE technician_absences ADD COLUMN recorded_at INTEGER;

-- The repair deadline clock pauses while the customer was absent until the new appointment
-- starts: the deadline is reported_at + tier hours + deadline_paused_seconds.
ALTER TABLE orders ADD COLUMN deadline_paused_seconds INTEGER NOT NULL DEFAULT 0 CHECK (deadline_paused_seconds >= 0);
ALTER TABLE orders ADD COLUMN deadline_paused_since INTEGER;
-- When the current appointment window was agreed with the customer (NULL: it came with the import).
ALTER TABLE orders ADD COLUMN booked_at INTEGER;

-- Who published each plan version and why (plan, book, absence, delay, ...).
ALTER TABLE plans ADD COLUMN published_by TEXT;
ALTER TABLE plans ADD COLUMN cause TEXT;

-- Every workflow transition of an order.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL CHECK (length(actor) > 0),
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    reason      TEXT,
    side        TEXT CHECK (side IN ('company', 'customer')),
    details     TEXT CHECK (details IS NULL OR (json_valid(details) AND json_type(details) = 'object'))
) STRICT;
CREATE INDEX order_events_by_order ON order_events (order_id, id);

-- The transactional outbox: a notice is written in the transaction of the change that causes
-- it and delivered later; it is marked sent only after the receiver acknowledged it.
CREATE TABLE notices (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) > 0),
    kind             TEXT NOT NULL CHECK (kind IN ('confirmation', 'pre_arrival', 'rebooking', 'absence')),
    order_id         TEXT NOT NULL REFERENCES orders (id),
    technician_id    TEXT REFERENCES technicians (id),
    planned_start    INTEGER,
    due_at           INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    body             TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'),
    sent_at          INTEGER,
    cancelled_at     INTEGER,
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error       TEXT,
    CHECK (sent_at IS NULL OR cancelled_at IS NULL)
) STRICT;
CREATE INDEX notices_pending ON notices (due_at, id) WHERE sent_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX notices_by_order ON notices (order_id);

CREATE TABLE complaints (
    id        INTEGER PRIMARY KEY,
    order_id  TEXT NOT NULL REFERENCES orders (id),
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    text      TEXT NOT NULL CHECK (length(text) > 0)
) STRICT;

-- Callback tasks of the in-house callback desk (Art. 50-55, 60).
CREATE TABLE callbacks (
    id            INTEGER PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders (id),
    cause         TEXT NOT NULL CHECK (cause IN ('completion', 'complaint', 'follow_up')),
    complaint_id  INTEGER REFERENCES complaints (id),
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    channel       TEXT NOT NULL CHECK (channel IN ('automatic', 'manual')),
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    answer        TEXT CHECK (answer IN ('very_satisfied', 'satisfied', 'dissatisfied')),
    reason        TEXT,
    answered_at   INTEGER,
    answered_by   TEXT,
    CHECK ((answer IS NULL) = (answered_at IS NULL)),
    CHECK (answer IS NOT 'dissatisfied' OR reason IS NOT NULL),
    CHECK (due_at >= created_at)
) STRICT;
CREATE INDEX callbacks_open ON callbacks (due_at, id) WHERE answer IS NULL;
