-- FieldDispatch schema for PostgreSQL, migration 1: service days, crews, technicians, customers, orders.
-- Instants are timestamptz; local days are date; times of day are minutes after local midnight.

CREATE TABLE service_days (
    day                     date PRIMARY KEY,
    name                    text NOT NULL CHECK (length(name) > 0),
    timezone                text NOT NULL CHECK (length(timezone) > 0),
    planned_at              timestamptz NOT NULL,
    speed_kmh               double precision NOT NULL CHECK (speed_kmh > 0),
    road_factor             double precision NOT NULL CHECK (road_factor >= 1),
    notice_minutes          integer NOT NULL CHECK (notice_minutes BETWEEN 0 AND 1440),
    sync_tolerance_minutes  integer NOT NULL CHECK (sync_tolerance_minutes BETWEEN 0 AND 240),
    repair_deadline_hours   jsonb NOT NULL CHECK (jsonb_typeof(repair_deadline_hours) = 'object'),
    vip_tiers               jsonb NOT NULL CHECK (jsonb_typeof(vip_tiers) = 'array'),
    break_earliest_minute   integer CHECK (break_earliest_minute BETWEEN 0 AND 1440),
    break_latest_minute     integer CHECK (break_latest_minute BETWEEN 0 AND 1440),
    break_minutes           integer CHECK (break_minutes BETWEEN 1 AND 480),
    CHECK ((break_earliest_minute IS NULL) = (break_latest_minute IS NULL)
       AND (break_earliest_minute IS NULL) = (break_minutes IS NULL)),
    CHECK (break_latest_minute >= break_earliest_minute)
);

CREATE TABLE crews (
    id    text PRIMARY KEY CHECK (length(id) > 0),
    name  text
);

CREATE TABLE crew_contracts (
    crew_id             text PRIMARY KEY REFERENCES crews (id) ON DELETE CASCADE,
    valid_from          date NOT NULL,
    valid_to            date NOT NULL,
    territories         jsonb CHECK (territories IS NULL OR jsonb_typeof(territories) = 'array'),
    work_types          jsonb NOT NULL CHECK (jsonb_typeof(work_types) = 'array'),
    services            jsonb NOT NULL CHECK (jsonb_typeof(services) = 'array'),
    excluded_tiers      jsonb NOT NULL CHECK (jsonb_typeof(excluded_tiers) = 'array'),
    max_orders_per_day  integer CHECK (max_orders_per_day >= 0),
    prices_cents        jsonb NOT NULL CHECK (jsonb_typeof(prices_cents) = 'object'),
    CHECK (valid_to >= valid_from)
);

CREATE TABLE technicians (
    id                  text PRIMARY KEY CHECK (length(id) > 0),
    name                text,
    crew_id             text REFERENCES crews (id),
    skills              jsonb NOT NULL CHECK (jsonb_typeof(skills) = 'array'),
    certified_until     date,
    shift_start_minute  integer NOT NULL CHECK (shift_start_minute BETWEEN 0 AND 1440),
    shift_end_minute    integer NOT NULL CHECK (shift_end_minute BETWEEN 0 AND 1440),
    start_lat           double precision NOT NULL CHECK (start_lat BETWEEN -90 AND 90),
    start_lon           double precision NOT NULL CHECK (start_lon BETWEEN -180 AND 180),
    end_lat             double precision NOT NULL CHECK (end_lat BETWEEN -90 AND 90),
    end_lon             double precision NOT NULL CHECK (end_lon BETWEEN -180 AND 180),
    territories         jsonb CHECK (territories IS NULL OR jsonb_typeof(territories) = 'array'),
    CHECK (shift_end_minute > shift_start_minute)
);

CREATE TABLE technician_absences (
    technician_id  text NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    day            date NOT NULL,
    PRIMARY KEY (technician_id, day)
);

CREATE TABLE customers (
    id     text PRIMARY KEY CHECK (length(id) > 0),
    name   text,
    tier   text NOT NULL CHECK (tier IN ('diamond', 'gold', 'silver', 'basic',
                                         '1A', '2A', '3A', '4A', '5A', '1B', '2B', '3B', '4B', '5B')),
    phone  text
);

CREATE TABLE orders (
    id                    text PRIMARY KEY CHECK (length(id) > 0),
    service_day           date NOT NULL REFERENCES service_days (day),
    type                  text NOT NULL CHECK (type IN ('install', 'move', 'removal', 'repair')),
    service               text NOT NULL CHECK (service IN ('broadband', 'phone', 'iptv')),
    skills                jsonb NOT NULL CHECK (jsonb_typeof(skills) = 'array' AND jsonb_array_length(skills) > 0),
    customer_id           text NOT NULL REFERENCES customers (id),
    lat                   double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon                   double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    address               text,
    territory             text,
    duration_minutes      integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    window_start          timestamptz,
    window_end            timestamptz,
    reported_at           timestamptz,
    group_id              text,
    pinned_technician_id  text REFERENCES technicians (id),
    pinned_start          timestamptz,
    locked_technician_id  text REFERENCES technicians (id),
    locked_start          timestamptz,
    status                text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'scheduled', 'confirmed', 'notified',
                              'en_route', 'on_site', 'completed', 'customer_absent', 'transferred', 'cancelled', 'rebooking')),
    CHECK ((window_start IS NULL) = (window_end IS NULL)),
    CHECK (window_end >= window_start),
    CHECK (pinned_start IS NULL OR pinned_technician_id IS NOT NULL),
    CHECK ((locked_technician_id IS NULL) = (locked_start IS NULL))
);

CREATE INDEX orders_by_day ON orders (service_day, id);
CREATE INDEX orders_by_group ON orders (group_id) WHERE group_id IS NOT NULL;
