-- Migration 9: a day's road matrix (docs/formats.md, "Travel").
--
-- service_days.travel_source: where the day's travel times come from when not the straight line
-- ("matrix road-matrix.csv"); travel_fallback: a pair the legs lack is driven in a straight line.
-- travel_legs: the day's matrix, by order id and technician id (`<id>/end` for a technician's
-- end elsewhere), one way.
ALTER TABLE service_days ADD COLUMN travel_source text;
ALTER TABLE service_days ADD COLUMN travel_fallback boolean NOT NULL DEFAULT false;

CREATE TABLE travel_legs (
    day       date NOT NULL REFERENCES service_days (day) ON DELETE CASCADE,
    from_key  text NOT NULL CHECK (length(from_key) > 0),
    to_key    text NOT NULL CHECK (length(to_key) > 0),
    seconds   integer NOT NULL CHECK (seconds >= 0),
    meters    integer CHECK (meters >= 0),
    PRIMARY KEY (day, from_key, to_key)
);
