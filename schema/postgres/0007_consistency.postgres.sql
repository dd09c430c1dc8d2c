-- Migration 7: the consistency model (docs/consistency.md).
--
-- service_days.revision counts every change that matters to a plan of the day (an order's state,
-- lock, pin, window or day; an absence; an import; a published version). A plan records the
-- revision it was computed from and publishing refuses it when the day moved on meanwhile.
--
-- technician_absences.from_minute: a technician who falls ill after work began is absent from
-- that local minute of the day on (their shift ends there); NULL: absent the whole day.
--
-- notices.claimed_by / claim_until: a sender claims due notices under a lease before delivering
-- them, so two senders never deliver the same notice; a claim whose sender died runs out and is
-- taken over.

ALTER TABLE service_days ADD COLUMN revision bigint NOT NULL DEFAULT 0 CHECK (revision >= 0);
ALTER TABLE notices ADD COLUMN claimed_by text;
ALTER TABLE notices ADD COLUMN claim_until timestamptz;
ALTER TABLE notices ADD CONSTRAINT notices_claim_whole CHECK ((claimed_by IS NULL) = (claim_until IS NULL));
ALTER TABLE technician_absences ADD COLUMN from_minute integer CHECK (from_minute BETWEEN 0 AND 1440);
