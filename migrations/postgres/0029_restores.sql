-- 恢复记录: every restore from a backup, per book: how far the backup's chain and receipts
-- went, and the receipt number the book continues after (the last paper receipt handed out
-- since the backup, or the anchor's count), so no number is issued twice. A version of each
-- row goes into the community's master-data chain; `verify` accepts the one gap in receipt
-- numbers a restore records, and `verify --anchor` says how far the books went back.
CREATE TABLE restores (
    id               BIGINT GENERATED ALWAYS AS IDENTITY,
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    book_id          BIGINT NOT NULL,
    backup_chain_len BIGINT NOT NULL,
    backup_receipts  BIGINT NOT NULL,
    receipts_after   BIGINT NOT NULL,
    source           TEXT NOT NULL,
    restored_at      TIMESTAMPTZ NOT NULL,
    CONSTRAINT restores_pkey PRIMARY KEY (community_id, id),
    CONSTRAINT restores_counts_check CHECK (backup_chain_len >= 0 AND backup_receipts >= 0 AND receipts_after >= backup_receipts),
    CONSTRAINT restores_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);
CREATE TRIGGER restores_append_only BEFORE UPDATE OR DELETE ON restores FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();

ALTER TABLE master_versions DROP CONSTRAINT master_versions_kind_check;
ALTER TABLE master_versions ADD CONSTRAINT master_versions_kind_check CHECK (kind IN ('household','unit','fee_item','fee_standard',
    'meter_reading','subsidy_program','disbursement','budget','revenue_rule','roster','roster_member','fixed_asset','settlement','signoff',
    'restore'));
