-- Units that are not homes (车位, 车库, 储藏室): a unit of its own, held by a household that owns
-- or rents it; its bills are the holder's, named by the unit, so statements, receipts and
-- notices group a household's units under it and its payments settle them oldest first with
-- its other bills.
--
-- * units: one row per holding of a unit: its code (车位号), kind, area where it is billed by
--   area, the household, and the days it is held (held_until exclusive, NULL while held). A
--   unit passing to another household ends its holding and starts a new one; nothing else of a
--   holding changes (triggers below), so a past month's bills always name who held it.
-- * bills.unit_id: the unit a bill is for (NULL: the household's own bill). The month's key
--   now includes the unit: a household with two parking spaces has a bill for each.
-- * fee_standards: a standard is for a kind (now also 储藏室, 'storage') or for one unit (its
--   own rate, 一位一价), never both; a unit's own rate comes before its kind's.
--
-- How: as 0006 and 0011 explain, SQLite cannot alter constraints. fee_standards, which nothing
-- points at, is renamed aside, created anew, copied with its ids and dropped; bills and the two
-- tables that point at it (waivers, allocations) likewise, children dropped first. Their
-- columns, checks, indexes and triggers are those of 0011 and 0013.

CREATE TABLE units (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    code               TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    kind               TEXT NOT NULL CHECK (kind IN ('parking','garage','storage')),
    area_m2_hundredths INTEGER CHECK (area_m2_hundredths IS NULL OR area_m2_hundredths > 0),
    household_id       INTEGER NOT NULL,
    held_from          TEXT NOT NULL,
    held_until         TEXT,
    created_at         TEXT NOT NULL,
    CONSTRAINT units_community_key UNIQUE (community_id, id),
    CONSTRAINT units_holding_key UNIQUE (community_id, code, held_from),
    CONSTRAINT units_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT units_held_check CHECK (held_until IS NULL OR held_until > held_from)
);
CREATE INDEX units_household ON units (community_id, household_id);
CREATE TRIGGER units_only_end_update BEFORE UPDATE ON units
WHEN NOT (OLD.held_until IS NULL AND NEW.held_until IS NOT NULL
          AND NEW.id = OLD.id AND NEW.community_id = OLD.community_id AND NEW.code = OLD.code AND NEW.kind = OLD.kind
          AND NEW.area_m2_hundredths IS OLD.area_m2_hundredths AND NEW.household_id = OLD.household_id
          AND NEW.held_from = OLD.held_from AND NEW.created_at = OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'a unit holding only ends'); END;
CREATE TRIGGER units_no_delete BEFORE DELETE ON units BEGIN SELECT RAISE(ABORT, 'units are append-only'); END;

ALTER TABLE fee_standards RENAME TO fee_standards_v15;
CREATE TABLE fee_standards (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    fee_item_id    INTEGER NOT NULL,
    household_kind TEXT CHECK (household_kind IN ('residential','commercial','garage','parking','storage')),
    rate_yuan      TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT,
    unit_code      TEXT CHECK (length(unit_code) BETWEEN 1 AND 40),
    CONSTRAINT fee_standards_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id),
    CHECK (valid_until IS NULL OR valid_until > valid_from),
    CONSTRAINT fee_standards_kind_or_unit CHECK ((household_kind IS NULL) <> (unit_code IS NULL))
);
INSERT INTO fee_standards (id, community_id, fee_item_id, household_kind, rate_yuan, valid_from, valid_until)
SELECT id, community_id, fee_item_id, household_kind, rate_yuan, valid_from, valid_until FROM fee_standards_v15;
DROP TABLE fee_standards_v15;

DROP TRIGGER bills_append_only_update;
DROP TRIGGER bills_append_only_delete;
DROP TRIGGER allocations_append_only_update;
DROP TRIGGER allocations_append_only_delete;
DROP TRIGGER waivers_append_only_update;
DROP TRIGGER waivers_append_only_delete;
DROP INDEX bills_book_period;
DROP INDEX allocations_bill;
DROP INDEX allocations_payment;
DROP INDEX allocations_reversal;
DROP INDEX allocations_one_cancellation;

ALTER TABLE allocations RENAME TO allocations_v15;
ALTER TABLE waivers RENAME TO waivers_v15;
ALTER TABLE bills RENAME TO bills_v15;

CREATE TABLE bills (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    book_id        INTEGER NOT NULL,
    household_id   INTEGER NOT NULL,
    fee_item_id    INTEGER NOT NULL,
    period         INTEGER NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    billing_run_id INTEGER NOT NULL,
    issue          INTEGER NOT NULL DEFAULT 1 CHECK (issue >= 1),
    tax_fen        BIGINT NOT NULL DEFAULT 0 CHECK (tax_fen >= 0),
    unit_id        INTEGER,
    CONSTRAINT bills_community_key UNIQUE (community_id, id),
    CONSTRAINT bills_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id),
    CONSTRAINT bills_household_id_fkey FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id),
    CONSTRAINT bills_fee_item_id_fkey FOREIGN KEY (community_id, fee_item_id) REFERENCES fee_items (community_id, id),
    CONSTRAINT bills_billing_run_id_fkey FOREIGN KEY (community_id, billing_run_id) REFERENCES billing_runs (community_id, id),
    CONSTRAINT bills_unit_id_fkey FOREIGN KEY (community_id, unit_id) REFERENCES units (community_id, id)
);

CREATE TABLE waivers (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    approver     TEXT NOT NULL,
    period       INTEGER NOT NULL,
    voucher_id   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    tax_fen      BIGINT NOT NULL DEFAULT 0 CHECK (tax_fen >= 0),
    CONSTRAINT waivers_community_key UNIQUE (community_id, id),
    CONSTRAINT waivers_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    CONSTRAINT waivers_voucher_id_fkey FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers (community_id, id)
);

CREATE TABLE allocations (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    bill_id      INTEGER NOT NULL,
    payment_id   INTEGER,
    waiver_id    INTEGER,
    void_id      INTEGER,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen <> 0),
    period       INTEGER NOT NULL,
    reversal_id  INTEGER,
    CONSTRAINT allocations_bill_id_fkey FOREIGN KEY (community_id, bill_id) REFERENCES bills (community_id, id),
    CONSTRAINT allocations_payment_id_fkey FOREIGN KEY (community_id, payment_id) REFERENCES payments (community_id, id),
    CONSTRAINT allocations_waiver_id_fkey FOREIGN KEY (community_id, waiver_id) REFERENCES waivers (community_id, id),
    CONSTRAINT allocations_void_id_fkey FOREIGN KEY (community_id, void_id) REFERENCES payment_voids (community_id, id),
    CONSTRAINT allocations_reversal_id_fkey FOREIGN KEY (community_id, reversal_id) REFERENCES billing_reversals (community_id, id),
    CONSTRAINT allocations_one_source CHECK ((payment_id IS NOT NULL) + (waiver_id IS NOT NULL) + (reversal_id IS NOT NULL AND payment_id IS NULL) = 1),
    CONSTRAINT allocations_negative_only_for_undoing CHECK ((amount_fen < 0) = (void_id IS NOT NULL OR (reversal_id IS NOT NULL AND payment_id IS NOT NULL))),
    CONSTRAINT allocations_void_of_payment CHECK (void_id IS NULL OR (payment_id IS NOT NULL AND reversal_id IS NULL))
);

INSERT INTO bills (id, community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, tax_fen)
    SELECT id, community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, tax_fen FROM bills_v15;
INSERT INTO waivers (id, community_id, bill_id, amount_fen, reason, approver, period, voucher_id, created_at, tax_fen)
    SELECT id, community_id, bill_id, amount_fen, reason, approver, period, voucher_id, created_at, tax_fen FROM waivers_v15;
INSERT INTO allocations (id, community_id, bill_id, payment_id, waiver_id, void_id, amount_fen, period, reversal_id)
    SELECT id, community_id, bill_id, payment_id, waiver_id, void_id, amount_fen, period, reversal_id FROM allocations_v15;

DROP TABLE allocations_v15;
DROP TABLE waivers_v15;
DROP TABLE bills_v15;

-- One live bill per household, unit (none for its own bills), fee item and month, as in 0011.
CREATE UNIQUE INDEX bills_month_key ON bills (community_id, household_id, fee_item_id, period, issue, COALESCE(unit_id, 0));
CREATE INDEX bills_book_period ON bills (community_id, book_id, period);
CREATE INDEX allocations_bill ON allocations (community_id, bill_id);
CREATE INDEX allocations_payment ON allocations (community_id, payment_id);
CREATE INDEX allocations_reversal ON allocations (community_id, reversal_id) WHERE reversal_id IS NOT NULL;
-- A bill is cancelled once.
CREATE UNIQUE INDEX allocations_one_cancellation ON allocations (community_id, bill_id) WHERE reversal_id IS NOT NULL AND payment_id IS NULL;

CREATE TRIGGER bills_append_only_update BEFORE UPDATE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER bills_append_only_delete BEFORE DELETE ON bills BEGIN SELECT RAISE(ABORT, 'bills are append-only'); END;
CREATE TRIGGER allocations_append_only_update BEFORE UPDATE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER allocations_append_only_delete BEFORE DELETE ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
CREATE TRIGGER waivers_append_only_update BEFORE UPDATE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
CREATE TRIGGER waivers_append_only_delete BEFORE DELETE ON waivers BEGIN SELECT RAISE(ABORT, 'waivers are append-only'); END;
