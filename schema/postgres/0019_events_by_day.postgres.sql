-- Migration 19: each event names the service day it belongs to (the day published, the day of the
-- order changed, as it was at commit; none for an order without a day's work yet), so the live
-- board's stream (GET /v1/days/{date}/stream, docs/browser.md) reads one day's events in order.
-- A committing transaction that wrote events also sends NOTIFY fielddispatch_events with the
-- feed's last number, so every server instance learns of it at once.
ALTER TABLE events ADD COLUMN day date;
CREATE INDEX events_by_day ON events (day, seq);
