-- Ledger core: communities, books, accounts, periods, vouchers, lines, maintained balances.
-- Every table carries community_id so that a city-wide deployment can be sharded by community
-- (DESIGN.md section 5). Amounts are INTEGER fen (invariant 6).

-- A resettlement community (小区/社区): the unit of tenancy.
CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    created_at  TEXT NOT NULL
);

-- A set of double-entry books (账套) inside a community, made from a chart template.
-- chain_len/chain_head: the head of the hash chain over this book's posted vouchers (invariant 4).
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
    UNIQUE (community_id, code)
);

-- The chart of one book (会计科目). Only leaves take postings; the ledger checks that, and the
-- parent link lets reports roll leaves up to any level.
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    class        TEXT NOT NULL CHECK (class IN ('asset','liability','equity','cost','profit_and_loss')),
    normal_side  TEXT NOT NULL CHECK (normal_side IN ('debit','credit')),
    parent_code  TEXT,
    level        INTEGER NOT NULL CHECK (level >= 1),
    is_leaf      INTEGER NOT NULL CHECK (is_leaf IN (0,1)),
    UNIQUE (book_id, code)
);

-- One month of one book (会计期间). vouchers_posted is the book's own voucher counter for the
-- month: numbers come from it inside the posting transaction, never from a sequence, because
-- sequences leave gaps (invariant 3). A closed period records the chain head at its close.
CREATE TABLE periods (
    community_id        INTEGER NOT NULL REFERENCES communities(id),
    book_id             INTEGER NOT NULL REFERENCES books(id),
    period              INTEGER NOT NULL CHECK (period % 100 BETWEEN 1 AND 12),
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
    vouchers_posted     INTEGER NOT NULL DEFAULT 0 CHECK (vouchers_posted >= 0),
    closed_at           TEXT,
    closed_by           TEXT,
    chain_len_at_close  INTEGER,
    chain_head_at_close TEXT,
    PRIMARY KEY (book_id, period),
    CHECK (status = 'open' OR (closed_at IS NOT NULL AND chain_head_at_close IS NOT NULL))
);

-- 记账凭证. number is given at posting (记-0001 per book per month); reverses_id links a red-ink
-- reversal (红字冲销) to the voucher it corrects, and UNIQUE makes "reversed at most once" a
-- database rule. chain_seq/prev_hash/hash place a posted voucher in the book's hash chain.
CREATE TABLE vouchers (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    period       INTEGER NOT NULL,
    voucher_date TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('normal','reversal','carry_forward')),
    status       TEXT NOT NULL CHECK (status IN ('draft','reviewed','posted')),
    number       INTEGER CHECK (number >= 1),
    attachments  INTEGER NOT NULL DEFAULT 0 CHECK (attachments BETWEEN 0 AND 9999),
    maker        TEXT NOT NULL,
    reviewer     TEXT,
    poster       TEXT,
    reverses_id  INTEGER UNIQUE REFERENCES vouchers(id),
    created_at   TEXT NOT NULL,
    reviewed_at  TEXT,
    posted_at    TEXT,
    chain_seq    INTEGER,
    prev_hash    TEXT,
    hash         TEXT,
    FOREIGN KEY (book_id, period) REFERENCES periods(book_id, period),
    UNIQUE (book_id, period, number),
    UNIQUE (book_id, chain_seq),
    -- 审核 must be done by someone other than 制单 (separation of duties).
    CHECK (reviewer IS NULL OR reviewer <> maker),
    CHECK (status = 'draft' OR reviewer IS NOT NULL),
    CHECK (status <> 'posted' OR (number IS NOT NULL AND chain_seq IS NOT NULL AND hash IS NOT NULL AND poster IS NOT NULL)),
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL))
);
CREATE INDEX vouchers_unposted ON vouchers (book_id, period) WHERE status <> 'posted';

-- One line of a voucher. Exactly one of debit_fen/credit_fen is non-zero; a red-ink line carries
-- a negative amount on the same side as the line it reverses. Dimensions (辅助核算) are optional.
CREATE TABLE voucher_lines (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    book_id            INTEGER NOT NULL REFERENCES books(id),
    voucher_id         INTEGER NOT NULL REFERENCES vouchers(id),
    line_no            INTEGER NOT NULL CHECK (line_no >= 1),
    summary            TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 200),
    account_id         INTEGER NOT NULL REFERENCES accounts(id),
    debit_fen          INTEGER NOT NULL,
    credit_fen         INTEGER NOT NULL,
    household_id       INTEGER,
    fee_item_id        INTEGER,
    subsidy_program_id INTEGER,
    service_category   TEXT,
    supplier_id        INTEGER,
    UNIQUE (voucher_id, line_no),
    CHECK ((debit_fen = 0) <> (credit_fen = 0))
);
CREATE INDEX voucher_lines_account ON voucher_lines (account_id);

-- Per-account, per-period movements of posted vouchers, maintained in the posting transaction
-- so that reports never scan the journal; `verify` recomputes them from the lines.
CREATE TABLE account_balances (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    period       INTEGER NOT NULL,
    debit_fen    INTEGER NOT NULL DEFAULT 0,
    credit_fen   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (book_id, account_id, period)
);

-- 期初余额 of a book at its start period, debit-positive. Fixed once anything is posted.
CREATE TABLE opening_balances (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    balance_fen  INTEGER NOT NULL,
    PRIMARY KEY (book_id, account_id)
);

-- Invariant 2 in the database: a posted voucher and its lines are never updated or deleted.
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

-- Invariant 3 in the database: nothing is posted into a closed period, and a closed period
-- stays closed.
CREATE TRIGGER vouchers_no_post_into_closed_insert BEFORE INSERT ON vouchers
WHEN NEW.status = 'posted' AND EXISTS (SELECT 1 FROM periods p WHERE p.book_id = NEW.book_id AND p.period = NEW.period AND p.status = 'closed')
BEGIN SELECT RAISE(ABORT, 'period is closed (invariant 3)'); END;
CREATE TRIGGER vouchers_no_post_into_closed_update BEFORE UPDATE OF status ON vouchers
WHEN NEW.status = 'posted' AND EXISTS (SELECT 1 FROM periods p WHERE p.book_id = NEW.book_id AND p.period = NEW.period AND p.status = 'closed')
BEGIN SELECT RAISE(ABORT, 'period is closed (invariant 3)'); END;
CREATE TRIGGER periods_closed_stay_closed BEFORE UPDATE ON periods WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'a closed period cannot change (invariant 3)'); END;

-- Opening balances are history once the first voucher is posted.
CREATE TRIGGER opening_fixed_insert BEFORE INSERT ON opening_balances
WHEN (SELECT chain_len FROM books WHERE id = NEW.book_id) > 0
BEGIN SELECT RAISE(ABORT, 'opening balances are fixed once vouchers are posted'); END;
CREATE TRIGGER opening_fixed_update BEFORE UPDATE ON opening_balances
WHEN (SELECT chain_len FROM books WHERE id = OLD.book_id) > 0
BEGIN SELECT RAISE(ABORT, 'opening balances are fixed once vouchers are posted'); END;
CREATE TRIGGER opening_fixed_delete BEFORE DELETE ON opening_balances
WHEN (SELECT chain_len FROM books WHERE id = OLD.book_id) > 0
BEGIN SELECT RAISE(ABORT, 'opening balances are fixed once vouchers are posted'); END;
