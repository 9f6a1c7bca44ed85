-- Maintained per-building, per-month figures of the fee subledger, written in the same
-- transaction as the bills, payments and waivers they sum, so that aging and collection-rate
-- reports never scan every bill (DESIGN.md section 5: reports read maintained figures).
-- kind: billed (event month = bill month), paid (a payment or prepayment applied in the event
-- month to bills of the bill month), waived.
CREATE TABLE receivable_flows (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    building     TEXT NOT NULL,
    bill_period  INTEGER NOT NULL,
    event_period INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('billed','paid','waived')),
    amount_fen   INTEGER NOT NULL,
    PRIMARY KEY (book_id, building, bill_period, event_period, kind)
);
