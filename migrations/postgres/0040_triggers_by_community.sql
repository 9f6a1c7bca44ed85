-- The triggers that read another table name the row's community, as every statement does: the
-- primary keys lead with community_id, so a lookup by id alone scanned the table, and on Citus
-- (where store::citus replaces these triggers) nothing may read across communities.
CREATE OR REPLACE FUNCTION refuse_posted_line_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM vouchers v WHERE v.community_id = OLD.community_id AND v.id = OLD.voucher_id AND v.status = 'posted')
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM vouchers v
               WHERE v.community_id = NEW.community_id AND v.id = NEW.voucher_id AND v.status = 'posted')) THEN
        RAISE EXCEPTION 'line of a posted voucher is immutable (invariant 2)';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION refuse_post_into_closed_period() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'posted' AND EXISTS (SELECT 1 FROM periods p
            WHERE p.community_id = NEW.community_id AND p.book_id = NEW.book_id AND p.period = NEW.period AND p.status = 'closed') THEN
        RAISE EXCEPTION 'period is closed (invariant 3)';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION refuse_opening_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT chain_len FROM books
        WHERE community_id = COALESCE(NEW.community_id, OLD.community_id) AND id = COALESCE(NEW.book_id, OLD.book_id)) > 0 THEN
        RAISE EXCEPTION 'opening balances are fixed once vouchers are posted';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
