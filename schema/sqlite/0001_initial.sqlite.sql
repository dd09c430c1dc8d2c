-- FieldDispatch schema for SQLite, migration 1: service days, crews, technicians, customers, orders.
-- Instants are INTEGER seconds since the Unix epoch (UTC); local days are 'YYYY-MM-DD' text;
-- times of day are minutes after local midnight. Lists are JSON arrays checked by json_valid.

CREATE TABLE service_days (
    day                     TEXT PRIMARY KEY CHECK (day = date(day)),
    name                    TEXT NOT NULL CHECK (length(name) > 0),
    timezone                TEXT NOT NULL CHECK (length(timezone) > 0),
    planned_at              INTEGER NOT NULL,
    speed_kmh               REAL NOT NULL CHECK (speed_kmh > 0),
    road_factor             REAL NOT NULL CHECK (road_factor >= 1),
    notice_minutes          INTEGER NOT NULL CHECK (notice_minutes BETWEEN 0 AND 1440),
    sync_tolerance_minutes  INTEGER NOT NULL CHECK (sync_tolerance_minutes BETWEEN 0 AND 240),
    repair_deadline_hours   TEXT NOT NULL CHECK (json_valid(repair_deadline_hours) AND json_type(repair_deadline_hours) = 'object'),
    vip_tiers               TEXT NOT NULL CHECK (json_valid(vip_tiers) AND json_type(vip_tiers) = 'array'),
    break_earliest_minute   INTEGER CHECK (break_earliest_minute BETWEEN 0 AND 1440),
    break_latest_minute     INTEGER CHECK (break_latest_minute BETWEEN 0 AND 1440),
    break_minutes           INTEGER CHECK (break_minutes BETWEEN 1 AND 480),
    CHECK ((break_earliest_minute IS NULL) = (break_latest_minute IS NULL)
       AND (break_earliest_minute IS NULL) = (break_minutes IS NULL)),
    CHECK (break_latest_minute >= break_earliest_minute)
) STRICT;

CREATE TABLE crews (
    id    TEXT PRIMARY KEY CHECK (length(id) > 0),
    name  TEXT
) STRICT;

CREATE TABLE crew_contracts (
    crew_id             TEXT PRIMARY KEY REFERENCES crews (id) ON DELETE CASCADE,
    valid_from          TEXT NOT NULL CHECK (valid_from = date(valid_from)),
    valid_to            TEXT NOT NULL CHECK (valid_to = date(valid_to)),
    territories         TEXT CHECK (territories IS NULL OR (json_valid(territories) AND json_type(territories) = 'array')),
    work_types          TEXT NOT NULL CHECK (json_valid(work_types) AND json_type(work_types) = 'array'),
    services            TEXT NOT NULL CHECK (json_valid(services) AND json_type(services) = 'array'),
    excluded_tiers      TEXT NOT NULL CHECK (json_valid(excluded_tiers) AND json_type(excluded_tiers) = 'array'),
    max_orders_per_day  INTEGER CHECK (max_orders_per_day >= 0),
    prices_cents        TEXT NOT NULL CHECK (json_valid(prices_cents) AND json_type(prices_cents) = 'object'),
    CHECK (valid_to >= valid_from)
) STRICT;

CREATE TABLE technicians (
    id                  TEXT PRIMARY KEY CHECK (length(id) > 0),
    name                TEXT,
    crew_id             TEXT REFERENCES crews (id),
    skills              TEXT NOT NULL CHECK (json_valid(skills) AND json_type(skills) = 'array'),
    certified_until     TEXT CHECK (certified_until = date(certified_until)),
    shift_start_minute  INTEGER NOT NULL CHECK (shift_start_minute BETWEEN 0 AND 1440),
    shift_end_minute    INTEGER NOT NULL CHECK (shift_end_minute BETWEEN 0 AND 1440),
    start_lat           REAL NOT NULL CHECK (start_lat BETWEEN -90 AND 90),
    start_lon           REAL NOT NULL CHECK (start_lon BETWEEN -180 AND 180),
    end_lat             REAL NOT NULL CHECK (end_lat BETWEEN -90 AND 90),
    end_lon             REAL NOT NULL CHECK (end_lon BETWEEN -180 AND 180),
    territories         TEXT CHECK (territories IS NULL OR (json_valid(territories) AND json_type(territories) = 'array')),
    CHECK (shift_end_minute > shift_start_minute)
) STRICT;

CREATE TABLE technician_absences (
    technician_id  TEXT NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    day            TEXT NOT NULL CHECK (day = date(day)),
    PRIMARY KEY (technician_id, day)
) STRICT;

CREATE TABLE customers (
    id     TEXT PRIMARY KEY CHECK (length(id) > 0),
    name   TEXT,
    tier   TEXT NOT NULL CHECK (tier IN ('diamond', 'gold', 'silver', 'basic',
                                         '1A', '2A', '3A', '4A', '5A', '1B', '2B', '3B', '4B', '5B')),
    phone  TEXT
) STRICT;

CREATE TABLE orders (
    id                    TEXT PRIMARY KEY CHECK (length(id) > 0),
    service_day           TEXT NOT NULL REFERENCES service_days (day),
    type                  TEXT NOT NULL CHECK (type IN ('install', 'move', 'removal', 'repair')),
    service               TEXT NOT NULL CHECK (service IN ('broadband', 'phone', 'iptv')),
    skills                TEXT NOT NULL CHECK (json_valid(skills) AND json_type(skills) = 'array' AND json_array_length(skills) > 0),
    customer_id           TEXT NOT NULL REFERENCES customers (id),
    lat                   REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon                   REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    address               TEXT,
    territory             TEXT,
    duration_minutes      INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    window_start          INTEGER,
    window_end            INTEGER,
    reported_at           INTEGER,
    group_id              TEXT,
    pinned_technician_id  TEXT REFERENCES technicians (id),
    pinned_start          INTEGER,
    locked_technician_id  TEXT REFERENCES technicians (id),
    locked_start          INTEGER,
    status                TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'scheduled', 'confirmed', 'notified',
                              'en_route', 'on_site', 'completed', 'customer_absent', 'transferred', 'cancelled', 'rebooking')),
    CHECK ((window_start IS NULL) = (window_end IS NULL)),
    CHECK (window_end >= window_start),
    CHECK (pinned_start IS NULL OR pinned_technician_id IS NOT NULL),
    CHECK ((locked_technician_id IS NULL) = (locked_start IS NULL))
) STRICT;

CREATE INDEX orders_by_day ON orders (service_day, id);
CREATE INDEX orders_by_group ON orders (group_id) WHERE group_id IS NOT NULL;
