-- 递延收益 never ahead of what a program received and spent (小企业会计准则 第62条), and never
-- left in 递延收益 once a program has ended. Same model as migrations/postgres/0025; keys lead
-- with community_id.

-- What a withdrawal took back of a program's releases: a receipt or an eligible expense
-- withdrawn after its month was released leaves more released than the program now has
-- received or spent, and the excess goes back (借 营业外收入 贷 递延收益) in the withdrawal's
-- own transaction. One per withdrawn row.
CREATE TABLE subsidy_release_takebacks (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    program_id    INTEGER NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('receipt', 'spending')),
    row_id        INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    voucher_id    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    CONSTRAINT subsidy_release_takebacks_row_key PRIMARY KEY (community_id, side, row_id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- 结余处理: what an ended deferred program still holds in 递延收益, returned to the treasury
-- (借 递延收益 贷 其他应付款—应退财政资金, the voucher) or carried over by a recorded decision
-- (no voucher: the decision is the record). Once per program.
CREATE TABLE subsidy_settlements (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    program_id    INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('return', 'carry_over')),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    decision      TEXT NOT NULL CHECK (length(decision) BETWEEN 1 AND 200),
    settled_on    TEXT NOT NULL,
    voucher_id    INTEGER,
    settled_by    TEXT NOT NULL REFERENCES users(username),
    created_at    TEXT NOT NULL,
    CONSTRAINT subsidy_settlements_program_key PRIMARY KEY (community_id, program_id),
    CHECK ((kind = 'return') = (voucher_id IS NOT NULL)),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- The money returned, paid from the bank (借 应退财政资金 贷 银行存款). Once per program.
CREATE TABLE subsidy_refunds (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    program_id    INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    paid_on       TEXT NOT NULL,
    voucher_id    INTEGER NOT NULL,
    paid_by       TEXT NOT NULL REFERENCES users(username),
    created_at    TEXT NOT NULL,
    CONSTRAINT subsidy_refunds_program_key PRIMARY KEY (community_id, program_id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TRIGGER subsidy_release_takebacks_append_only_update BEFORE UPDATE ON subsidy_release_takebacks BEGIN SELECT RAISE(ABORT, 'subsidy_release_takebacks are append-only'); END;
CREATE TRIGGER subsidy_release_takebacks_append_only_delete BEFORE DELETE ON subsidy_release_takebacks BEGIN SELECT RAISE(ABORT, 'subsidy_release_takebacks are append-only'); END;
CREATE TRIGGER subsidy_settlements_append_only_update BEFORE UPDATE ON subsidy_settlements BEGIN SELECT RAISE(ABORT, 'subsidy_settlements are append-only'); END;
CREATE TRIGGER subsidy_settlements_append_only_delete BEFORE DELETE ON subsidy_settlements BEGIN SELECT RAISE(ABORT, 'subsidy_settlements are append-only'); END;
CREATE TRIGGER subsidy_refunds_append_only_update BEFORE UPDATE ON subsidy_refunds BEGIN SELECT RAISE(ABORT, 'subsidy_refunds are append-only'); END;
CREATE TRIGGER subsidy_refunds_append_only_delete BEFORE DELETE ON subsidy_refunds BEGIN SELECT RAISE(ABORT, 'subsidy_refunds are append-only'); END;
