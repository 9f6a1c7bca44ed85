-- Amounts are integer fen: SQLite needs triggers for it (migrations/sqlite/0017); a BIGINT
-- column already refuses anything else and raises an error on overflow, so nothing changes
-- here. The file keeps both engines' migration numbers in step.
SELECT 1;
