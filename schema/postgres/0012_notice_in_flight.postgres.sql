-- Migration 12: a cancel that arrives while its notice is being delivered is kept. The notice
-- reached the customer (sent_at), and the re-plan that no longer wanted it is recorded beside it
-- (cancelled_in_flight_at) instead of being erased; sent_at and cancelled_at stay exclusive, so
-- the pending index and every "pending" query are unchanged.
ALTER TABLE notices ADD COLUMN cancelled_in_flight_at timestamptz;

-- A delivery is recorded in two steps: the acknowledgement alone (no day lock: a sender never
-- waits behind a re-plan to say a notice went out, so its claim cannot run out meanwhile), then
-- its effect under the day's lock (a pre-arrival notice locks the visit), stamped here. A sender
-- stopped between the two leaves the effect to the next run or to the next publish of the day.
ALTER TABLE notices ADD COLUMN effects_applied_at timestamptz;
UPDATE notices SET effects_applied_at = sent_at WHERE sent_at IS NOT NULL;
CREATE INDEX notices_unapplied ON notices (id) WHERE sent_at IS NOT NULL AND effects_applied_at IS NULL;
