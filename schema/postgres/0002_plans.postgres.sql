-- Migration 2: stored plans. Every commit of a day's plan is a new version; earlier versions stay.

-- In public, not the current schema: the extension is database-wide, and dropping one schema
-- must not take the operator classes (and so the exclusion constraints) of others with it.
CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;

CREATE TABLE plans (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day          date NOT NULL REFERENCES service_days (day),
    version      integer NOT NULL CHECK (version > 0),
    created_at   timestamptz NOT NULL,
    planned_for  timestamptz NOT NULL,
    seed         bigint NOT NULL,
    document     json NOT NULL,  -- json keeps the text exactly as printed
    UNIQUE (day, version)
);

CREATE TABLE plan_visits (
    plan_id        bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    order_id       text NOT NULL REFERENCES orders (id),
    technician_id  text NOT NULL REFERENCES technicians (id),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    is_contact     boolean NOT NULL,
    PRIMARY KEY (plan_id, order_id),
    CHECK (ends_at > starts_at),
    -- One technician, one place at a time: no two visits of a plan overlap for one technician.
    CONSTRAINT plan_visits_no_overlap EXCLUDE USING gist (
        plan_id WITH =, technician_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);

CREATE TABLE plan_unassigned (
    plan_id   bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    order_id  text NOT NULL REFERENCES orders (id),
    code      text NOT NULL CHECK (code IN ('no_qualified_technician', 'window_unreachable', 'notice_too_short',
                                            'crew_quota', 'group_incomplete', 'displaced')),
    reason    text NOT NULL,
    PRIMARY KEY (plan_id, order_id)
);
