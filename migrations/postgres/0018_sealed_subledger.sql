-- The subledger sealed in the hash chain (DESIGN.md invariant 4, issue 10); the same model as
-- migrations/sqlite/0018_sealed_subledger.sql, which says why each part is there.
ALTER TABLE vouchers ADD COLUMN subledger_digest TEXT;

ALTER TABLE allocations ADD COLUMN voucher_id BIGINT;
CREATE INDEX allocations_voucher ON allocations (community_id, voucher_id, id) WHERE voucher_id IS NOT NULL;
CREATE TABLE sealed_before (
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    allocations_id BIGINT NOT NULL,
    CONSTRAINT sealed_before_pkey PRIMARY KEY (community_id)
);
INSERT INTO sealed_before (community_id, allocations_id)
SELECT c.id, COALESCE((SELECT MAX(a.id) FROM allocations a WHERE a.community_id = c.id), 0) FROM communities c;
CREATE FUNCTION refuse_change_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is fixed', TG_TABLE_NAME;
END $$;
CREATE TRIGGER sealed_before_fixed BEFORE INSERT OR UPDATE OR DELETE ON sealed_before FOR EACH ROW EXECUTE FUNCTION refuse_change_fixed();

CREATE INDEX bills_run ON bills (community_id, billing_run_id);

CREATE TABLE master_versions (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    seq          BIGINT NOT NULL CHECK (seq >= 1),
    kind         TEXT NOT NULL CHECK (kind IN ('household','unit','fee_item','fee_standard','meter_reading')),
    row_id       BIGINT NOT NULL,
    content      TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT master_versions_pkey PRIMARY KEY (community_id, seq)
);
CREATE INDEX master_versions_row ON master_versions (community_id, kind, row_id, seq);
CREATE TRIGGER master_versions_append_only BEFORE UPDATE OR DELETE ON master_versions FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
ALTER TABLE communities ADD COLUMN master_seq BIGINT NOT NULL DEFAULT 0 CHECK (master_seq >= 0);
ALTER TABLE communities ADD COLUMN master_head TEXT NOT NULL DEFAULT '';
ALTER TABLE billing_runs ADD COLUMN master_seq BIGINT;
ALTER TABLE billing_runs ADD COLUMN master_head TEXT;
-- What a run billed per building (JSON), sealed with it: the reports' maintained figures are
-- checked against it without reading every bill again.
ALTER TABLE billing_runs ADD COLUMN by_building TEXT;
