-- Migration 5: the nightly re-planning job. Every run is recorded, with what it changed per day.

CREATE TABLE nightly_runs (
    id            INTEGER PRIMARY KEY,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    first_day     TEXT NOT NULL CHECK (first_day = date(first_day)),
    days          INTEGER NOT NULL CHECK (days BETWEEN 1 AND 31),
    dry_run       INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    outcome       TEXT NOT NULL CHECK (outcome IN ('running', 'published', 'unchanged', 'dry_run', 'interrupted', 'failed')),
    message       TEXT,
    CHECK ((finished_at IS NULL) = (outcome = 'running'))
) STRICT;

CREATE TABLE nightly_run_days (
    run_id          INTEGER NOT NULL REFERENCES nightly_runs (id) ON DELETE CASCADE,
    day             TEXT NOT NULL CHECK (day = date(day)),
    version         INTEGER,               -- the version published, NULL when nothing was
    kept            INTEGER NOT NULL CHECK (kept >= 0),
    moved           INTEGER NOT NULL CHECK (moved >= 0),
    reassigned      INTEGER NOT NULL CHECK (reassigned >= 0),
    newly_planned   INTEGER NOT NULL CHECK (newly_planned >= 0),
    to_rebooking    INTEGER NOT NULL CHECK (to_rebooking >= 0),
    unplaced        INTEGER NOT NULL CHECK (unplaced >= 0),
    diff            TEXT NOT NULL CHECK (json_valid(diff) AND json_type(diff) = 'object'),
    PRIMARY KEY (run_id, day)
) STRICT;
