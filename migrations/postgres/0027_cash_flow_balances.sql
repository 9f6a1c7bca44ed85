-- The cash each 现金流量项目 moved in each month, maintained in the posting transaction like
-- account_balances, so that the 现金流量表 of any book reads a few rows instead of the journal.
-- `verify` recomputes it from the lines. fen is the net inflow (negative: outflow).
CREATE TABLE cash_flow_balances (
    community_id BIGINT NOT NULL,
    book_id      BIGINT NOT NULL,
    period       BIGINT NOT NULL,
    item         BIGINT NOT NULL,
    fen          BIGINT NOT NULL,
    CONSTRAINT cash_flow_balances_pkey PRIMARY KEY (community_id, book_id, period, item),
    CONSTRAINT cash_flow_balances_item_check CHECK (item BETWEEN 1 AND 22),
    CONSTRAINT cash_flow_balances_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);

-- A book that already has posted vouchers gets its sums built from its journal the first time
-- its 现金流量表 is read (ledger::cash_flow::flows); a new book starts with none to build.
ALTER TABLE books ADD COLUMN cash_flows_built BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE books SET cash_flows_built = FALSE WHERE chain_len > 0;
