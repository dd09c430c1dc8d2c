-- Migration 10: a day's routing engine and the matrix fetched from it (docs/formats.md, "Travel").
--
-- service_days.travel_service: the engine the day's matrix is fetched from ("osrm URL PROFILE",
-- "valhalla URL COSTING", "pgrouting"); NULL for the straight line and matrix files.
-- travel_places: each place (order id, technician id, `<id>/end`) whose legs were fetched, where it
-- was then, and its column number (idx) in travel_rows. A place that moves is fetched again under a
-- new number; numbers are never reused (service_days.travel_next_idx), so an old column cannot
-- be read as a new place's.
-- travel_rows: a run of one place's legs to the places numbered first_idx, first_idx + 1, …:
-- seconds and metres as comma-separated integers (-1: no route, or no metres). A first build
-- writes one row per place; a place added later writes its own row and one short run on each
-- other place's row (its column), not a new matrix.
ALTER TABLE service_days ADD COLUMN travel_service TEXT;
ALTER TABLE service_days ADD COLUMN travel_next_idx INTEGER NOT NULL DEFAULT 0 CHECK (travel_next_idx >= 0);

CREATE TABLE travel_places (
    day        TEXT NOT NULL REFERENCES service_days (day) ON DELETE CASCADE,
    key        TEXT NOT NULL CHECK (length(key) > 0),
    idx        INTEGER NOT NULL CHECK (idx >= 0),
    latitude   REAL NOT NULL,
    longitude  REAL NOT NULL,
    PRIMARY KEY (day, key),
    UNIQUE (day, idx)
) STRICT;

CREATE TABLE travel_rows (
    day        TEXT NOT NULL REFERENCES service_days (day) ON DELETE CASCADE,
    from_key   TEXT NOT NULL CHECK (length(from_key) > 0),
    first_idx  INTEGER NOT NULL CHECK (first_idx >= 0),
    seconds    TEXT NOT NULL,
    meters     TEXT NOT NULL,
    PRIMARY KEY (day, from_key, first_idx)
) STRICT;
