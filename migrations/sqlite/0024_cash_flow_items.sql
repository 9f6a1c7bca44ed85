-- 现金流量项目 (小企业会计准则 第80条, 会小企03表): a line that moves 库存现金, 银行存款 or
-- 其他货币资金 may carry the line of the 现金流量表 it belongs to (用友's 现金流量指定). Generated
-- vouchers carry it; an accountant's voucher carries it where the counterpart account does not
-- decide it, and otherwise the statement derives it from the counterpart (reports/cash_flow_rules.toml).
ALTER TABLE voucher_lines ADD COLUMN cash_flow_item INTEGER CHECK (cash_flow_item BETWEEN 1 AND 22);

-- Whether every cash line must have an item that its counterpart or the accountant decides
-- ('required'), or an undecided counterpart falls to the operating activities' 其他 lines
-- ('derived', the books made before the setting).
ALTER TABLE books ADD COLUMN cash_flow_items TEXT NOT NULL DEFAULT 'derived' CHECK (cash_flow_items IN ('derived', 'required'));
