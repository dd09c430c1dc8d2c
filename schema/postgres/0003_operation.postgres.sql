-- Migration 3: the operation. Orders live across days; every state change, notice, complaint
-- and callback is stored.

-- Why and when an absence was recorded (absences recorded by import have neither).
ALTER TABLE technician_absences ADD COLUMN reason text, ADD COLUMN recorded_at timestamptz;

-- The repair deadline clock pauses while the customer was absent until the new appointment
-- starts: the deadline is reported_at + tier hours + deadline_paused_seconds.
ALTER TABLE orders
    ADD COLUMN deadline_paused_seconds bigint NOT NULL DEFAULT 0 CHECK (deadline_paused_seconds >= 0),
    ADD COLUMN deadline_paused_since timestamptz,
    -- When the current appointment window was agreed with the customer (NULL: it came with the import).
    ADD COLUMN booked_at timestamptz;

-- Who published each plan version and why (plan, book, absence, delay, ...).
ALTER TABLE plans ADD COLUMN published_by text, ADD COLUMN cause text;

-- Every workflow transition of an order.
CREATE TABLE order_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    text NOT NULL REFERENCES orders (id),
    at          timestamptz NOT NULL,
    actor       text NOT NULL CHECK (length(actor) > 0),
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    reason      text,
    side        text CHECK (side IN ('company', 'customer')),
    details     jsonb CHECK (details IS NULL OR jsonb_typeof(details) = 'object')
);
CREATE INDEX order_events_by_order ON order_events (order_id, id);

-- The transactional outbox: a notice is written in the transaction of the change that causes
-- it and delivered later; it is marked sent only after the receiver acknowledged it.
CREATE TABLE notices (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key  text NOT NULL UNIQUE CHECK (length(idempotency_key) > 0),
    kind             text NOT NULL CHECK (kind IN ('confirmation', 'pre_arrival', 'rebooking', 'absence')),
    order_id         text NOT NULL REFERENCES orders (id),
    technician_id    text REFERENCES technicians (id),
    planned_start    timestamptz,
    due_at           timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    body             json NOT NULL,  -- json keeps the text exactly as it is delivered
    sent_at          timestamptz,
    cancelled_at     timestamptz,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error       text,
    CHECK (sent_at IS NULL OR cancelled_at IS NULL)
);
CREATE INDEX notices_pending ON notices (due_at, id) WHERE sent_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX notices_by_order ON notices (order_id);

CREATE TABLE complaints (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id  text NOT NULL REFERENCES orders (id),
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    text      text NOT NULL CHECK (length(text) > 0)
);

-- Callback tasks of the in-house callback desk (Art. 50-55, 60).
CREATE TABLE callbacks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id      text NOT NULL REFERENCES orders (id),
    cause         text NOT NULL CHECK (cause IN ('completion', 'complaint', 'follow_up')),
    complaint_id  bigint REFERENCES complaints (id),
    created_at    timestamptz NOT NULL,
    due_at        timestamptz NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('automatic', 'manual')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    answer        text CHECK (answer IN ('very_satisfied', 'satisfied', 'dissatisfied')),
    reason        text,
    answered_at   timestamptz,
    answered_by   text,
    CHECK ((answer IS NULL) = (answered_at IS NULL)),
    CHECK (answer IS DISTINCT FROM 'dissatisfied' OR reason IS NOT NULL),
    CHECK (due_at >= created_at)
);
CREATE INDEX callbacks_open ON callbacks (due_at, id) WHERE answer IS NULL;
