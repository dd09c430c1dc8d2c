-- Migration 8: travel by time of day (docs/formats.md, "Travel").
--
-- service_days.travel_day_parts: the parts of the day whose traffic multiplies every travel time,
-- a JSON list of {"start": "07:00", "end": "09:30", "factor": 1.6} in order; [] for none.

ALTER TABLE service_days ADD COLUMN travel_day_parts jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(travel_day_parts) = 'array');
