-- A voucher reverses at most one other (UNIQUE (community_id, reverses_id)), but only red-ink
-- vouchers have a reverses_id, so the constraint's index held a (community_id, NULL) entry for
-- every voucher: an index write per voucher for nothing. A partial unique index keeps the rule
-- (a violation still names vouchers_reverses_key) and holds only the reversals.
--
-- Found while measuring payments: on a fresh book, before autovacuum has analysed anything,
-- every index of vouchers that starts with community_id costs the same to the planner, and the
-- lookup of a voucher by id was planned on this one, reading every voucher of the community.
-- With statistics the primary key is chosen; the README's benchmark notes say how the
-- benchmark server keeps statistics current.
ALTER TABLE vouchers DROP CONSTRAINT vouchers_reverses_key;
CREATE UNIQUE INDEX vouchers_reverses_key ON vouchers (community_id, reverses_id) WHERE reverses_id IS NOT NULL;
