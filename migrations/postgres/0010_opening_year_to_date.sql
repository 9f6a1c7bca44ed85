-- A book that starts mid-year (年中建账) brings, beside each account's balance, what moved on it
-- since 1 January (本年累计借方/贷方): the 科目余额表's 本年累计, the 利润表's 本年累计金额 and the
-- 资产负债表's 年初余额 then cover the whole year, not only the months since the start. Zero for
-- a book that starts in January, and for every book opened before this migration.
ALTER TABLE opening_balances ADD COLUMN year_debit_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE opening_balances ADD COLUMN year_credit_fen BIGINT NOT NULL DEFAULT 0;
