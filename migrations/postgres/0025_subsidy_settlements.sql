-- 递延收益 never ahead of what a program received and spent (小企业会计准则 第62条), and never
-- left in 递延收益 once a program has ended. Same model as migrations/sqlite/0025; keys lead
-- with community_id.

-- What a withdrawal took back of a program's releases: a receipt or an eligible expense
-- withdrawn after its month was released leaves more released than the program now has
-- received or spent, and the excess goes back (借 营业外收入 贷 递延收益) in the withdrawal's
-- own transaction. One per withdrawn row.
CREATE TABLE subsidy_release_takebacks (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    program_id    BIGINT NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('receipt', 'spending')),
    row_id        BIGINT NOT NULL,
    period        BIGINT NOT NULL,
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    voucher_id    BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT subsidy_release_takebacks_row_key PRIMARY KEY (community_id, side, row_id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- 结余处理: what an ended deferred program still holds in 递延收益, returned to the treasury
-- (借 递延收益 贷 其他应付款—应退财政资金, the voucher) or carried over by a recorded decision
-- (no voucher: the decision is the record). Once per program.
CREATE TABLE subsidy_settlements (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    program_id    BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('return', 'carry_over')),
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    decision      TEXT NOT NULL CHECK (length(decision) BETWEEN 1 AND 200),
    settled_on    DATE NOT NULL,
    voucher_id    BIGINT,
    settled_by    TEXT NOT NULL REFERENCES users(username),
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT subsidy_settlements_program_key PRIMARY KEY (community_id, program_id),
    CHECK ((kind = 'return') = (voucher_id IS NOT NULL)),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- The money returned, paid from the bank (借 应退财政资金 贷 银行存款). Once per program.
CREATE TABLE subsidy_refunds (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    program_id    BIGINT NOT NULL,
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    paid_on       DATE NOT NULL,
    voucher_id    BIGINT NOT NULL,
    paid_by       TEXT NOT NULL REFERENCES users(username),
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT subsidy_refunds_program_key PRIMARY KEY (community_id, program_id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TRIGGER subsidy_release_takebacks_append_only BEFORE UPDATE OR DELETE ON subsidy_release_takebacks FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER subsidy_settlements_append_only BEFORE UPDATE OR DELETE ON subsidy_settlements FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER subsidy_refunds_append_only BEFORE UPDATE OR DELETE ON subsidy_refunds FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
