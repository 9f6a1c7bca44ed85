-- Maintained per-building, per-month figures of the fee subledger (PostgreSQL; same model as
-- migrations/sqlite). See the SQLite migration for why.
CREATE TABLE receivable_flows (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    book_id      BIGINT NOT NULL REFERENCES books(id),
    building     TEXT NOT NULL,
    bill_period  BIGINT NOT NULL,
    event_period BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('billed','paid','waived')),
    amount_fen   BIGINT NOT NULL,
    PRIMARY KEY (book_id, building, bill_period, event_period, kind)
);
