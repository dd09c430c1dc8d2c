-- Migration 13: a day's road matrix read once per process. service_days.travel_stamp is a random
-- number written with every change to the day's legs (travel_legs, travel_places, travel_rows):
-- a process that read the legs under one stamp reuses them while the stamp is unchanged (and the
-- day's places are where they were). 0, the default: never written since this migration, read
-- every time.
ALTER TABLE service_days ADD COLUMN travel_stamp INTEGER NOT NULL DEFAULT 0;
