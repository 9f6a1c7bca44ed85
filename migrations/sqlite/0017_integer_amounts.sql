-- Amounts are integer fen, always (DESIGN.md invariant 6). SQLite keeps whatever a value is:
-- an integer sum that overflows i64 becomes a REAL, after which every report would fail to
-- decode it, or read it rounded. The program binds every amount it writes as an i64, so a REAL
-- can only come from arithmetic in SQL, which happens in the two maintained sums: a voucher's
-- lines added to account_balances, a bill's flows added to receivable_flows (x = x + y). These
-- triggers refuse a sum that is no longer an integer, so that write fails and its transaction
-- rolls back with nothing half-written. (The limits, domain/limits.rs, keep every sum far from
-- it; this is the backstop.) PostgreSQL's BIGINT raises an error on overflow by itself.

CREATE TRIGGER account_balances_integer_fen_insert BEFORE INSERT ON account_balances
WHEN typeof(NEW.debit_fen) <> 'integer' OR typeof(NEW.credit_fen) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'amounts are integer fen'); END;
CREATE TRIGGER account_balances_integer_fen_update BEFORE UPDATE ON account_balances
WHEN typeof(NEW.debit_fen) <> 'integer' OR typeof(NEW.credit_fen) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'amounts are integer fen'); END;
CREATE TRIGGER receivable_flows_integer_fen_insert BEFORE INSERT ON receivable_flows
WHEN typeof(NEW.amount_fen) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'amounts are integer fen'); END;
CREATE TRIGGER receivable_flows_integer_fen_update BEFORE UPDATE ON receivable_flows
WHEN typeof(NEW.amount_fen) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'amounts are integer fen'); END;
