-- 收据作废: a payment is voided only by a reversing entry, never deleted. The void is its own
-- append-only row with reason, approver and red-ink voucher; the bills the payment settled
-- (and those its prepayment settled later) reopen through negative allocations dated in the
-- void's month, so every earlier month end keeps the figures it had.
CREATE TABLE payment_voids (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    payment_id   BIGINT NOT NULL UNIQUE REFERENCES payments(id),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver     TEXT NOT NULL CHECK (length(approver) BETWEEN 1 AND 50),
    period       BIGINT NOT NULL,
    voucher_id   BIGINT NOT NULL UNIQUE REFERENCES vouchers(id),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER payment_voids_append_only BEFORE UPDATE OR DELETE ON payment_voids FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();

-- A negative allocation belongs to a void and to the voided payment; every other is positive.
ALTER TABLE allocations ADD COLUMN void_id BIGINT REFERENCES payment_voids(id);
ALTER TABLE allocations DROP CONSTRAINT allocations_amount_fen_check;
ALTER TABLE allocations ADD CONSTRAINT allocations_amount_nonzero CHECK (amount_fen <> 0);
ALTER TABLE allocations ADD CONSTRAINT allocations_negative_only_for_voids CHECK ((amount_fen < 0) = (void_id IS NOT NULL));
ALTER TABLE allocations ADD CONSTRAINT allocations_void_of_payment CHECK (void_id IS NULL OR payment_id IS NOT NULL);
