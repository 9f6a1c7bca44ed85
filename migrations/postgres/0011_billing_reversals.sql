-- 冲销计费: a wrong billing run (or one household's bills of it) is undone by a red-ink
-- reversal, and the month can then be billed again. The same model as migrations/sqlite/0011,
-- whose comment says what each part is for.

-- household_id NULL: the whole run was reversed.
CREATE TABLE billing_reversals (
    id             BIGINT GENERATED ALWAYS AS IDENTITY,
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    book_id        BIGINT NOT NULL,
    billing_run_id BIGINT NOT NULL,
    household_id   BIGINT,
    bills          BIGINT NOT NULL CHECK (bills > 0),
    total_fen      BIGINT NOT NULL CHECK (total_fen > 0),
    reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver       TEXT NOT NULL CHECK (length(approver) BETWEEN 1 AND 50),
    period         BIGINT NOT NULL,
    voucher_id     BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT billing_reversals_pkey PRIMARY KEY (community_id, id),
    CONSTRAINT billing_reversals_voucher_key UNIQUE (community_id, voucher_id),
    CONSTRAINT billing_reversals_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT billing_reversals_billing_run_id_fkey FOREIGN KEY (community_id, billing_run_id) REFERENCES billing_runs (community_id, id),
    CONSTRAINT billing_reversals_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT billing_reversals_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);
CREATE INDEX billing_reversals_run ON billing_reversals (community_id, billing_run_id);
CREATE TRIGGER billing_reversals_append_only BEFORE UPDATE OR DELETE ON billing_reversals FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();

-- Issue n + 1 of a month's bill exists only once issue n is cancelled.
ALTER TABLE bills ADD COLUMN issue BIGINT NOT NULL DEFAULT 1 CHECK (issue >= 1);
ALTER TABLE bills DROP CONSTRAINT bills_month_key;
ALTER TABLE bills ADD CONSTRAINT bills_month_key UNIQUE (community_id, household_id, fee_item_id, period, issue);

-- What each allocation is, by the columns set: see migrations/sqlite/0011.
ALTER TABLE allocations ADD COLUMN reversal_id BIGINT;
ALTER TABLE allocations
    ADD CONSTRAINT allocations_reversal_id_fkey FOREIGN KEY (community_id, reversal_id) REFERENCES billing_reversals (community_id, id),
    DROP CONSTRAINT allocations_check,
    DROP CONSTRAINT allocations_negative_only_for_voids,
    DROP CONSTRAINT allocations_void_of_payment,
    ADD CONSTRAINT allocations_one_source
        CHECK ((payment_id IS NOT NULL)::int + (waiver_id IS NOT NULL)::int + (reversal_id IS NOT NULL AND payment_id IS NULL)::int = 1),
    ADD CONSTRAINT allocations_negative_only_for_undoing
        CHECK ((amount_fen < 0) = (void_id IS NOT NULL OR (reversal_id IS NOT NULL AND payment_id IS NOT NULL))),
    ADD CONSTRAINT allocations_void_of_payment CHECK (void_id IS NULL OR (payment_id IS NOT NULL AND reversal_id IS NULL));
CREATE INDEX allocations_reversal ON allocations (community_id, reversal_id) WHERE reversal_id IS NOT NULL;
-- A bill is cancelled once.
CREATE UNIQUE INDEX allocations_one_cancellation ON allocations (community_id, bill_id) WHERE reversal_id IS NOT NULL AND payment_id IS NULL;

ALTER TABLE receivable_flows DROP CONSTRAINT receivable_flows_kind_check;
ALTER TABLE receivable_flows ADD CONSTRAINT receivable_flows_kind_check CHECK (kind IN ('billed','paid','waived','cancelled'));
