-- 恢复记录: every restore from a backup, per book: how far the backup's chain and receipts
-- went, and the receipt number the book continues after (the last paper receipt handed out
-- since the backup, or the anchor's count), so no number is issued twice. A version of each
-- row goes into the community's master-data chain; `verify` accepts the one gap in receipt
-- numbers a restore records, and `verify --anchor` says how far the books went back.
CREATE TABLE restores (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    book_id          INTEGER NOT NULL,
    backup_chain_len INTEGER NOT NULL CHECK (backup_chain_len >= 0),
    backup_receipts  INTEGER NOT NULL CHECK (backup_receipts >= 0),
    receipts_after   INTEGER NOT NULL CHECK (receipts_after >= backup_receipts),
    source           TEXT NOT NULL,
    restored_at      TEXT NOT NULL,
    CONSTRAINT restores_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);
CREATE INDEX restores_book ON restores (community_id, book_id);
CREATE TRIGGER restores_append_only_update BEFORE UPDATE ON restores BEGIN SELECT RAISE(ABORT, 'restores are append-only'); END;
CREATE TRIGGER restores_append_only_delete BEFORE DELETE ON restores BEGIN SELECT RAISE(ABORT, 'restores are append-only'); END;

PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''settlement'',''signoff'')', '''settlement'',''signoff'',''restore'')')
WHERE type = 'table' AND name = 'master_versions';
PRAGMA writable_schema = RESET;
