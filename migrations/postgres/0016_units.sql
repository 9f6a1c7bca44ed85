-- Units that are not homes (车位, 车库, 储藏室), held by households; bills name the unit they are
-- for; standards for a kind or for one unit. The same model as migrations/sqlite/0016, whose
-- comment says what each part is for.

CREATE TABLE units (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY,
    community_id       BIGINT NOT NULL REFERENCES communities(id),
    code               TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    kind               TEXT NOT NULL CHECK (kind IN ('parking','garage','storage')),
    area_m2_hundredths BIGINT CHECK (area_m2_hundredths IS NULL OR area_m2_hundredths > 0),
    household_id       BIGINT NOT NULL,
    held_from          DATE NOT NULL,
    held_until         DATE,
    created_at         TIMESTAMPTZ NOT NULL,
    CONSTRAINT units_pkey PRIMARY KEY (community_id, id),
    CONSTRAINT units_holding_key UNIQUE (community_id, code, held_from),
    CONSTRAINT units_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT units_held_check CHECK (held_until IS NULL OR held_until > held_from)
);
CREATE INDEX units_household ON units (community_id, household_id);
CREATE FUNCTION refuse_unit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.held_until IS NULL AND NEW.held_until IS NOT NULL
       AND (NEW.id, NEW.community_id, NEW.code, NEW.kind, NEW.household_id, NEW.held_from, NEW.created_at)
         = (OLD.id, OLD.community_id, OLD.code, OLD.kind, OLD.household_id, OLD.held_from, OLD.created_at)
       AND NEW.area_m2_hundredths IS NOT DISTINCT FROM OLD.area_m2_hundredths THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a unit holding only ends';
END $$;
CREATE TRIGGER units_only_end BEFORE UPDATE OR DELETE ON units FOR EACH ROW EXECUTE FUNCTION refuse_unit_change();

ALTER TABLE fee_standards ALTER COLUMN household_kind DROP NOT NULL;
ALTER TABLE fee_standards DROP CONSTRAINT fee_standards_household_kind_check;
ALTER TABLE fee_standards ADD CONSTRAINT fee_standards_household_kind_check
    CHECK (household_kind IN ('residential','commercial','garage','parking','storage'));
ALTER TABLE fee_standards ADD COLUMN unit_code TEXT CHECK (length(unit_code) BETWEEN 1 AND 40);
ALTER TABLE fee_standards ADD CONSTRAINT fee_standards_kind_or_unit CHECK ((household_kind IS NULL) <> (unit_code IS NULL));

ALTER TABLE bills ADD COLUMN unit_id BIGINT;
ALTER TABLE bills ADD CONSTRAINT bills_unit_id_fkey FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id);
ALTER TABLE bills DROP CONSTRAINT bills_month_key;
CREATE UNIQUE INDEX bills_month_key ON bills (community_id, household_id, fee_item_id, period, issue, COALESCE(unit_id, 0));
