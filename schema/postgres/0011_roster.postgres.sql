-- Migration 11: a roster per day, and the currency of a day's money. When and where a technician
-- works (shift, start, end, territories) belongs to the day: importing one day's file writes that
-- day's row and never another day's. Who the technician is (name, crew, skills, certificate) stays in technicians;
-- its shift and place columns keep the latest import's values for views without a day.
-- A day's technicians are the ones on its roster. A service day created without a file (booking
-- a later day, work moved on by the nightly run) starts with a copy of the nearest earlier roster.
-- Existing days get every technician as the technicians table has them now.
CREATE TABLE technician_days (
    technician_id       text NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    day                 date NOT NULL,
    shift_start_minute  integer NOT NULL CHECK (shift_start_minute BETWEEN 0 AND 1440),
    shift_end_minute    integer NOT NULL CHECK (shift_end_minute BETWEEN 0 AND 1440),
    start_lat           double precision NOT NULL CHECK (start_lat BETWEEN -90 AND 90),
    start_lon           double precision NOT NULL CHECK (start_lon BETWEEN -180 AND 180),
    end_lat             double precision NOT NULL CHECK (end_lat BETWEEN -90 AND 90),
    end_lon             double precision NOT NULL CHECK (end_lon BETWEEN -180 AND 180),
    territories         jsonb CHECK (territories IS NULL OR jsonb_typeof(territories) = 'array'),
    PRIMARY KEY (technician_id, day),
    CHECK (shift_end_minute > shift_start_minute)
);

CREATE INDEX technician_days_by_day ON technician_days (day);

INSERT INTO technician_days (technician_id, day, shift_start_minute, shift_end_minute, start_lat, start_lon, end_lat, end_lon, territories)
SELECT t.id, d.day, t.shift_start_minute, t.shift_end_minute, t.start_lat, t.start_lon, t.end_lat, t.end_lon, t.territories
FROM technicians t CROSS JOIN service_days d;

-- service_days.currency: the ISO 4217 code of contract prices and costs (policy.currency).
ALTER TABLE service_days ADD COLUMN currency TEXT NOT NULL DEFAULT 'CNY' CHECK (length(currency) = 3);
