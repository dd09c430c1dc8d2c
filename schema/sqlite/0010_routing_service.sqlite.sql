-- Migration 10: a day's routing engine (docs/formats.md, "Travel").
--
-- service_days.travel_service: the engine the day's matrix is fetched from ("osrm URL PROFILE",
-- "valhalla URL COSTING", "pgrouting"); NULL for the straight line and matrix files.
-- travel_places: where each key of travel_legs was when its legs were fetched. A key whose order
-- or technician has moved since is fetched again (`dispatch travel build`); until then its legs
-- are not used.
ALTER TABLE service_days ADD COLUMN travel_service TEXT;

CREATE TABLE travel_places (
    day        TEXT NOT NULL REFERENCES service_days (day) ON DELETE CASCADE,
    key        TEXT NOT NULL CHECK (length(key) > 0),
    latitude   REAL NOT NULL,
    longitude  REAL NOT NULL,
    PRIMARY KEY (day, key)
) STRICT;
