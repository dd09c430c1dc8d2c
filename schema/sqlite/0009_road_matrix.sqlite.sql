-- Migration 9: a day's road matrix (docs/formats.md, "Travel").
--
-- service_days.travel_source: where the day's travel times come from when not the straight line
-- ("matrix road-matrix.csv"); travel_fallback: a pair the legs lack is driven in a straight line.
-- travel_legs: the day's matrix, by order id and technician id (`<id>/end` for a technician's
-- end elsewhere), one way.
ALTER TABLE service_days ADD COLUMN travel_source TEXT;
ALTER TABLE service_days ADD COLUMN travel_fallback INTEGER NOT NULL DEFAULT 0 CHECK (travel_fallback IN (0, 1));

CREATE TABLE travel_legs (
    day       TEXT NOT NULL REFERENCES service_days (day) ON DELETE CASCADE,
    from_key  TEXT NOT NULL CHECK (length(from_key) > 0),
    to_key    TEXT NOT NULL CHECK (length(to_key) > 0),
    seconds   INTEGER NOT NULL CHECK (seconds >= 0),
    meters    INTEGER CHECK (meters >= 0),
    PRIMARY KEY (day, from_key, to_key)
) STRICT;
