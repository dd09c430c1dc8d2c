-- Migration 20: what an in-house technician's working hour costs (policy.in_house_hour_cost), in
-- cents of the day's currency, so the planner weighs a contractor's price against the in-house
-- time the same work takes (docs/planning.md). Days stored before get the default, 60.00 an hour.
ALTER TABLE service_days ADD COLUMN in_house_hour_cost_cents INTEGER NOT NULL DEFAULT 6000
    CHECK (in_house_hour_cost_cents BETWEEN 0 AND 100000000);
