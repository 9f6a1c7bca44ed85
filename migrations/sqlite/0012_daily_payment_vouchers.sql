-- 日结: a book either posts one voucher per payment ('each', as before) or gathers the day's
-- payments of each method into one voucher ('daily'), drafted by the system as the payments
-- come in and posted by the day's close (日结). Receipts and the subledger are the same either way.
ALTER TABLE books ADD COLUMN payment_vouchers TEXT NOT NULL DEFAULT 'each' CHECK (payment_vouchers IN ('each', 'daily'));
-- The day's open draft is found through the day's payments of the method; a voucher's payments
-- through their voucher.
CREATE INDEX payments_day ON payments (community_id, book_id, paid_on, method);
CREATE INDEX payments_voucher ON payments (community_id, voucher_id);
-- What a payment settled when it was made (the rest was its prepayment): a receipt reprinted
-- later lists those bills, which a day's voucher no longer shows payment by payment. NULL for
-- payments made before: their own voucher's credit to 应收账款 says it.
ALTER TABLE payments ADD COLUMN settled_fen BIGINT;
