-- The PostgreSQL migration of the same number makes the one-reversal-per-voucher rule a partial
-- index, because its planner used the full index for foreign-key checks by id. SQLite looks a
-- voucher up by its rowid and never by that index; rebuilding the vouchers table to change the
-- constraint would buy nothing. This step keeps the two engines' migration numbers in step.
SELECT 1;
