-- Migration 12: a cancel that arrives while its notice is being delivered is kept. The notice
-- reached the customer (sent_at), and the re-plan that no longer wanted it is recorded beside it
-- (cancelled_in_flight_at) instead of being erased; sent_at and cancelled_at stay exclusive, so
-- the pending index and every "pending" query are unchanged.
ALTER TABLE notices ADD COLUMN cancelled_in_flight_at INTEGER;
