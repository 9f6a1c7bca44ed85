-- Keys ready for sharding by community (PostgreSQL; same model as migrations/sqlite).
--
-- Why: a city-wide deployment distributes every community table by community_id on Citus,
-- which requires the distribution column in every PRIMARY KEY, UNIQUE constraint and FOREIGN
-- KEY between distributed tables (DESIGN.md section 5). Until now only community_id was
-- carried; this migration makes it lead every key. communities stays as it is: it becomes a
-- small reference table, replicated to every node, and foreign keys from distributed tables to
-- a reference table are allowed as they are, so every `<table>_community_id_fkey` is kept.
--
-- Only keys change: every column, type, CHECK, default, identity, trigger, index and row stays;
-- the superseded keys need no index of their own, since every query names its community and
-- the new keys, with community_id in front, serve the lookups the old ones did.
-- Ids keep their values and their identity columns; an id is still unique on its own (it comes
-- from the table's identity), so (community_id, id) is as strict a key as id was. Foreign keys
-- become stricter: a row can only point at a parent of its own community.
--
-- The whole migration is one transaction (PostgreSQL DDL is transactional): either every key
-- is replaced or none is. Order: foreign keys first (they depend on the parents' keys), then
-- the old primary and unique keys, then the new keys, then the new foreign keys.
--
-- Constraint names are explicit: PRIMARY KEYs are `<table>_pkey`, UNIQUEs have the names the
-- application maps to user messages (`<table>_<what>_key`), and each FOREIGN KEY keeps the name
-- it had (`<table>_<column>_fkey`), now over community_id and that column.

-- 1. Foreign keys between community tables.
ALTER TABLE accounts DROP CONSTRAINT accounts_book_id_fkey;
ALTER TABLE periods DROP CONSTRAINT periods_book_id_fkey;
ALTER TABLE vouchers
    DROP CONSTRAINT vouchers_book_id_fkey,
    DROP CONSTRAINT vouchers_book_id_period_fkey,
    DROP CONSTRAINT vouchers_reverses_id_fkey;
ALTER TABLE voucher_lines
    DROP CONSTRAINT voucher_lines_book_id_fkey,
    DROP CONSTRAINT voucher_lines_voucher_id_fkey,
    DROP CONSTRAINT voucher_lines_account_id_fkey;
ALTER TABLE account_balances
    DROP CONSTRAINT account_balances_book_id_fkey,
    DROP CONSTRAINT account_balances_account_id_fkey;
ALTER TABLE opening_balances
    DROP CONSTRAINT opening_balances_book_id_fkey,
    DROP CONSTRAINT opening_balances_account_id_fkey;
ALTER TABLE household_history DROP CONSTRAINT household_history_household_id_fkey;
ALTER TABLE fee_items
    DROP CONSTRAINT fee_items_book_id_fkey,
    DROP CONSTRAINT fee_items_revenue_account_id_fkey;
ALTER TABLE fee_standards DROP CONSTRAINT fee_standards_fee_item_id_fkey;
ALTER TABLE meter_readings
    DROP CONSTRAINT meter_readings_household_id_fkey,
    DROP CONSTRAINT meter_readings_fee_item_id_fkey;
ALTER TABLE billing_runs
    DROP CONSTRAINT billing_runs_book_id_fkey,
    DROP CONSTRAINT billing_runs_voucher_id_fkey;
ALTER TABLE bills
    DROP CONSTRAINT bills_book_id_fkey,
    DROP CONSTRAINT bills_household_id_fkey,
    DROP CONSTRAINT bills_fee_item_id_fkey,
    DROP CONSTRAINT bills_billing_run_id_fkey;
ALTER TABLE payments
    DROP CONSTRAINT payments_book_id_fkey,
    DROP CONSTRAINT payments_household_id_fkey,
    DROP CONSTRAINT payments_voucher_id_fkey;
ALTER TABLE waivers
    DROP CONSTRAINT waivers_bill_id_fkey,
    DROP CONSTRAINT waivers_voucher_id_fkey;
ALTER TABLE allocations
    DROP CONSTRAINT allocations_bill_id_fkey,
    DROP CONSTRAINT allocations_payment_id_fkey,
    DROP CONSTRAINT allocations_waiver_id_fkey,
    DROP CONSTRAINT allocations_void_id_fkey;
ALTER TABLE receivable_flows DROP CONSTRAINT receivable_flows_book_id_fkey;
ALTER TABLE payment_voids
    DROP CONSTRAINT payment_voids_payment_id_fkey,
    DROP CONSTRAINT payment_voids_voucher_id_fkey;

-- 2. Primary keys and unique constraints without community_id in front. The two that already
-- lead with it (books' code, households' room) keep their index and only take their new names.
ALTER TABLE books DROP CONSTRAINT books_pkey;
ALTER TABLE books RENAME CONSTRAINT books_community_id_code_key TO books_code_key;
ALTER TABLE accounts DROP CONSTRAINT accounts_pkey, DROP CONSTRAINT accounts_book_id_code_key;
ALTER TABLE periods DROP CONSTRAINT periods_pkey;
ALTER TABLE vouchers
    DROP CONSTRAINT vouchers_pkey,
    DROP CONSTRAINT vouchers_book_id_period_number_key,
    DROP CONSTRAINT vouchers_book_id_chain_seq_key,
    DROP CONSTRAINT vouchers_reverses_id_key;
ALTER TABLE voucher_lines DROP CONSTRAINT voucher_lines_pkey, DROP CONSTRAINT voucher_lines_voucher_id_line_no_key;
ALTER TABLE account_balances DROP CONSTRAINT account_balances_pkey;
ALTER TABLE opening_balances DROP CONSTRAINT opening_balances_pkey;
ALTER TABLE households DROP CONSTRAINT households_pkey;
ALTER TABLE households RENAME CONSTRAINT households_community_id_building_unit_room_key TO households_room_key;
ALTER TABLE household_history DROP CONSTRAINT household_history_pkey;
ALTER TABLE fee_items DROP CONSTRAINT fee_items_pkey, DROP CONSTRAINT fee_items_book_id_code_key;
ALTER TABLE fee_standards DROP CONSTRAINT fee_standards_pkey;
ALTER TABLE meter_readings DROP CONSTRAINT meter_readings_pkey, DROP CONSTRAINT meter_readings_household_id_fee_item_id_period_key;
ALTER TABLE billing_runs DROP CONSTRAINT billing_runs_pkey;
ALTER TABLE bills DROP CONSTRAINT bills_pkey, DROP CONSTRAINT bills_household_id_fee_item_id_period_key;
ALTER TABLE payments
    DROP CONSTRAINT payments_pkey,
    DROP CONSTRAINT payments_book_id_idempotency_key_key,
    DROP CONSTRAINT payments_book_id_receipt_number_key;
ALTER TABLE waivers DROP CONSTRAINT waivers_pkey;
ALTER TABLE allocations DROP CONSTRAINT allocations_pkey;
ALTER TABLE receivable_flows DROP CONSTRAINT receivable_flows_pkey;
ALTER TABLE payment_voids
    DROP CONSTRAINT payment_voids_pkey,
    DROP CONSTRAINT payment_voids_payment_id_key,
    DROP CONSTRAINT payment_voids_voucher_id_key;

-- 3. The new keys: each old key with community_id in front. A row's identity is (community_id,
-- id); natural keys are unique inside a community, which is what they always meant, since a
-- book, household or voucher belongs to one community.
ALTER TABLE books ADD CONSTRAINT books_pkey PRIMARY KEY (community_id, id);
ALTER TABLE accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (community_id, id),
    -- an account code once per book (会计科目编码)
    ADD CONSTRAINT accounts_code_key UNIQUE (community_id, book_id, code);
-- one row per book and month
ALTER TABLE periods ADD CONSTRAINT periods_pkey PRIMARY KEY (community_id, book_id, period);
ALTER TABLE vouchers
    ADD CONSTRAINT vouchers_pkey PRIMARY KEY (community_id, id),
    -- 记-0001…: a number once per book and month
    ADD CONSTRAINT vouchers_number_key UNIQUE (community_id, book_id, period, number),
    -- one place in the book's hash chain per posted voucher
    ADD CONSTRAINT vouchers_chain_key UNIQUE (community_id, book_id, chain_seq),
    -- a voucher is reversed at most once
    ADD CONSTRAINT vouchers_reverses_key UNIQUE (community_id, reverses_id);
ALTER TABLE voucher_lines
    ADD CONSTRAINT voucher_lines_pkey PRIMARY KEY (community_id, id),
    ADD CONSTRAINT voucher_lines_line_key UNIQUE (community_id, voucher_id, line_no);
-- one maintained row per account and month (the posting upsert's conflict target)
ALTER TABLE account_balances ADD CONSTRAINT account_balances_pkey PRIMARY KEY (community_id, book_id, account_id, period);
ALTER TABLE opening_balances ADD CONSTRAINT opening_balances_pkey PRIMARY KEY (community_id, book_id, account_id);
ALTER TABLE households ADD CONSTRAINT households_pkey PRIMARY KEY (community_id, id);
ALTER TABLE household_history ADD CONSTRAINT household_history_pkey PRIMARY KEY (community_id, id);
ALTER TABLE fee_items
    ADD CONSTRAINT fee_items_pkey PRIMARY KEY (community_id, id),
    ADD CONSTRAINT fee_items_code_key UNIQUE (community_id, book_id, code);
ALTER TABLE fee_standards ADD CONSTRAINT fee_standards_pkey PRIMARY KEY (community_id, id);
ALTER TABLE meter_readings
    ADD CONSTRAINT meter_readings_pkey PRIMARY KEY (community_id, id),
    ADD CONSTRAINT meter_readings_month_key UNIQUE (community_id, household_id, fee_item_id, period);
ALTER TABLE billing_runs ADD CONSTRAINT billing_runs_pkey PRIMARY KEY (community_id, id);
ALTER TABLE bills
    ADD CONSTRAINT bills_pkey PRIMARY KEY (community_id, id),
    -- one bill per household, fee item and month: makes a billing run idempotent
    ADD CONSTRAINT bills_month_key UNIQUE (community_id, household_id, fee_item_id, period);
ALTER TABLE payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (community_id, id),
    -- a retried submission records one payment (the insert's conflict target)
    ADD CONSTRAINT payments_key_key UNIQUE (community_id, book_id, idempotency_key),
    -- receipt numbers once per book
    ADD CONSTRAINT payments_receipt_key UNIQUE (community_id, book_id, receipt_number);
ALTER TABLE waivers ADD CONSTRAINT waivers_pkey PRIMARY KEY (community_id, id);
ALTER TABLE allocations ADD CONSTRAINT allocations_pkey PRIMARY KEY (community_id, id);
-- one maintained figure per building, bill month, event month and kind (the upsert's target)
ALTER TABLE receivable_flows
    ADD CONSTRAINT receivable_flows_pkey PRIMARY KEY (community_id, book_id, building, bill_period, event_period, kind);
ALTER TABLE payment_voids
    ADD CONSTRAINT payment_voids_pkey PRIMARY KEY (community_id, id),
    -- a payment is voided at most once, by one red-ink voucher
    ADD CONSTRAINT payment_voids_payment_key UNIQUE (community_id, payment_id),
    ADD CONSTRAINT payment_voids_voucher_key UNIQUE (community_id, voucher_id);

-- 4. Foreign keys between community tables, each over community_id and the old column(s), to
-- the parent's new key. A nullable column (reverses_id, voucher_id of a billing run, payment_id,
-- waiver_id, void_id) is checked only when set, as before (MATCH SIMPLE).
ALTER TABLE accounts ADD CONSTRAINT accounts_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id);
ALTER TABLE periods ADD CONSTRAINT periods_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id);
ALTER TABLE vouchers
    ADD CONSTRAINT vouchers_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT vouchers_book_id_period_fkey FOREIGN KEY (community_id, book_id, period) REFERENCES periods (community_id, book_id, period),
    ADD CONSTRAINT vouchers_reverses_id_fkey FOREIGN KEY (community_id, reverses_id) REFERENCES vouchers (community_id, id);
ALTER TABLE voucher_lines
    ADD CONSTRAINT voucher_lines_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT voucher_lines_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id),
    ADD CONSTRAINT voucher_lines_account_id_fkey FOREIGN KEY (community_id, account_id) REFERENCES accounts (community_id, id);
ALTER TABLE account_balances
    ADD CONSTRAINT account_balances_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT account_balances_account_id_fkey FOREIGN KEY (community_id, account_id) REFERENCES accounts (community_id, id);
ALTER TABLE opening_balances
    ADD CONSTRAINT opening_balances_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT opening_balances_account_id_fkey FOREIGN KEY (community_id, account_id) REFERENCES accounts (community_id, id);
ALTER TABLE household_history
    ADD CONSTRAINT household_history_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id);
ALTER TABLE fee_items
    ADD CONSTRAINT fee_items_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT fee_items_revenue_account_id_fkey FOREIGN KEY (community_id, revenue_account_id) REFERENCES accounts (community_id, id);
ALTER TABLE fee_standards
    ADD CONSTRAINT fee_standards_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id);
ALTER TABLE meter_readings
    ADD CONSTRAINT meter_readings_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    ADD CONSTRAINT meter_readings_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id);
ALTER TABLE billing_runs
    ADD CONSTRAINT billing_runs_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT billing_runs_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id);
ALTER TABLE bills
    ADD CONSTRAINT bills_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT bills_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    ADD CONSTRAINT bills_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id),
    ADD CONSTRAINT bills_billing_run_id_fkey FOREIGN KEY (community_id, billing_run_id) REFERENCES billing_runs (community_id, id);
ALTER TABLE payments
    ADD CONSTRAINT payments_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    ADD CONSTRAINT payments_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    ADD CONSTRAINT payments_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id);
ALTER TABLE waivers
    ADD CONSTRAINT waivers_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    ADD CONSTRAINT waivers_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id);
ALTER TABLE payment_voids
    ADD CONSTRAINT payment_voids_payment_id_fkey FOREIGN KEY (community_id, payment_id) REFERENCES payments (community_id, id),
    ADD CONSTRAINT payment_voids_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id);
ALTER TABLE allocations
    ADD CONSTRAINT allocations_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    ADD CONSTRAINT allocations_payment_id_fkey FOREIGN KEY (community_id, payment_id) REFERENCES payments (community_id, id),
    ADD CONSTRAINT allocations_waiver_id_fkey FOREIGN KEY (community_id, waiver_id) REFERENCES waivers (community_id, id),
    ADD CONSTRAINT allocations_void_id_fkey FOREIGN KEY (community_id, void_id) REFERENCES payment_voids (community_id, id);
ALTER TABLE receivable_flows
    ADD CONSTRAINT receivable_flows_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id);

-- 5. The plain indexes of 0001–0005, with community_id in front as in the keys: every query
-- names its community, and on Citus each index is split by it like its table.
DROP INDEX vouchers_unposted, vouchers_carry_forward, voucher_lines_account, bills_book_period, payments_household,
    allocations_bill, allocations_payment;
CREATE INDEX vouchers_unposted ON vouchers (community_id, book_id, period) WHERE status <> 'posted';
CREATE INDEX vouchers_carry_forward ON vouchers (community_id, book_id, period) WHERE kind = 'carry_forward';
CREATE INDEX voucher_lines_account ON voucher_lines (community_id, account_id);
CREATE INDEX bills_book_period ON bills (community_id, book_id, period);
CREATE INDEX payments_household ON payments (community_id, household_id);
CREATE INDEX allocations_bill ON allocations (community_id, bill_id);
CREATE INDEX allocations_payment ON allocations (community_id, payment_id);
