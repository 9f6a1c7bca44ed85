-- A month's receipts in receipt order: the tree a month's disclosure prints the root of, which
-- the receipt verification page builds (src/disclosure). Without it each build read every
-- payment of the book.
CREATE INDEX payments_month ON payments (community_id, book_id, period, receipt_number);

-- What settled bills in a month: a disclosure reads the months its formulas need in detail and
-- the rest from the maintained receivable_flows.
CREATE INDEX allocations_month ON allocations (community_id, period);
