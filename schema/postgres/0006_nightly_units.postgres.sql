-- Migration 6: the nightly run's queue of units (territory groups of one day) for workers in
-- several processes or on several machines. A worker claims a unit with SELECT … FOR UPDATE
-- SKIP LOCKED and holds it under a lease it renews; when its holder dies, the lease runs out and
-- another worker takes the unit over.

CREATE TABLE nightly_units (
    run_id        bigint NOT NULL REFERENCES nightly_runs (id) ON DELETE CASCADE,
    day           date NOT NULL,
    unit          integer NOT NULL CHECK (unit >= 0),
    spec          jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object'),   -- territories, technicians, carried orders, now, seconds, seed
    state         text NOT NULL CHECK (state IN ('queued', 'running', 'done')),
    worker        text,
    lease_until   timestamptz,
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    result        jsonb,                                                   -- the unit's plan and what found no place
    PRIMARY KEY (run_id, day, unit),
    CHECK ((state = 'done') = (result IS NOT NULL)),
    CHECK ((state = 'running') = (lease_until IS NOT NULL))
);

CREATE INDEX nightly_units_open ON nightly_units (run_id, day, unit) WHERE state <> 'done';
