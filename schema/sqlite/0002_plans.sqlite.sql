-- Migration 2: stored plans. Every commit of a day's plan is a new version; earlier versions stay.

CREATE TABLE plans (
    id           INTEGER PRIMARY KEY,
    day          TEXT NOT NULL REFERENCES service_days (day),
    version      INTEGER NOT NULL CHECK (version > 0),
    created_at   INTEGER NOT NULL,
    planned_for  INTEGER NOT NULL,
    seed         INTEGER NOT NULL,
    document     TEXT NOT NULL CHECK (json_valid(document)),
    UNIQUE (day, version)
) STRICT;

CREATE TABLE plan_visits (
    plan_id        INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    order_id       TEXT NOT NULL REFERENCES orders (id),
    technician_id  TEXT NOT NULL REFERENCES technicians (id),
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER NOT NULL,
    is_contact     INTEGER NOT NULL CHECK (is_contact IN (0, 1)),
    PRIMARY KEY (plan_id, order_id),
    CHECK (ends_at > starts_at)
) STRICT;

CREATE INDEX plan_visits_by_technician ON plan_visits (plan_id, technician_id, starts_at);

-- What PostgreSQL's exclusion constraint does: one technician, one place at a time.
CREATE TRIGGER plan_visits_no_overlap_insert BEFORE INSERT ON plan_visits
WHEN EXISTS (
    SELECT 1 FROM plan_visits v
    WHERE v.plan_id = NEW.plan_id AND v.technician_id = NEW.technician_id
      AND v.starts_at < NEW.ends_at AND NEW.starts_at < v.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'plan_visits_no_overlap: overlapping visits of one technician in one plan');
END;

CREATE TRIGGER plan_visits_no_overlap_update BEFORE UPDATE OF technician_id, starts_at, ends_at ON plan_visits
WHEN EXISTS (
    SELECT 1 FROM plan_visits v
    WHERE v.plan_id = NEW.plan_id AND v.technician_id = NEW.technician_id AND v.order_id <> NEW.order_id
      AND v.starts_at < NEW.ends_at AND NEW.starts_at < v.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'plan_visits_no_overlap: overlapping visits of one technician in one plan');
END;

CREATE TABLE plan_unassigned (
    plan_id   INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    order_id  TEXT NOT NULL REFERENCES orders (id),
    code      TEXT NOT NULL CHECK (code IN ('no_qualified_technician', 'window_unreachable', 'notice_too_short',
                                            'crew_quota', 'group_incomplete', 'displaced')),
    reason    TEXT NOT NULL,
    PRIMARY KEY (plan_id, order_id)
) STRICT;
