-- The PostgreSQL migration of the same number drops foreign keys implied by the composite
-- keys of 0006, each of which cost a locking parent read per inserted row there. SQLite checks
-- a foreign key with an index lookup and takes no row lock; dropping a column's REFERENCES
-- clause would mean rebuilding the largest tables, for little. Its schema keeps them; this
-- step keeps the two engines' migration numbers in step.
SELECT 1;
