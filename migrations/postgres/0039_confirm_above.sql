-- The book's own line above which the cashier's till asks again before taking a payment
-- (`fee settings --confirm-above`); NULL: only the household's own (what it owes plus a year's
-- fees). The column first, its constraint on its own, as a distributed schema takes them.
ALTER TABLE books ADD COLUMN confirm_above_fen BIGINT;
ALTER TABLE books ADD CONSTRAINT books_confirm_above_fen_check CHECK (confirm_above_fen IS NULL OR confirm_above_fen > 0);
