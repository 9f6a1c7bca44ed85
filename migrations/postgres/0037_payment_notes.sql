-- What the cashier's till records beside a payment: the 交易单号 of a 微信, 支付宝 or bank
-- payment, a remark, and why a payment dated before the day it was entered was entered late
-- (补录原因). Sealed with the payment when any is given (src/fees/seal). Columns first, each
-- constraint on its own, as a distributed (Citus) schema takes them.
ALTER TABLE payments ADD COLUMN reference TEXT;
ALTER TABLE payments ADD COLUMN remark TEXT;
ALTER TABLE payments ADD COLUMN late_reason TEXT;
ALTER TABLE payments ADD CONSTRAINT payments_reference_length CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 64);
ALTER TABLE payments ADD CONSTRAINT payments_remark_length CHECK (remark IS NULL OR length(remark) BETWEEN 1 AND 200);
ALTER TABLE payments ADD CONSTRAINT payments_late_reason_length CHECK (late_reason IS NULL OR length(late_reason) BETWEEN 1 AND 200);
