-- Keys ready for sharding by community (SQLite; same model as migrations/postgres).
--
-- Why: a city-wide deployment distributes every community table by community_id on Citus,
-- which requires the distribution column in every PRIMARY KEY, UNIQUE constraint and FOREIGN
-- KEY between distributed tables (DESIGN.md section 5). The embedded engine keeps the same keys
-- as the server engine, so that both run one model and one set of ON CONFLICT targets.
-- communities stays as it is (a reference table on Citus); every table keeps its foreign key
-- community_id → communities(id).
--
-- Only keys change: every column (in its order), type, CHECK, default, index, trigger and row
-- stays. SQLite keeps `id INTEGER PRIMARY KEY`: it is the rowid, it is how SQLite assigns ids,
-- and the rows are copied with their ids. Every table that another table points at also gets
-- `<table>_community_key UNIQUE (community_id, id)`, the parent key the composite foreign keys
-- need. Foreign keys become stricter: a row can only point at a parent of its own community.
--
-- How: SQLite cannot alter constraints, so every community table is rebuilt. sqlx 0.8.6 runs
-- an SQLite migration inside its own transaction whatever the file says (sqlx-sqlite's
-- `Migrate::apply` ignores `-- no-transaction`), and PRAGMA foreign_keys cannot be switched off
-- inside a transaction. So instead of the 12-step procedure's "create new_X, drop X, rename
-- new_X to X" (whose DROP would fail on the children's foreign keys), this migration
--   1. drops every trigger (RENAME checks trigger bodies) and every named index;
--   2. renames each old table to <table>_v5 (SQLite rewrites the old children's foreign keys to
--      the new names, so the old tables stay consistent among themselves);
--   3. creates the new tables under the old names;
--   4. copies the rows, parents first, with foreign keys enforced: a row whose parent is missing
--      or in another community fails the migration (the foreign_key_check, done row by row);
--   5. drops the old tables, children first (nothing points at them any more);
--   6. recreates every index and every trigger, with the text of migrations 0001–0005.
-- All of it commits or rolls back as one transaction.

-- 1. Triggers and named indexes (the constraints' own indexes go with their tables).
DROP TRIGGER vouchers_posted_no_update;
DROP TRIGGER vouchers_posted_no_delete;
DROP TRIGGER voucher_lines_posted_no_update;
DROP TRIGGER voucher_lines_posted_no_delete;
DROP TRIGGER vouchers_no_post_into_closed_insert;
DROP TRIGGER vouchers_no_post_into_closed_update;
DROP TRIGGER periods_closed_stay_closed;
DROP TRIGGER opening_fixed_insert;
DROP TRIGGER opening_fixed_update;
DROP TRIGGER opening_fixed_delete;
DROP TRIGGER bills_append_only_update;
DROP TRIGGER bills_append_only_delete;
DROP TRIGGER payments_append_only_update;
DROP TRIGGER payments_append_only_delete;
DROP TRIGGER allocations_append_only_update;
DROP TRIGGER allocations_append_only_delete;
DROP TRIGGER waivers_append_only_update;
DROP TRIGGER waivers_append_only_delete;
DROP TRIGGER payment_voids_append_only_update;
DROP TRIGGER payment_voids_append_only_delete;

DROP INDEX vouchers_unposted;
DROP INDEX vouchers_carry_forward;
DROP INDEX voucher_lines_account;
DROP INDEX bills_book_period;
DROP INDEX payments_household;
DROP INDEX allocations_bill;
DROP INDEX allocations_payment;

-- 2. The old tables step aside.
ALTER TABLE books RENAME TO books_v5;
ALTER TABLE accounts RENAME TO accounts_v5;
ALTER TABLE periods RENAME TO periods_v5;
ALTER TABLE vouchers RENAME TO vouchers_v5;
ALTER TABLE voucher_lines RENAME TO voucher_lines_v5;
ALTER TABLE account_balances RENAME TO account_balances_v5;
ALTER TABLE opening_balances RENAME TO opening_balances_v5;
ALTER TABLE households RENAME TO households_v5;
ALTER TABLE household_history RENAME TO household_history_v5;
ALTER TABLE fee_items RENAME TO fee_items_v5;
ALTER TABLE fee_standards RENAME TO fee_standards_v5;
ALTER TABLE meter_readings RENAME TO meter_readings_v5;
ALTER TABLE billing_runs RENAME TO billing_runs_v5;
ALTER TABLE bills RENAME TO bills_v5;
ALTER TABLE payments RENAME TO payments_v5;
ALTER TABLE waivers RENAME TO waivers_v5;
ALTER TABLE payment_voids RENAME TO payment_voids_v5;
ALTER TABLE allocations RENAME TO allocations_v5;
ALTER TABLE receivable_flows RENAME TO receivable_flows_v5;

-- 3. The new tables: the columns of 0001–0004 as they are, and the keys with community_id in
-- front. Comments on what each table is live in 0001–0004.

-- A book's code once per community.
CREATE TABLE books (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    code             TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    name             TEXT NOT NULL,
    chart            TEXT NOT NULL,
    standard         TEXT NOT NULL,
    edition          TEXT NOT NULL,
    profit_account   TEXT NOT NULL,
    retained_account TEXT NOT NULL,
    start_period     INTEGER NOT NULL,
    chain_len        INTEGER NOT NULL DEFAULT 0 CHECK (chain_len >= 0),
    chain_head       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    receipts_issued  INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT books_community_key UNIQUE (community_id, id),
    CONSTRAINT books_code_key UNIQUE (community_id, code)
);

-- An account code (会计科目编码) once per book.
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    class        TEXT NOT NULL CHECK (class IN ('asset','liability','equity','cost','profit_and_loss')),
    normal_side  TEXT NOT NULL CHECK (normal_side IN ('debit','credit')),
    parent_code  TEXT,
    level        INTEGER NOT NULL CHECK (level >= 1),
    is_leaf      INTEGER NOT NULL CHECK (is_leaf IN (0,1)),
    CONSTRAINT accounts_community_key UNIQUE (community_id, id),
    CONSTRAINT accounts_code_key UNIQUE (community_id, book_id, code),
    CONSTRAINT accounts_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);

-- One row per book and month; vouchers point at it.
CREATE TABLE periods (
    community_id        INTEGER NOT NULL REFERENCES communities(id),
    book_id             INTEGER NOT NULL,
    period              INTEGER NOT NULL CHECK (period % 100 BETWEEN 1 AND 12),
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
    vouchers_posted     INTEGER NOT NULL DEFAULT 0 CHECK (vouchers_posted >= 0),
    closed_at           TEXT,
    closed_by           TEXT,
    chain_len_at_close  INTEGER,
    chain_head_at_close TEXT,
    CONSTRAINT periods_pkey PRIMARY KEY (community_id, book_id, period),
    CONSTRAINT periods_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CHECK (status = 'open' OR (closed_at IS NOT NULL AND chain_head_at_close IS NOT NULL))
);

-- A number (记-0001) once per book and month, one place per posted voucher in the book's hash
-- chain, and a voucher reversed at most once.
CREATE TABLE vouchers (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    period       INTEGER NOT NULL,
    voucher_date TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('normal','reversal','carry_forward')),
    status       TEXT NOT NULL CHECK (status IN ('draft','reviewed','posted')),
    number       INTEGER CHECK (number >= 1),
    attachments  INTEGER NOT NULL DEFAULT 0 CHECK (attachments BETWEEN 0 AND 9999),
    maker        TEXT NOT NULL,
    reviewer     TEXT,
    poster       TEXT,
    reverses_id  INTEGER,
    created_at   TEXT NOT NULL,
    reviewed_at  TEXT,
    posted_at    TEXT,
    chain_seq    INTEGER,
    prev_hash    TEXT,
    hash         TEXT,
    CONSTRAINT vouchers_community_key UNIQUE (community_id, id),
    CONSTRAINT vouchers_number_key UNIQUE (community_id, book_id, period, number),
    CONSTRAINT vouchers_chain_key UNIQUE (community_id, book_id, chain_seq),
    CONSTRAINT vouchers_reverses_key UNIQUE (community_id, reverses_id),
    CONSTRAINT vouchers_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT vouchers_book_id_period_fkey FOREIGN KEY (community_id, book_id, period) REFERENCES periods (community_id, book_id, period),
    CONSTRAINT vouchers_reverses_id_fkey FOREIGN KEY (community_id, reverses_id) REFERENCES vouchers (community_id, id),
    -- 审核 must be done by someone other than 制单 (separation of duties).
    CHECK (reviewer IS NULL OR reviewer <> maker),
    CHECK (status = 'draft' OR reviewer IS NOT NULL),
    CHECK (status <> 'posted' OR (number IS NOT NULL AND chain_seq IS NOT NULL AND hash IS NOT NULL AND poster IS NOT NULL)),
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL))
);

-- A line number once per voucher.
CREATE TABLE voucher_lines (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    book_id            INTEGER NOT NULL,
    voucher_id         INTEGER NOT NULL,
    line_no            INTEGER NOT NULL CHECK (line_no >= 1),
    summary            TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 200),
    account_id         INTEGER NOT NULL,
    debit_fen          INTEGER NOT NULL,
    credit_fen         INTEGER NOT NULL,
    household_id       INTEGER,
    fee_item_id        INTEGER,
    subsidy_program_id INTEGER,
    service_category   TEXT,
    supplier_id        INTEGER,
    CONSTRAINT voucher_lines_line_key UNIQUE (community_id, voucher_id, line_no),
    CONSTRAINT voucher_lines_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT voucher_lines_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id),
    CONSTRAINT voucher_lines_account_id_fkey FOREIGN KEY (community_id, account_id) REFERENCES accounts (community_id, id),
    CHECK ((debit_fen = 0) <> (credit_fen = 0))
);

-- One maintained row per account and month: the posting upsert's conflict target.
CREATE TABLE account_balances (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    account_id   INTEGER NOT NULL,
    period       INTEGER NOT NULL,
    debit_fen    INTEGER NOT NULL DEFAULT 0,
    credit_fen   INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT account_balances_pkey PRIMARY KEY (community_id, book_id, account_id, period),
    CONSTRAINT account_balances_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT account_balances_account_id_fkey FOREIGN KEY (community_id, account_id) REFERENCES accounts (community_id, id)
);

-- One opening balance per account of a book.
CREATE TABLE opening_balances (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    account_id   INTEGER NOT NULL,
    balance_fen  INTEGER NOT NULL,
    CONSTRAINT opening_balances_pkey PRIMARY KEY (community_id, book_id, account_id),
    CONSTRAINT opening_balances_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT opening_balances_account_id_fkey FOREIGN KEY (community_id, account_id) REFERENCES accounts (community_id, id)
);

-- A room once per community (it already led with community_id; only the name is new).
CREATE TABLE households (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities(id),
    building          TEXT NOT NULL CHECK (length(building) BETWEEN 1 AND 40),
    unit              TEXT NOT NULL CHECK (length(unit) <= 40),
    room              TEXT NOT NULL CHECK (length(room) BETWEEN 1 AND 40),
    area_m2_hundredths INTEGER NOT NULL CHECK (area_m2_hundredths > 0),
    kind              TEXT NOT NULL CHECK (kind IN ('residential','commercial','garage','parking')),
    owner_name        TEXT NOT NULL,
    phone             TEXT NOT NULL,
    move_in_date      TEXT,
    updated_at        TEXT NOT NULL,
    CONSTRAINT households_community_key UNIQUE (community_id, id),
    CONSTRAINT households_room_key UNIQUE (community_id, building, unit, room)
);

CREATE TABLE household_history (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities(id),
    household_id      INTEGER NOT NULL,
    area_m2_hundredths INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    owner_name        TEXT NOT NULL,
    phone             TEXT NOT NULL,
    move_in_date      TEXT,
    valid_until       TEXT NOT NULL,
    CONSTRAINT household_history_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id)
);

-- A fee item's code once per book.
CREATE TABLE fee_items (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    book_id            INTEGER NOT NULL,
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    basis              TEXT NOT NULL CHECK (basis IN ('per_m2_month','fixed_month','metered')),
    revenue_account_id INTEGER NOT NULL,
    late_fee_ppm_per_day INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_ppm_per_day >= 0),
    late_fee_cap_percent INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_cap_percent BETWEEN 0 AND 100),
    CONSTRAINT fee_items_community_key UNIQUE (community_id, id),
    CONSTRAINT fee_items_code_key UNIQUE (community_id, book_id, code),
    CONSTRAINT fee_items_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT fee_items_revenue_account_id_fkey FOREIGN KEY (community_id, revenue_account_id) REFERENCES accounts (community_id, id)
);

CREATE TABLE fee_standards (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    fee_item_id    INTEGER NOT NULL,
    household_kind TEXT NOT NULL CHECK (household_kind IN ('residential','commercial','garage','parking')),
    rate_yuan      TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT,
    CONSTRAINT fee_standards_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id),
    CHECK (valid_until IS NULL OR valid_until > valid_from)
);

-- One reading per household, fee item and month.
CREATE TABLE meter_readings (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    household_id   INTEGER NOT NULL,
    fee_item_id    INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    reading        TEXT NOT NULL,
    is_replacement INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT meter_readings_month_key UNIQUE (community_id, household_id, fee_item_id, period),
    CONSTRAINT meter_readings_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT meter_readings_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id)
);

CREATE TABLE billing_runs (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    period       INTEGER NOT NULL,
    voucher_id   INTEGER,
    bills        INTEGER NOT NULL,
    total_fen    INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    CONSTRAINT billing_runs_community_key UNIQUE (community_id, id),
    CONSTRAINT billing_runs_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT billing_runs_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);

-- One bill per household, fee item and month: makes a billing run idempotent.
CREATE TABLE bills (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    book_id        INTEGER NOT NULL,
    household_id   INTEGER NOT NULL,
    fee_item_id    INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    billing_run_id INTEGER NOT NULL,
    CONSTRAINT bills_community_key UNIQUE (community_id, id),
    CONSTRAINT bills_month_key UNIQUE (community_id, household_id, fee_item_id, period),
    CONSTRAINT bills_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT bills_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT bills_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id),
    CONSTRAINT bills_billing_run_id_fkey FOREIGN KEY (community_id, billing_run_id) REFERENCES billing_runs (community_id, id)
);

-- A retried submission records one payment (the insert's conflict target); receipt numbers
-- once per book.
CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    book_id         INTEGER NOT NULL,
    household_id    INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('cash','bank','wechat','alipay')),
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    paid_on         TEXT NOT NULL,
    period          INTEGER NOT NULL,
    receipt_number  INTEGER NOT NULL,
    voucher_id      INTEGER NOT NULL,
    cashier         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    CONSTRAINT payments_community_key UNIQUE (community_id, id),
    CONSTRAINT payments_key_key UNIQUE (community_id, book_id, idempotency_key),
    CONSTRAINT payments_receipt_key UNIQUE (community_id, book_id, receipt_number),
    CONSTRAINT payments_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT payments_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT payments_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);

CREATE TABLE waivers (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver     TEXT NOT NULL,
    period       INTEGER NOT NULL,
    voucher_id   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    CONSTRAINT waivers_community_key UNIQUE (community_id, id),
    CONSTRAINT waivers_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    CONSTRAINT waivers_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);

-- A payment is voided at most once, by one red-ink voucher.
CREATE TABLE payment_voids (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    payment_id   INTEGER NOT NULL,
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver     TEXT NOT NULL CHECK (length(approver) BETWEEN 1 AND 50),
    period       INTEGER NOT NULL,
    voucher_id   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    CONSTRAINT payment_voids_community_key UNIQUE (community_id, id),
    CONSTRAINT payment_voids_payment_key UNIQUE (community_id, payment_id),
    CONSTRAINT payment_voids_voucher_key UNIQUE (community_id, voucher_id),
    CONSTRAINT payment_voids_payment_id_fkey FOREIGN KEY (community_id, payment_id) REFERENCES payments (community_id, id),
    CONSTRAINT payment_voids_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);

-- payment_id, waiver_id and void_id are checked only when set, as before.
CREATE TABLE allocations (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL,
    payment_id   INTEGER,
    waiver_id    INTEGER,
    void_id      INTEGER,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen <> 0),
    period       INTEGER NOT NULL,
    CONSTRAINT allocations_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    CONSTRAINT allocations_payment_id_fkey FOREIGN KEY (community_id, payment_id) REFERENCES payments (community_id, id),
    CONSTRAINT allocations_waiver_id_fkey FOREIGN KEY (community_id, waiver_id) REFERENCES waivers (community_id, id),
    CONSTRAINT allocations_void_id_fkey FOREIGN KEY (community_id, void_id) REFERENCES payment_voids (community_id, id),
    CHECK ((payment_id IS NULL) <> (waiver_id IS NULL)),
    CHECK ((amount_fen < 0) = (void_id IS NOT NULL)),
    CHECK (void_id IS NULL OR payment_id IS NOT NULL)
);

-- One maintained figure per building, bill month, event month and kind: the upsert's target.
CREATE TABLE receivable_flows (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    building     TEXT NOT NULL,
    bill_period  INTEGER NOT NULL,
    event_period INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('billed','paid','waived')),
    amount_fen   INTEGER NOT NULL,
    CONSTRAINT receivable_flows_pkey PRIMARY KEY (community_id, book_id, building, bill_period, event_period, kind),
    CONSTRAINT receivable_flows_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);

-- 4. The rows, parents first, ids as they were.
INSERT INTO books (id, community_id, code, name, chart, standard, edition, profit_account, retained_account, start_period,
                   chain_len, chain_head, created_at, receipts_issued)
    SELECT id, community_id, code, name, chart, standard, edition, profit_account, retained_account, start_period,
           chain_len, chain_head, created_at, receipts_issued FROM books_v5;
INSERT INTO accounts (id, community_id, book_id, code, name, class, normal_side, parent_code, level, is_leaf)
    SELECT id, community_id, book_id, code, name, class, normal_side, parent_code, level, is_leaf FROM accounts_v5;
INSERT INTO periods (community_id, book_id, period, status, vouchers_posted, closed_at, closed_by, chain_len_at_close, chain_head_at_close)
    SELECT community_id, book_id, period, status, vouchers_posted, closed_at, closed_by, chain_len_at_close, chain_head_at_close FROM periods_v5;
INSERT INTO vouchers (id, community_id, book_id, period, voucher_date, kind, status, number, attachments, maker, reviewer, poster,
                      reverses_id, created_at, reviewed_at, posted_at, chain_seq, prev_hash, hash)
    SELECT id, community_id, book_id, period, voucher_date, kind, status, number, attachments, maker, reviewer, poster,
           reverses_id, created_at, reviewed_at, posted_at, chain_seq, prev_hash, hash FROM vouchers_v5;
INSERT INTO voucher_lines (id, community_id, book_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen,
                           household_id, fee_item_id, subsidy_program_id, service_category, supplier_id)
    SELECT id, community_id, book_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen,
           household_id, fee_item_id, subsidy_program_id, service_category, supplier_id FROM voucher_lines_v5;
INSERT INTO account_balances (community_id, book_id, account_id, period, debit_fen, credit_fen)
    SELECT community_id, book_id, account_id, period, debit_fen, credit_fen FROM account_balances_v5;
INSERT INTO opening_balances (community_id, book_id, account_id, balance_fen)
    SELECT community_id, book_id, account_id, balance_fen FROM opening_balances_v5;
INSERT INTO households (id, community_id, building, unit, room, area_m2_hundredths, kind, owner_name, phone, move_in_date, updated_at)
    SELECT id, community_id, building, unit, room, area_m2_hundredths, kind, owner_name, phone, move_in_date, updated_at FROM households_v5;
INSERT INTO household_history (id, community_id, household_id, area_m2_hundredths, kind, owner_name, phone, move_in_date, valid_until)
    SELECT id, community_id, household_id, area_m2_hundredths, kind, owner_name, phone, move_in_date, valid_until FROM household_history_v5;
INSERT INTO fee_items (id, community_id, book_id, code, name, basis, revenue_account_id, late_fee_ppm_per_day, late_fee_cap_percent)
    SELECT id, community_id, book_id, code, name, basis, revenue_account_id, late_fee_ppm_per_day, late_fee_cap_percent FROM fee_items_v5;
INSERT INTO fee_standards (id, community_id, fee_item_id, household_kind, rate_yuan, valid_from, valid_until)
    SELECT id, community_id, fee_item_id, household_kind, rate_yuan, valid_from, valid_until FROM fee_standards_v5;
INSERT INTO meter_readings (id, community_id, household_id, fee_item_id, period, reading, is_replacement)
    SELECT id, community_id, household_id, fee_item_id, period, reading, is_replacement FROM meter_readings_v5;
INSERT INTO billing_runs (id, community_id, book_id, period, voucher_id, bills, total_fen, created_by, created_at)
    SELECT id, community_id, book_id, period, voucher_id, bills, total_fen, created_by, created_at FROM billing_runs_v5;
INSERT INTO bills (id, community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id)
    SELECT id, community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id FROM bills_v5;
INSERT INTO payments (id, community_id, book_id, household_id, idempotency_key, method, amount_fen, paid_on, period, receipt_number,
                      voucher_id, cashier, created_at)
    SELECT id, community_id, book_id, household_id, idempotency_key, method, amount_fen, paid_on, period, receipt_number,
           voucher_id, cashier, created_at FROM payments_v5;
INSERT INTO waivers (id, community_id, bill_id, amount_fen, reason, approver, period, voucher_id, created_at)
    SELECT id, community_id, bill_id, amount_fen, reason, approver, period, voucher_id, created_at FROM waivers_v5;
INSERT INTO payment_voids (id, community_id, payment_id, reason, approver, period, voucher_id, created_at)
    SELECT id, community_id, payment_id, reason, approver, period, voucher_id, created_at FROM payment_voids_v5;
INSERT INTO allocations (id, community_id, bill_id, payment_id, waiver_id, void_id, amount_fen, period)
    SELECT id, community_id, bill_id, payment_id, waiver_id, void_id, amount_fen, period FROM allocations_v5;
INSERT INTO receivable_flows (community_id, book_id, building, bill_period, event_period, kind, amount_fen)
    SELECT community_id, book_id, building, bill_period, event_period, kind, amount_fen FROM receivable_flows_v5;

-- 5. The old tables, children first.
DROP TABLE receivable_flows_v5;
DROP TABLE allocations_v5;
DROP TABLE payment_voids_v5;
DROP TABLE waivers_v5;
DROP TABLE payments_v5;
DROP TABLE bills_v5;
DROP TABLE billing_runs_v5;
DROP TABLE meter_readings_v5;
DROP TABLE fee_standards_v5;
DROP TABLE fee_items_v5;
DROP TABLE household_history_v5;
DROP TABLE households_v5;
DROP TABLE opening_balances_v5;
DROP TABLE account_balances_v5;
DROP TABLE voucher_lines_v5;
DROP TABLE vouchers_v5;
DROP TABLE periods_v5;
DROP TABLE accounts_v5;
DROP TABLE books_v5;

-- 6. Every index of 0001–0005, now with community_id in front: every query names its
-- community, and an index that starts as the keys do is the one SQLite's planner picks (with the
-- old columns alone, it preferred a key's index over the small partial ones)…
CREATE INDEX vouchers_unposted ON vouchers (community_id, book_id, period) WHERE status <> 'posted';
CREATE INDEX vouchers_carry_forward ON vouchers (community_id, book_id, period) WHERE kind = 'carry_forward';
CREATE INDEX voucher_lines_account ON voucher_lines (community_id, account_id);
CREATE INDEX bills_book_period ON bills (community_id, book_id, period);
CREATE INDEX payments_household ON payments (community_id, household_id);
CREATE INDEX allocations_bill ON allocations (community_id, bill_id);
CREATE INDEX allocations_payment ON allocations (community_id, payment_id);

-- The superseded keys need no index of their own: every query of the application names its
-- community, so the new keys, with community_id in front, serve the lookups the old keys did.

-- …and every trigger of 0001–0004, word for word.
CREATE TRIGGER vouchers_posted_no_update BEFORE UPDATE ON vouchers WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted voucher is immutable (invariant 2)'); END;
CREATE TRIGGER vouchers_posted_no_delete BEFORE DELETE ON vouchers WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'posted voucher is immutable (invariant 2)'); END;
CREATE TRIGGER voucher_lines_posted_no_update BEFORE UPDATE ON voucher_lines
WHEN (SELECT status FROM vouchers WHERE id = OLD.voucher_id) = 'posted'
  OR (SELECT status FROM vouchers WHERE id = NEW.voucher_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'line of a posted voucher is immutable (invariant 2)'); END;
CREATE TRIGGER voucher_lines_posted_no_delete BEFORE DELETE ON voucher_lines
WHEN (SELECT status FROM vouchers WHERE id = OLD.voucher_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'line of a posted voucher is immutable (invariant 2)'); END;

CREATE TRIGGER vouchers_no_post_into_closed_insert BEFORE INSERT ON vouchers
WHEN NEW.status = 'posted' AND EXISTS (SELECT 1 FROM periods p WHERE p.book_id = NEW.book_id AND p.period = NEW.period AND p.status = 'closed')
BEGIN SELECT RAISE(ABORT, 'period is closed (invariant 3)'); END;
CREATE TRIGGER vouchers_no_post_into_closed_update BEFORE UPDATE OF status ON vouchers
WHEN NEW.status = 'posted' AND EXISTS (SELECT 1 FROM periods p WHERE p.book_id = NEW.book_id AND p.period = NEW.period AND p.status = 'closed')
BEGIN SELECT RAISE(ABORT, 'period is closed (invariant 3)'); END;
CREATE TRIGGER periods_closed_stay_closed BEFORE UPDATE ON periods WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'a closed period cannot change (invariant 3)'); END;

CREATE TRIGGER opening_fixed_insert BEFORE INSERT ON opening_balances
WHEN (SELECT chain_len FROM books WHERE id = NEW.book_id) > 0
BEGIN SELECT RAISE(ABORT, 'opening balances are fixed once vouchers are posted'); END;
CREATE TRIGGER opening_fixed_update BEFORE UPDATE ON opening_balances
WHEN (SELECT chain_len FROM books WHERE id = OLD.book_id) > 0
BEGIN SELECT RAISE(ABORT, 'opening balances are fixed once vouchers are posted'); END;
CREATE TRIGGER opening_fixed_delete BEFORE DELETE ON opening_balances
WHEN (SELECT chain_len FROM books WHERE id = OLD.book_id) > 0
BEGIN SELECT RAISE(ABORT, 'opening balances are fixed once vouchers are posted'); END;

CREATE TRIGGER bills_append_only_update BEFORE UPDATE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER bills_append_only_delete BEFORE DELETE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER payments_append_only_update BEFORE UPDATE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER payments_append_only_delete BEFORE DELETE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER allocations_append_only_update BEFORE UPDATE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER allocations_append_only_delete BEFORE DELETE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER waivers_append_only_update BEFORE UPDATE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
CREATE TRIGGER waivers_append_only_delete BEFORE DELETE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
CREATE TRIGGER payment_voids_append_only_update BEFORE UPDATE ON payment_voids BEGIN SELECT RAISE(ABORT, 'payment voids are append-only'); END;
CREATE TRIGGER payment_voids_append_only_delete BEFORE DELETE ON payment_voids BEGIN SELECT RAISE(ABORT, 'payment voids are append-only'); END;
