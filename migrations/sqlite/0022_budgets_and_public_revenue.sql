-- Budgets and payables (issue 12, 支出 and 预算执行), and public revenue (公共收益, 民法典 第282条).
-- Same model as migrations/postgres/0022. Keys lead with community_id, as in 0006.

-- A book's annual budget per service category (预算). A budget is a plan, not a booking: a
-- revised one replaces the figure, and the audit log keeps who set what.
CREATE TABLE budgets (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    book_id       INTEGER NOT NULL,
    year          INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    category      TEXT NOT NULL CHECK (category IN ('cleaning','greening','security','repairs','energy','payroll','office','taxes')),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen >= 0 AND amount_fen <= 100000000000),
    set_by        TEXT NOT NULL REFERENCES users(username),
    set_at        TEXT NOT NULL,
    CONSTRAINT budgets_category_key PRIMARY KEY (community_id, book_id, year, category),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id)
);

-- An owed expense paid later (借 应付账款 贷 银行存款), once.
CREATE TABLE expense_payments (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    expense_id    INTEGER NOT NULL,
    paid_on       TEXT NOT NULL,
    voucher_id    INTEGER NOT NULL,
    paid_by       TEXT NOT NULL REFERENCES users(username),
    paid_at       TEXT NOT NULL,
    CONSTRAINT expense_payments_expense_key PRIMARY KEY (community_id, expense_id),
    FOREIGN KEY (community_id, expense_id) REFERENCES expenses(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- The split rule of public revenue: the share (in ‰) the company keeps as its management fee
-- (管理费), from a date on, as the owners' assembly decided; a new rule starts a new row.
CREATE TABLE public_revenue_rules (
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    book_id        INTEGER NOT NULL,
    from_on        TEXT NOT NULL,
    share_permille INTEGER NOT NULL CHECK (share_permille BETWEEN 0 AND 1000),
    decision       TEXT NOT NULL CHECK (length(decision) BETWEEN 1 AND 200),
    set_by         TEXT NOT NULL REFERENCES users(username),
    set_at         TEXT NOT NULL,
    CONSTRAINT public_revenue_rules_key PRIMARY KEY (community_id, book_id, from_on),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id)
);

-- Money from the common parts: received (借 银行存款 贷 其他应付款—公共收益), spent on the common
-- parts by a recorded decision (借 其他应付款—公共收益 贷 银行存款), or the company's share taken
-- by the month's split (借 其他应付款—公共收益 贷 主营业务收入—公共收益管理费分成).
CREATE TABLE public_revenue_entries (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    book_id       INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('revenue','use','split')),
    -- revenue: advertising, parking, venue, other; use and split: ''.
    source        TEXT NOT NULL CHECK (source IN ('advertising','parking','venue','other','')),
    on_date       TEXT NOT NULL,
    -- The month a split is of (yyyymm); 0 for the others.
    period        INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen >= 0 AND amount_fen <= 100000000000),
    -- The payer of a revenue, the purpose and decision of a use, the rule of a split.
    detail        TEXT NOT NULL CHECK (length(detail) BETWEEN 1 AND 300),
    voucher_id    INTEGER,
    recorded_by   TEXT NOT NULL REFERENCES users(username),
    recorded_at   TEXT NOT NULL,
    CHECK ((kind = 'revenue') = (source <> '')),
    CONSTRAINT public_revenue_entries_community_key UNIQUE (community_id, id),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);
CREATE INDEX public_revenue_entries_book ON public_revenue_entries (community_id, book_id, on_date);
-- One split per book and month.
CREATE UNIQUE INDEX public_revenue_splits_month_key ON public_revenue_entries (community_id, book_id, period) WHERE kind = 'split';

CREATE TRIGGER expense_payments_append_only_update BEFORE UPDATE ON expense_payments BEGIN SELECT RAISE(ABORT, 'expense_payments are append-only'); END;
CREATE TRIGGER expense_payments_append_only_delete BEFORE DELETE ON expense_payments BEGIN SELECT RAISE(ABORT, 'expense_payments are append-only'); END;
CREATE TRIGGER public_revenue_rules_append_only_update BEFORE UPDATE ON public_revenue_rules BEGIN SELECT RAISE(ABORT, 'public_revenue_rules are append-only'); END;
CREATE TRIGGER public_revenue_rules_append_only_delete BEFORE DELETE ON public_revenue_rules BEGIN SELECT RAISE(ABORT, 'public_revenue_rules are append-only'); END;
CREATE TRIGGER public_revenue_entries_append_only_update BEFORE UPDATE ON public_revenue_entries BEGIN SELECT RAISE(ABORT, 'public_revenue_entries are append-only'); END;
CREATE TRIGGER public_revenue_entries_append_only_delete BEFORE DELETE ON public_revenue_entries BEGIN SELECT RAISE(ABORT, 'public_revenue_entries are append-only'); END;
