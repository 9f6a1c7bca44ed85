-- Property fees: households, fee items and standards, meter readings, billing runs, bills,
-- payments with receipts, waivers, and the allocations that settle bills. Bills, payments,
-- allocations and waivers are append-only like posted lines: history is corrected by new rows.

-- 住户. Area is kept in hundredths of a square metre (2 decimals, as the 房产证 gives it) so that
-- no float ever holds it. Owner name and phone are personal data and never published.
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
    UNIQUE (community_id, building, unit, room)
);

-- Earlier versions of a household row, kept when an import changes it.
CREATE TABLE household_history (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities(id),
    household_id      INTEGER NOT NULL REFERENCES households(id),
    area_m2_hundredths INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    owner_name        TEXT NOT NULL,
    phone             TEXT NOT NULL,
    move_in_date      TEXT,
    valid_until       TEXT NOT NULL
);

-- 收费项目 of a book: how it is measured and which revenue account it credits. Late fees
-- (滞纳金) are off unless a daily rate is set; the rate is in parts per million per day.
CREATE TABLE fee_items (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    book_id            INTEGER NOT NULL REFERENCES books(id),
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    basis              TEXT NOT NULL CHECK (basis IN ('per_m2_month','fixed_month','metered')),
    revenue_account_id INTEGER NOT NULL REFERENCES accounts(id),
    late_fee_ppm_per_day INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_ppm_per_day >= 0),
    late_fee_cap_percent INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_cap_percent BETWEEN 0 AND 100),
    UNIQUE (book_id, code)
);

-- 收费标准: a rate per household kind over an end-exclusive date range. A new rate is a new
-- row; past bills keep the amount they were made with.
CREATE TABLE fee_standards (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    fee_item_id    INTEGER NOT NULL REFERENCES fee_items(id),
    household_kind TEXT NOT NULL CHECK (household_kind IN ('residential','commercial','garage','parking')),
    rate_yuan      TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT,
    CHECK (valid_until IS NULL OR valid_until > valid_from)
);

CREATE TABLE meter_readings (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    household_id   INTEGER NOT NULL REFERENCES households(id),
    fee_item_id    INTEGER NOT NULL REFERENCES fee_items(id),
    period         INTEGER NOT NULL,
    reading        TEXT NOT NULL,
    is_replacement INTEGER NOT NULL DEFAULT 0,
    UNIQUE (household_id, fee_item_id, period)
);

CREATE TABLE billing_runs (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    period       INTEGER NOT NULL,
    voucher_id   INTEGER REFERENCES vouchers(id),
    bills        INTEGER NOT NULL,
    total_fen    INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- 应收: one per household, fee item and month; UNIQUE makes a billing run idempotent.
CREATE TABLE bills (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    book_id        INTEGER NOT NULL REFERENCES books(id),
    household_id   INTEGER NOT NULL REFERENCES households(id),
    fee_item_id    INTEGER NOT NULL REFERENCES fee_items(id),
    period         INTEGER NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    billing_run_id INTEGER NOT NULL REFERENCES billing_runs(id),
    UNIQUE (household_id, fee_item_id, period)
);
CREATE INDEX bills_book_period ON bills (book_id, period);

-- 收款. The idempotency key makes a retried submission record one payment; receipt numbers
-- come from the book's counter in the same transaction, so they have no gaps.
CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    book_id         INTEGER NOT NULL REFERENCES books(id),
    household_id    INTEGER NOT NULL REFERENCES households(id),
    idempotency_key TEXT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('cash','bank','wechat','alipay')),
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    paid_on         TEXT NOT NULL,
    period          INTEGER NOT NULL,
    receipt_number  INTEGER NOT NULL,
    voucher_id      INTEGER NOT NULL REFERENCES vouchers(id),
    cashier         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (book_id, idempotency_key),
    UNIQUE (book_id, receipt_number)
);
CREATE INDEX payments_household ON payments (household_id);

-- 减免 of one bill, with its reason and approver.
CREATE TABLE waivers (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL REFERENCES bills(id),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver     TEXT NOT NULL,
    period       INTEGER NOT NULL,
    voucher_id   INTEGER NOT NULL REFERENCES vouchers(id),
    created_at   TEXT NOT NULL
);

-- What settles a bill: part of a payment, a prepayment applied by a billing run, or a waiver.
CREATE TABLE allocations (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL REFERENCES bills(id),
    payment_id   INTEGER REFERENCES payments(id),
    waiver_id    INTEGER REFERENCES waivers(id),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    period       INTEGER NOT NULL,
    CHECK ((payment_id IS NULL) <> (waiver_id IS NULL))
);
CREATE INDEX allocations_bill ON allocations (bill_id);
CREATE INDEX allocations_payment ON allocations (payment_id);

ALTER TABLE books ADD COLUMN receipts_issued INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER bills_append_only_update BEFORE UPDATE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER bills_append_only_delete BEFORE DELETE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER payments_append_only_update BEFORE UPDATE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER payments_append_only_delete BEFORE DELETE ON payments BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;
CREATE TRIGGER allocations_append_only_update BEFORE UPDATE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER allocations_append_only_delete BEFORE DELETE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER waivers_append_only_update BEFORE UPDATE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
CREATE TRIGGER waivers_append_only_delete BEFORE DELETE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
