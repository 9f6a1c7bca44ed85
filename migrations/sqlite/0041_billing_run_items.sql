-- The fee items a billing run billed, one row each: the parent a bill's (run, fee item, book,
-- month) must name, so that a bill's book and month are its run's and its fee item is one of
-- the run's and of the run's book. PostgreSQL's migration of this number makes it the bill's
-- foreign key in place of three (each foreign key costs PostgreSQL an executor a bill); SQLite
-- cannot alter a table's constraints, so its bills keep their three keys and a trigger asks
-- for the run's row.
CREATE UNIQUE INDEX billing_runs_book_period_key ON billing_runs (community_id, id, book_id, period);
CREATE UNIQUE INDEX fee_items_book_key ON fee_items (community_id, id, book_id);

CREATE TABLE billing_run_items (
    community_id   INTEGER NOT NULL,
    billing_run_id INTEGER NOT NULL,
    fee_item_id    INTEGER NOT NULL,
    book_id        INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    CONSTRAINT billing_run_items_pkey PRIMARY KEY (community_id, billing_run_id, fee_item_id, book_id, period),
    CONSTRAINT billing_run_items_run_fkey FOREIGN KEY (community_id, billing_run_id, book_id, period)
        REFERENCES billing_runs (community_id, id, book_id, period),
    CONSTRAINT billing_run_items_fee_item_fkey FOREIGN KEY (community_id, fee_item_id, book_id)
        REFERENCES fee_items (community_id, id, book_id)
);

INSERT INTO billing_run_items (community_id, billing_run_id, fee_item_id, book_id, period)
SELECT DISTINCT community_id, billing_run_id, fee_item_id, book_id, period FROM bills;

CREATE TRIGGER bills_run_item BEFORE INSERT ON bills
WHEN NOT EXISTS (SELECT 1 FROM billing_run_items r WHERE r.community_id = NEW.community_id AND r.billing_run_id = NEW.billing_run_id
                 AND r.fee_item_id = NEW.fee_item_id AND r.book_id = NEW.book_id AND r.period = NEW.period)
BEGIN SELECT RAISE(ABORT, 'a bill''s run, fee item, book and month must be a row of billing_run_items'); END;

-- A bill names its row; the row stays as it is.
CREATE TRIGGER billing_run_items_append_only_u BEFORE UPDATE ON billing_run_items
BEGIN SELECT RAISE(ABORT, 'billing_run_items is append-only'); END;
CREATE TRIGGER billing_run_items_append_only_d BEFORE DELETE ON billing_run_items
BEGIN SELECT RAISE(ABORT, 'billing_run_items is append-only'); END;
