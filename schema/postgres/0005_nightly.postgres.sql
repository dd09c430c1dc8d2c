-- Migration 5: the nightly re-planning job. Every run is recorded, with what it changed per day.

CREATE TABLE nightly_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    first_day     date NOT NULL,
    days          integer NOT NULL CHECK (days BETWEEN 1 AND 31),
    dry_run       boolean NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('running', 'published', 'unchanged', 'dry_run', 'interrupted', 'failed')),
    message       text,
    CHECK ((finished_at IS NULL) = (outcome = 'running'))
);

CREATE TABLE nightly_run_days (
    run_id          bigint NOT NULL REFERENCES nightly_runs (id) ON DELETE CASCADE,
    day             date NOT NULL,
    version         integer,               -- the version published, NULL when nothing was
    kept            integer NOT NULL CHECK (kept >= 0),
    moved           integer NOT NULL CHECK (moved >= 0),
    reassigned      integer NOT NULL CHECK (reassigned >= 0),
    newly_planned   integer NOT NULL CHECK (newly_planned >= 0),
    to_rebooking    integer NOT NULL CHECK (to_rebooking >= 0),
    unplaced        integer NOT NULL CHECK (unplaced >= 0),
    diff            jsonb NOT NULL CHECK (jsonb_typeof(diff) = 'object'),
    PRIMARY KEY (run_id, day)
);
