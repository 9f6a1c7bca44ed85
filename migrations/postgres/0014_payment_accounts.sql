-- Which account each payment method is booked to (a book setting): NULL is the chart's default
-- (1001 库存现金, 100201 the first bank account, 1012 其他货币资金). With them a book can keep
-- 微信 and 支付宝 apart (101201, 101202 under 1012) or take transfers into a second bank.
ALTER TABLE books ADD COLUMN cash_account TEXT;
ALTER TABLE books ADD COLUMN bank_account TEXT;
ALTER TABLE books ADD COLUMN wechat_account TEXT;
ALTER TABLE books ADD COLUMN alipay_account TEXT;
