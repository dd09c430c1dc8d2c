-- Migration 16: the working calendar and the call centre's slot offers (docs/integration.md).
--
-- working_calendar: the weekdays worked (mon … sun, comma-separated; every day until a calendar is
-- set); holidays: days not worked whatever their weekday. On a day not worked every technician is
-- off: no slot is offered, no booking taken, no work spilled onto it, no roster planned.
CREATE TABLE working_calendar (
    one       INTEGER PRIMARY KEY CHECK (one = 1),
    weekdays  TEXT NOT NULL
) STRICT;
INSERT INTO working_calendar (one, weekdays) VALUES (1, 'mon,tue,wed,thu,fri,sat,sun');
CREATE TABLE holidays (
    day   TEXT PRIMARY KEY CHECK (day = date(day)),
    name  TEXT
) STRICT;

-- A slot offer: the windows offered for an order (their starts, as a JSON array of epoch
-- seconds), to whom, and until when a booking may name it.
CREATE TABLE slot_offers (
    id              TEXT PRIMARY KEY CHECK (length(id) = 32),
    order_id        TEXT NOT NULL REFERENCES orders (id),
    client          TEXT NOT NULL CHECK (length(client) > 0),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    window_minutes  INTEGER NOT NULL CHECK (window_minutes BETWEEN 15 AND 720),
    starts          TEXT NOT NULL CHECK (json_valid(starts) AND json_type(starts) = 'array')
) STRICT;
CREATE INDEX slot_offers_by_expiry ON slot_offers (expires_at);
