-- 收据作废: a payment is voided only by a reversing entry, never deleted. The void is its own
-- append-only row with reason, approver and red-ink voucher; the bills the payment settled
-- (and those its prepayment settled later) reopen through negative allocations dated in the
-- void's month, so every earlier month end keeps the figures it had.
CREATE TABLE payment_voids (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    payment_id   INTEGER NOT NULL UNIQUE REFERENCES payments(id),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver     TEXT NOT NULL CHECK (length(approver) BETWEEN 1 AND 50),
    period       INTEGER NOT NULL,
    voucher_id   INTEGER NOT NULL UNIQUE REFERENCES vouchers(id),
    created_at   TEXT NOT NULL
);
CREATE TRIGGER payment_voids_append_only_update BEFORE UPDATE ON payment_voids BEGIN SELECT RAISE(ABORT, 'payment voids are append-only'); END;
CREATE TRIGGER payment_voids_append_only_delete BEFORE DELETE ON payment_voids BEGIN SELECT RAISE(ABORT, 'payment voids are append-only'); END;

-- SQLite cannot change a CHECK in place: the allocations table is rebuilt with the same rows.
-- A negative allocation belongs to a void and to the voided payment; every other is positive.
CREATE TABLE allocations_v4 (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL REFERENCES bills(id),
    payment_id   INTEGER REFERENCES payments(id),
    waiver_id    INTEGER REFERENCES waivers(id),
    void_id      INTEGER REFERENCES payment_voids(id),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen <> 0),
    period       INTEGER NOT NULL,
    CHECK ((payment_id IS NULL) <> (waiver_id IS NULL)),
    CHECK ((amount_fen < 0) = (void_id IS NOT NULL)),
    CHECK (void_id IS NULL OR payment_id IS NOT NULL)
);
INSERT INTO allocations_v4 (id, community_id, bill_id, payment_id, waiver_id, amount_fen, period)
    SELECT id, community_id, bill_id, payment_id, waiver_id, amount_fen, period FROM allocations;
DROP TABLE allocations;
ALTER TABLE allocations_v4 RENAME TO allocations;
CREATE INDEX allocations_bill ON allocations (bill_id);
CREATE INDEX allocations_payment ON allocations (payment_id);
CREATE TRIGGER allocations_append_only_update BEFORE UPDATE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER allocations_append_only_delete BEFORE DELETE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
