-- 冲销计费: a wrong billing run (or one household's bills of it) is undone by a red-ink
-- reversal, and the month can then be billed again.
--
-- * billing_reversals: one row per reversal, with its reason, approver and red-ink voucher;
--   append-only like every subledger row.
-- * allocations.reversal_id: a reversal closes each bill it cancels with an allocation that
--   names it (no payment, no waiver), and hands back to the payments' prepayment what they had
--   settled of those bills (a negative allocation with the payment and the reversal).
-- * bills.issue: a month's bill of a household and fee item is issued once, and again only after
--   the earlier issue was cancelled; the unique key now includes the issue.
-- * receivable_flows.kind gains 'cancelled' (a bill's cancellation, by building and month).
--
-- How: as in 0006 (which explains why), SQLite cannot alter constraints, so bills and the two
-- tables that point at it (waivers, allocations) are renamed aside, created anew, copied with
-- their ids, and the old ones dropped, children first; receivable_flows, which nothing points
-- at, is copied the same way. Indexes and triggers are recreated with their text of 0006.

DROP TRIGGER bills_append_only_update;
DROP TRIGGER bills_append_only_delete;
DROP TRIGGER allocations_append_only_update;
DROP TRIGGER allocations_append_only_delete;
DROP TRIGGER waivers_append_only_update;
DROP TRIGGER waivers_append_only_delete;
DROP INDEX bills_book_period;
DROP INDEX allocations_bill;
DROP INDEX allocations_payment;

ALTER TABLE allocations RENAME TO allocations_v10;
ALTER TABLE waivers RENAME TO waivers_v10;
ALTER TABLE bills RENAME TO bills_v10;
ALTER TABLE receivable_flows RENAME TO receivable_flows_v10;

-- One live bill per household, fee item and month: issue n + 1 exists only once issue n is
-- cancelled (the billing run counts the cancelled issues; two runs at once collide here).
CREATE TABLE bills (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    book_id        INTEGER NOT NULL,
    household_id   INTEGER NOT NULL,
    fee_item_id    INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    billing_run_id INTEGER NOT NULL,
    issue          INTEGER NOT NULL DEFAULT 1 CHECK (issue >= 1),
    CONSTRAINT bills_community_key UNIQUE (community_id, id),
    CONSTRAINT bills_month_key UNIQUE (community_id, household_id, fee_item_id, period, issue),
    CONSTRAINT bills_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT bills_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT bills_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id),
    CONSTRAINT bills_billing_run_id_fkey FOREIGN KEY (community_id, billing_run_id) REFERENCES billing_runs (community_id, id)
);

CREATE TABLE waivers (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver     TEXT NOT NULL,
    period       INTEGER NOT NULL,
    voucher_id   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    CONSTRAINT waivers_community_key UNIQUE (community_id, id),
    CONSTRAINT waivers_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    CONSTRAINT waivers_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);

-- household_id NULL: the whole run was reversed.
CREATE TABLE billing_reversals (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    book_id        INTEGER NOT NULL,
    billing_run_id INTEGER NOT NULL,
    household_id   INTEGER,
    bills          INTEGER NOT NULL CHECK (bills > 0),
    total_fen      INTEGER NOT NULL CHECK (total_fen > 0),
    reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver       TEXT NOT NULL CHECK (length(approver) BETWEEN 1 AND 50),
    period         INTEGER NOT NULL,
    voucher_id     INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    CONSTRAINT billing_reversals_community_key UNIQUE (community_id, id),
    CONSTRAINT billing_reversals_voucher_key UNIQUE (community_id, voucher_id),
    CONSTRAINT billing_reversals_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT billing_reversals_billing_run_id_fkey FOREIGN KEY (community_id, billing_run_id) REFERENCES billing_runs (community_id, id),
    CONSTRAINT billing_reversals_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT billing_reversals_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);

-- What each allocation is, by the columns set:
--   payment_id                    a payment settles the bill (positive)
--   waiver_id                     a waiver (positive)
--   payment_id, void_id           a void reopens what the payment settled (negative)
--   reversal_id                   a reversal cancels the bill (positive)
--   payment_id, reversal_id       a reversal hands back to the payment what it settled (negative)
CREATE TABLE allocations (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL,
    payment_id   INTEGER,
    waiver_id    INTEGER,
    void_id      INTEGER,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen <> 0),
    period       INTEGER NOT NULL,
    reversal_id  INTEGER,
    CONSTRAINT allocations_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    CONSTRAINT allocations_payment_id_fkey FOREIGN KEY (community_id, payment_id) REFERENCES payments (community_id, id),
    CONSTRAINT allocations_waiver_id_fkey FOREIGN KEY (community_id, waiver_id) REFERENCES waivers (community_id, id),
    CONSTRAINT allocations_void_id_fkey FOREIGN KEY (community_id, void_id) REFERENCES payment_voids (community_id, id),
    CONSTRAINT allocations_reversal_id_fkey FOREIGN KEY (community_id, reversal_id) REFERENCES billing_reversals (community_id, id),
    CONSTRAINT allocations_one_source CHECK ((payment_id IS NOT NULL) + (waiver_id IS NOT NULL) + (reversal_id IS NOT NULL AND payment_id IS NULL) = 1),
    CONSTRAINT allocations_negative_only_for_undoing CHECK ((amount_fen < 0) = (void_id IS NOT NULL OR (reversal_id IS NOT NULL AND payment_id IS NOT NULL))),
    CONSTRAINT allocations_void_of_payment CHECK (void_id IS NULL OR (payment_id IS NOT NULL AND reversal_id IS NULL))
);

CREATE TABLE receivable_flows (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    building     TEXT NOT NULL,
    bill_period  INTEGER NOT NULL,
    event_period INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('billed','paid','waived','cancelled')),
    amount_fen   INTEGER NOT NULL,
    CONSTRAINT receivable_flows_pkey PRIMARY KEY (community_id, book_id, building, bill_period, event_period, kind),
    CONSTRAINT receivable_flows_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);

INSERT INTO bills (id, community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue)
    SELECT id, community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, 1 FROM bills_v10;
INSERT INTO waivers (id, community_id, bill_id, amount_fen, reason, approver, period, voucher_id, created_at)
    SELECT id, community_id, bill_id, amount_fen, reason, approver, period, voucher_id, created_at FROM waivers_v10;
INSERT INTO allocations (id, community_id, bill_id, payment_id, waiver_id, void_id, amount_fen, period, reversal_id)
    SELECT id, community_id, bill_id, payment_id, waiver_id, void_id, amount_fen, period, NULL FROM allocations_v10;
INSERT INTO receivable_flows (community_id, book_id, building, bill_period, event_period, kind, amount_fen)
    SELECT community_id, book_id, building, bill_period, event_period, kind, amount_fen FROM receivable_flows_v10;

DROP TABLE allocations_v10;
DROP TABLE waivers_v10;
DROP TABLE bills_v10;
DROP TABLE receivable_flows_v10;

CREATE INDEX bills_book_period ON bills (community_id, book_id, period);
CREATE INDEX allocations_bill ON allocations (community_id, bill_id);
CREATE INDEX allocations_payment ON allocations (community_id, payment_id);
CREATE INDEX billing_reversals_run ON billing_reversals (community_id, billing_run_id);
CREATE INDEX allocations_reversal ON allocations (community_id, reversal_id) WHERE reversal_id IS NOT NULL;
-- A bill is cancelled once.
CREATE UNIQUE INDEX allocations_one_cancellation ON allocations (community_id, bill_id) WHERE reversal_id IS NOT NULL AND payment_id IS NULL;

CREATE TRIGGER bills_append_only_update BEFORE UPDATE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER bills_append_only_delete BEFORE DELETE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER allocations_append_only_update BEFORE UPDATE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER allocations_append_only_delete BEFORE DELETE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER waivers_append_only_update BEFORE UPDATE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
CREATE TRIGGER waivers_append_only_delete BEFORE DELETE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
CREATE TRIGGER billing_reversals_append_only_update BEFORE UPDATE ON billing_reversals BEGIN SELECT RAISE(ABORT, 'billing reversals are append-only'); END;
CREATE TRIGGER billing_reversals_append_only_delete BEFORE DELETE ON billing_reversals BEGIN SELECT RAISE(ABORT, 'billing reversals are append-only'); END;
