-- Migration 19: each event names the service day it belongs to (the day published, the day of the
-- order changed, as it was at commit; none for an order without a day's work yet), so the live
-- board's stream (GET /v1/days/{date}/stream, docs/browser.md) reads one day's events in order.
ALTER TABLE events ADD COLUMN day TEXT;
CREATE INDEX events_by_day ON events (day, seq);
