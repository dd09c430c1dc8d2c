-- Migration 6: the nightly run's queue of units (territory groups of one day) for workers in
-- several processes. SQLite serialises writers, so a claim inside a write transaction is
-- exclusive; a lease that runs out lets another worker take over a dead holder's unit.

CREATE TABLE nightly_units (
    run_id        INTEGER NOT NULL REFERENCES nightly_runs (id) ON DELETE CASCADE,
    day           TEXT NOT NULL CHECK (day = date(day)),
    unit          INTEGER NOT NULL CHECK (unit >= 0),
    spec          TEXT NOT NULL CHECK (json_valid(spec) AND json_type(spec) = 'object'),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done')),
    worker        TEXT,
    lease_until   INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    result        TEXT CHECK (result IS NULL OR json_valid(result)),
    PRIMARY KEY (run_id, day, unit),
    CHECK ((state = 'done') = (result IS NOT NULL)),
    CHECK ((state = 'running') = (lease_until IS NOT NULL))
) STRICT;

CREATE INDEX nightly_units_open ON nightly_units (run_id, day, unit) WHERE state <> 'done';
