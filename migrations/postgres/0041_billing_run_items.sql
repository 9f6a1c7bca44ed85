-- The fee items a billing run billed, one row each: the parent a bill names instead of its run,
-- its book and its fee item apart. One foreign key, (run, fee item, book, month), holds what
-- three did and more: the bill's book and month are its run's, its fee item is one of the
-- run's and of the run's book. Each foreign key is checked row by row (an executor started per
-- bill, about 4 µs), and a district's month is 450,000 bills: two keys a bill (this one and
-- the household's) instead of four halve the time a billing run spends writing its bills.
--
-- Nothing reads these rows but the constraint; a bill holds its row in place (its key cannot
-- change or go while a bill names it), and a run's rows are written with its bills.
--
-- On Citus (a schema already distributed) the new table is a local one until `store::citus`
-- distributes it, which happens when the program connects after migrating; foreign keys
-- between it and distributed tables wait in citus_pending_foreign_keys for that, as the
-- module's own keys set aside do.
SET LOCAL citus.multi_shard_modify_mode = 'sequential';
SET LOCAL citus.multi_task_query_log_level = 'off';

-- IF EXISTS: on Citus a `distribute` cut short leaves them set aside in
-- citus_pending_foreign_keys instead (the DO block below forgets them there).
ALTER TABLE bills DROP CONSTRAINT IF EXISTS bills_billing_run_id_fkey;
ALTER TABLE bills DROP CONSTRAINT IF EXISTS bills_book_id_fkey;
ALTER TABLE bills DROP CONSTRAINT IF EXISTS bills_fee_item_id_fkey;

CREATE TABLE billing_run_items (
    community_id   BIGINT NOT NULL,
    billing_run_id BIGINT NOT NULL,
    fee_item_id    BIGINT NOT NULL,
    book_id        BIGINT NOT NULL,
    period         BIGINT NOT NULL,
    -- (community, run, fee item) alone is unique too: a run has one book and month.
    CONSTRAINT billing_run_items_pkey PRIMARY KEY (community_id, billing_run_id, fee_item_id, book_id, period)
);

INSERT INTO billing_run_items (community_id, billing_run_id, fee_item_id, book_id, period)
SELECT DISTINCT community_id, billing_run_id, fee_item_id, book_id, period FROM bills;

DO $$
DECLARE
    distributed BOOLEAN := false;
    k TEXT[];
BEGIN
    -- The keys the new table's foreign keys name. In the DO block because Citus sends an
    -- index-making ALTER TABLE to the workers as the query text it came in, and a migration's
    -- text holds many commands, which a worker refuses as one prepared statement; inside the
    -- block each command's text is its own.
    ALTER TABLE billing_runs ADD CONSTRAINT billing_runs_book_period_key UNIQUE (community_id, id, book_id, period);
    ALTER TABLE fee_items ADD CONSTRAINT fee_items_book_key UNIQUE (community_id, id, book_id);
    IF to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = ''bills''::regclass)' INTO distributed;
    END IF;
    IF to_regclass('citus_pending_foreign_keys') IS NOT NULL THEN
        DELETE FROM citus_pending_foreign_keys WHERE table_name = 'bills'
           AND name IN ('bills_billing_run_id_fkey', 'bills_book_id_fkey', 'bills_fee_item_id_fkey');
    END IF;
    IF distributed THEN
        CREATE TABLE IF NOT EXISTS citus_pending_foreign_keys (table_name TEXT NOT NULL, name TEXT NOT NULL,
            definition TEXT NOT NULL, PRIMARY KEY (table_name, name));
    END IF;
    FOREACH k SLICE 1 IN ARRAY ARRAY[
        ['billing_run_items', 'billing_run_items_run_fkey',
         'FOREIGN KEY (community_id, billing_run_id, book_id, period) REFERENCES billing_runs(community_id, id, book_id, period)'],
        ['billing_run_items', 'billing_run_items_fee_item_fkey',
         'FOREIGN KEY (community_id, fee_item_id, book_id) REFERENCES fee_items(community_id, id, book_id)'],
        ['bills', 'bills_run_item_fkey',
         'FOREIGN KEY (community_id, billing_run_id, fee_item_id, book_id, period) REFERENCES billing_run_items(community_id, billing_run_id, fee_item_id, book_id, period)']
    ] LOOP
        IF distributed THEN
            INSERT INTO citus_pending_foreign_keys (table_name, name, definition) VALUES (k[1], k[2], k[3]);
        ELSE
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', k[1], k[2], k[3]);
        END IF;
    END LOOP;
END $$;
