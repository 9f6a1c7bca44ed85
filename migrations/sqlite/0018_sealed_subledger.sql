-- The subledger sealed in the hash chain (DESIGN.md invariant 4, issue 10).
--
-- A voucher posted from now on seals a digest of the subledger rows written with it (the bills
-- of a billing run, a payment and its allocations, a waiver, a void, a billing reversal): the
-- digest is in the sealed content, so a changed, moved or deleted row no longer matches the
-- voucher's hash. NULL marks a voucher posted before this migration, whose rows stay unsealed.
ALTER TABLE vouchers ADD COLUMN subledger_digest TEXT;

-- The voucher an allocation was written with (a payment's, a billing run's prepayment pass, a
-- waiver's, a void's, a reversal's). NULL only for the allocations written before this
-- migration, which sealed_before records per community (a community made later has none).
ALTER TABLE allocations ADD COLUMN voucher_id INTEGER;
CREATE INDEX allocations_voucher ON allocations (community_id, voucher_id, id) WHERE voucher_id IS NOT NULL;
CREATE TABLE sealed_before (
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    allocations_id INTEGER NOT NULL,
    CONSTRAINT sealed_before_pkey PRIMARY KEY (community_id)
);
INSERT INTO sealed_before (community_id, allocations_id)
SELECT c.id, COALESCE((SELECT MAX(a.id) FROM allocations a WHERE a.community_id = c.id), 0) FROM communities c;
CREATE TRIGGER sealed_before_fixed_update BEFORE UPDATE ON sealed_before BEGIN SELECT RAISE(ABORT, 'sealed_before is fixed'); END;
CREATE TRIGGER sealed_before_fixed_delete BEFORE DELETE ON sealed_before BEGIN SELECT RAISE(ABORT, 'sealed_before is fixed'); END;
CREATE TRIGGER sealed_before_fixed_insert BEFORE INSERT ON sealed_before BEGIN SELECT RAISE(ABORT, 'sealed_before is fixed'); END;

-- A billing run's bills read back in the order they were sealed.
CREATE INDEX bills_run ON bills (community_id, billing_run_id);

-- Master data (households, units, fee items, standards, meter readings) keeps every version in
-- one chain per community: hash = SHA-256(previous hash, the version), the head kept on the
-- community. A billing run seals the head it billed from, so rewriting the history before a
-- run breaks that run's voucher.
CREATE TABLE master_versions (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    kind         TEXT NOT NULL CHECK (kind IN ('household','unit','fee_item','fee_standard','meter_reading')),
    row_id       INTEGER NOT NULL,
    content      TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    CONSTRAINT master_versions_pkey PRIMARY KEY (community_id, seq)
);
CREATE INDEX master_versions_row ON master_versions (community_id, kind, row_id, seq);
CREATE TRIGGER master_versions_append_only_update BEFORE UPDATE ON master_versions BEGIN SELECT RAISE(ABORT, 'master versions are append-only'); END;
CREATE TRIGGER master_versions_append_only_delete BEFORE DELETE ON master_versions BEGIN SELECT RAISE(ABORT, 'master versions are append-only'); END;
ALTER TABLE communities ADD COLUMN master_seq INTEGER NOT NULL DEFAULT 0 CHECK (master_seq >= 0);
ALTER TABLE communities ADD COLUMN master_head TEXT NOT NULL DEFAULT '';
ALTER TABLE billing_runs ADD COLUMN master_seq INTEGER;
ALTER TABLE billing_runs ADD COLUMN master_head TEXT;
-- What a run billed per building (JSON), sealed with it: the reports' maintained figures are
-- checked against it without reading every bill again.
ALTER TABLE billing_runs ADD COLUMN by_building TEXT;
