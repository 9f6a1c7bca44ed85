-- The book's own line above which the cashier's till asks again before taking a payment
-- (`fee settings --confirm-above`); NULL: only the household's own (what it owes plus a year's
-- fees).
ALTER TABLE books ADD COLUMN confirm_above_fen BIGINT CHECK (confirm_above_fen IS NULL OR confirm_above_fen > 0);
