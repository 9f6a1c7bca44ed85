-- The 利润表's net movement (SY) leaves out the year-end carry-forward vouchers, which it reads
-- apart from the maintained balances. A book has one or two of them a year among up to millions
-- of vouchers: this partial index finds them without scanning the book's vouchers.
CREATE INDEX vouchers_carry_forward ON vouchers (book_id, period) WHERE kind = 'carry_forward';
