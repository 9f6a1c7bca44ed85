-- Subsidies (补贴) and the spending they pay for (issue 12; DESIGN.md §2): a community's subsidy
-- programs, the finance office's disbursements (拨付), the company's receipts (到账) and expenses
-- (支出, some tagged to a program: 使用), the monthly release of 递延收益, and reconciliations
-- (对账) with the rows they saw, the differences they found and their two sign-offs. Every table
-- is append-only: a row entered by mistake is withdrawn by a row of its own (with the reversing
-- voucher where it had one), and a row a signed reconciliation saw can no longer be withdrawn.
-- Keys lead with community_id, as in 0006.

CREATE TABLE subsidy_programs (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    -- The book that receives the money: the company's, or the collective's for 'collective'.
    book_id       INTEGER NOT NULL,
    document_no   TEXT NOT NULL CHECK (length(document_no) BETWEEN 1 AND 100),
    purpose       TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 200),
    approved_fen  INTEGER NOT NULL CHECK (approved_fen > 0 AND approved_fen <= 100000000000),
    starts_on     TEXT NOT NULL,
    -- The first day after the program (end-exclusive).
    ends_on       TEXT NOT NULL,
    treatment     TEXT NOT NULL CHECK (treatment IN ('deferred','immediate','service','collective')),
    -- Service category codes the program pays for, comma-separated (domain::category).
    eligible      TEXT NOT NULL CHECK (length(eligible) BETWEEN 1 AND 200),
    created_by    TEXT NOT NULL REFERENCES users(username),
    created_at    TEXT NOT NULL,
    CHECK (ends_on > starts_on),
    CONSTRAINT subsidy_programs_community_key UNIQUE (community_id, id),
    CONSTRAINT subsidy_programs_document_key UNIQUE (community_id, document_no),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id)
);

CREATE TABLE subsidy_disbursements (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    program_id    INTEGER NOT NULL,
    disbursed_on  TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    payee         TEXT NOT NULL CHECK (length(payee) BETWEEN 1 AND 100),
    -- The treasury's payment reference (支付凭证号); '' when the list gave none.
    reference     TEXT NOT NULL CHECK (length(reference) <= 60),
    recorded_by   TEXT NOT NULL REFERENCES users(username),
    recorded_at   TEXT NOT NULL,
    CONSTRAINT subsidy_disbursements_community_key UNIQUE (community_id, id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id)
);
CREATE INDEX subsidy_disbursements_program ON subsidy_disbursements (community_id, program_id, disbursed_on);

CREATE TABLE subsidy_receipts (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    program_id    INTEGER NOT NULL,
    received_on   TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    reference     TEXT NOT NULL CHECK (length(reference) <= 60),
    -- The bank account debited (银行存款 or a child of it).
    bank_account  TEXT NOT NULL,
    voucher_id    INTEGER NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(username),
    recorded_at   TEXT NOT NULL,
    CONSTRAINT subsidy_receipts_community_key UNIQUE (community_id, id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);
CREATE INDEX subsidy_receipts_program ON subsidy_receipts (community_id, program_id, received_on);

-- 支出: an expense by service category, paid at once (贷 bank) or owed (贷 应付账款), and
-- tagged to the subsidy program that pays for it, if any.
CREATE TABLE expenses (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    book_id       INTEGER NOT NULL,
    spent_on      TEXT NOT NULL,
    category      TEXT NOT NULL CHECK (category IN ('cleaning','greening','security','repairs','energy','payroll','office','taxes')),
    supplier      TEXT NOT NULL CHECK (length(supplier) BETWEEN 1 AND 100),
    summary       TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 100),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    payable       INTEGER NOT NULL CHECK (payable IN (0, 1)),
    program_id    INTEGER,
    voucher_id    INTEGER NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(username),
    recorded_at   TEXT NOT NULL,
    CONSTRAINT expenses_community_key UNIQUE (community_id, id),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);
CREATE INDEX expenses_book ON expenses (community_id, book_id, spent_on);
CREATE INDEX expenses_program ON expenses (community_id, program_id, spent_on);

-- A disbursement, receipt or expense withdrawn (entered by mistake), with the voucher that
-- reverses a receipt's or an expense's; once withdrawn, always withdrawn.
CREATE TABLE subsidy_withdrawals (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    side          TEXT NOT NULL CHECK (side IN ('disbursement','receipt','spending')),
    row_id        INTEGER NOT NULL,
    reason        TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    voucher_id    INTEGER,
    withdrawn_by  TEXT NOT NULL REFERENCES users(username),
    withdrawn_at  TEXT NOT NULL,
    CONSTRAINT subsidy_withdrawals_row_key UNIQUE (community_id, side, row_id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- The monthly release of a deferred grant (递延收益 → 营业外收入), once per program and month.
CREATE TABLE subsidy_releases (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    program_id    INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
    voucher_id    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    CONSTRAINT subsidy_releases_month_key UNIQUE (community_id, program_id, period),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- 对账: a program over [from_on, until_on), its totals, and a SHA-256 of what it saw and found.
CREATE TABLE reconciliations (
    id                  INTEGER PRIMARY KEY,
    community_id        INTEGER NOT NULL REFERENCES communities(id),
    program_id          INTEGER NOT NULL,
    from_on             TEXT NOT NULL,
    until_on            TEXT NOT NULL,
    disbursed_fen       INTEGER NOT NULL,
    received_fen        INTEGER NOT NULL,
    spent_fen           INTEGER NOT NULL,
    spent_eligible_fen  INTEGER NOT NULL,
    differences         INTEGER NOT NULL CHECK (differences >= 0),
    fingerprint         TEXT NOT NULL CHECK (length(fingerprint) = 64),
    created_by          TEXT NOT NULL REFERENCES users(username),
    created_at          TEXT NOT NULL,
    CHECK (until_on > from_on),
    CONSTRAINT reconciliations_community_key UNIQUE (community_id, id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id)
);
CREATE INDEX reconciliations_program ON reconciliations (community_id, program_id);

-- The rows a reconciliation saw, as it saw them (detail: the reference, or the category).
CREATE TABLE reconciliation_rows (
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    reconciliation_id  INTEGER NOT NULL,
    side               TEXT NOT NULL CHECK (side IN ('disbursement','receipt','spending')),
    row_id             INTEGER NOT NULL,
    on_date            TEXT NOT NULL,
    amount_fen         INTEGER NOT NULL,
    detail             TEXT NOT NULL,
    CONSTRAINT reconciliation_rows_key PRIMARY KEY (community_id, reconciliation_id, side, row_id),
    FOREIGN KEY (community_id, reconciliation_id) REFERENCES reconciliations(community_id, id)
);
CREATE INDEX reconciliation_rows_row ON reconciliation_rows (community_id, side, row_id);

CREATE TABLE reconciliation_differences (
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    reconciliation_id  INTEGER NOT NULL,
    seq                INTEGER NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('disbursed_not_received','received_not_disbursed','amount_differs',
                           'date_outside_tolerance','ineligible_category','beyond_received','unspent_at_end','changed_after_signoff')),
    disbursement_id    INTEGER NOT NULL,
    receipt_id         INTEGER NOT NULL,
    spending_id        INTEGER NOT NULL,
    amount_fen         INTEGER NOT NULL,
    detail             TEXT NOT NULL,
    CONSTRAINT reconciliation_differences_key PRIMARY KEY (community_id, reconciliation_id, seq),
    FOREIGN KEY (community_id, reconciliation_id) REFERENCES reconciliations(community_id, id)
);

-- Each side signs once: the company (an accountant or reviewer of the community) and the
-- finance office (a finance-office user of the community's street).
CREATE TABLE reconciliation_signoffs (
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    reconciliation_id  INTEGER NOT NULL,
    side               TEXT NOT NULL CHECK (side IN ('company','finance_office')),
    username           TEXT NOT NULL REFERENCES users(username),
    signed_at          TEXT NOT NULL,
    CONSTRAINT reconciliation_signoffs_side_key PRIMARY KEY (community_id, reconciliation_id, side),
    FOREIGN KEY (community_id, reconciliation_id) REFERENCES reconciliations(community_id, id)
);

-- Append-only, every one of them.
CREATE TRIGGER subsidy_programs_append_only_update BEFORE UPDATE ON subsidy_programs BEGIN SELECT RAISE(ABORT, 'subsidy_programs are append-only'); END;
CREATE TRIGGER subsidy_programs_append_only_delete BEFORE DELETE ON subsidy_programs BEGIN SELECT RAISE(ABORT, 'subsidy_programs are append-only'); END;
CREATE TRIGGER subsidy_disbursements_append_only_update BEFORE UPDATE ON subsidy_disbursements BEGIN SELECT RAISE(ABORT, 'subsidy_disbursements are append-only'); END;
CREATE TRIGGER subsidy_disbursements_append_only_delete BEFORE DELETE ON subsidy_disbursements BEGIN SELECT RAISE(ABORT, 'subsidy_disbursements are append-only'); END;
CREATE TRIGGER subsidy_receipts_append_only_update BEFORE UPDATE ON subsidy_receipts BEGIN SELECT RAISE(ABORT, 'subsidy_receipts are append-only'); END;
CREATE TRIGGER subsidy_receipts_append_only_delete BEFORE DELETE ON subsidy_receipts BEGIN SELECT RAISE(ABORT, 'subsidy_receipts are append-only'); END;
CREATE TRIGGER expenses_append_only_update BEFORE UPDATE ON expenses BEGIN SELECT RAISE(ABORT, 'expenses are append-only'); END;
CREATE TRIGGER expenses_append_only_delete BEFORE DELETE ON expenses BEGIN SELECT RAISE(ABORT, 'expenses are append-only'); END;
CREATE TRIGGER subsidy_withdrawals_append_only_update BEFORE UPDATE ON subsidy_withdrawals BEGIN SELECT RAISE(ABORT, 'subsidy_withdrawals are append-only'); END;
CREATE TRIGGER subsidy_withdrawals_append_only_delete BEFORE DELETE ON subsidy_withdrawals BEGIN SELECT RAISE(ABORT, 'subsidy_withdrawals are append-only'); END;
CREATE TRIGGER subsidy_releases_append_only_update BEFORE UPDATE ON subsidy_releases BEGIN SELECT RAISE(ABORT, 'subsidy_releases are append-only'); END;
CREATE TRIGGER subsidy_releases_append_only_delete BEFORE DELETE ON subsidy_releases BEGIN SELECT RAISE(ABORT, 'subsidy_releases are append-only'); END;
CREATE TRIGGER reconciliations_append_only_update BEFORE UPDATE ON reconciliations BEGIN SELECT RAISE(ABORT, 'reconciliations are append-only'); END;
CREATE TRIGGER reconciliations_append_only_delete BEFORE DELETE ON reconciliations BEGIN SELECT RAISE(ABORT, 'reconciliations are append-only'); END;
CREATE TRIGGER reconciliation_rows_append_only_update BEFORE UPDATE ON reconciliation_rows BEGIN SELECT RAISE(ABORT, 'reconciliation_rows are append-only'); END;
CREATE TRIGGER reconciliation_rows_append_only_delete BEFORE DELETE ON reconciliation_rows BEGIN SELECT RAISE(ABORT, 'reconciliation_rows are append-only'); END;
CREATE TRIGGER reconciliation_differences_append_only_update BEFORE UPDATE ON reconciliation_differences BEGIN SELECT RAISE(ABORT, 'reconciliation_differences are append-only'); END;
CREATE TRIGGER reconciliation_differences_append_only_delete BEFORE DELETE ON reconciliation_differences BEGIN SELECT RAISE(ABORT, 'reconciliation_differences are append-only'); END;
CREATE TRIGGER reconciliation_signoffs_append_only_update BEFORE UPDATE ON reconciliation_signoffs BEGIN SELECT RAISE(ABORT, 'reconciliation_signoffs are append-only'); END;
CREATE TRIGGER reconciliation_signoffs_append_only_delete BEFORE DELETE ON reconciliation_signoffs BEGIN SELECT RAISE(ABORT, 'reconciliation_signoffs are append-only'); END;

-- Frozen: once a side has signed, what the reconciliation saw and found gains nothing, and a
-- row it saw cannot be withdrawn.
CREATE TRIGGER reconciliation_rows_frozen BEFORE INSERT ON reconciliation_rows
WHEN EXISTS (SELECT 1 FROM reconciliation_signoffs s WHERE s.community_id = NEW.community_id AND s.reconciliation_id = NEW.reconciliation_id)
BEGIN SELECT RAISE(ABORT, 'reconciliation_frozen: a signed reconciliation cannot change'); END;
CREATE TRIGGER reconciliation_differences_frozen BEFORE INSERT ON reconciliation_differences
WHEN EXISTS (SELECT 1 FROM reconciliation_signoffs s WHERE s.community_id = NEW.community_id AND s.reconciliation_id = NEW.reconciliation_id)
BEGIN SELECT RAISE(ABORT, 'reconciliation_frozen: a signed reconciliation cannot change'); END;
CREATE TRIGGER subsidy_withdrawals_frozen BEFORE INSERT ON subsidy_withdrawals
WHEN EXISTS (SELECT 1 FROM reconciliation_rows r JOIN reconciliation_signoffs s
                 ON s.community_id = r.community_id AND s.reconciliation_id = r.reconciliation_id
             WHERE r.community_id = NEW.community_id AND r.side = NEW.side AND r.row_id = NEW.row_id)
BEGIN SELECT RAISE(ABORT, 'reconciliation_frozen: a row a signed reconciliation covered cannot be withdrawn'); END;
