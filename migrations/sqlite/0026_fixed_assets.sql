-- Fixed assets (固定资产卡片, issue 26 point 2): the register of the company's and the collective's
-- assets, their monthly depreciation (累计折旧), their disposal (固定资产清理), and the release
-- of a grant that paid for an asset (与资产相关的政府补助, 小企业会计准则 第六十二条) in step with
-- its depreciation. Same model as migrations/postgres/0026. Keys lead with community_id, as in
-- 0006; every table is append-only (a card is never edited: what it was depreciated by is what
-- it says).

-- The card (卡片). The residual value and the depreciable amount follow from original value and
-- residual rate by one rounding (half up to the fen) done in the code and kept here, so that the
-- schedule can always be recomputed and its total checked against the card.
CREATE TABLE fixed_assets (
    id                   INTEGER PRIMARY KEY,
    community_id         INTEGER NOT NULL REFERENCES communities(id),
    book_id              INTEGER NOT NULL,
    -- The card's number (卡片编号), unique in its book.
    code                 TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- 房屋及建筑物, 机器设备, 运输工具, 电子设备…: free text, as each book classifies.
    category             TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
    in_service_on        TEXT NOT NULL,
    original_fen         INTEGER NOT NULL CHECK (original_fen > 0 AND original_fen <= 100000000000),
    -- A life of 0 would divide by zero; 50 years is the longest any table of lives uses.
    life_months          INTEGER NOT NULL CHECK (life_months BETWEEN 1 AND 600),
    -- 预计净残值率 in hundredths of a percent; 100 % would leave nothing to depreciate.
    residual_rate_bp     INTEGER NOT NULL CHECK (residual_rate_bp >= 0 AND residual_rate_bp < 10000),
    residual_fen         INTEGER NOT NULL CHECK (residual_fen >= 0 AND residual_fen < original_fen),
    -- 期初累计折旧: what a card in service before the book opened was depreciated by in the
    -- books before (it is in the opening balance of 累计折旧), never beyond its depreciable amount.
    opening_accumulated_fen INTEGER NOT NULL CHECK (opening_accumulated_fen >= 0 AND opening_accumulated_fen <= original_fen - residual_fen),
    -- 年限平均法 only, for now (工作量法 needs the month's units of work, which nothing records).
    method               TEXT NOT NULL CHECK (method IN ('straight_line')),
    -- The cost account each month's depreciation is debited to (the asset's use).
    expense_account      TEXT NOT NULL CHECK (length(expense_account) BETWEEN 1 AND 20),
    -- The subsidy program (treatment 'asset') that paid for it, and how much it funded.
    program_id           INTEGER,
    funded_fen           INTEGER NOT NULL CHECK (funded_fen >= 0 AND funded_fen <= original_fen),
    created_by           TEXT NOT NULL REFERENCES users(username),
    created_at           TEXT NOT NULL,
    CONSTRAINT fixed_assets_funded_check CHECK ((program_id IS NULL) = (funded_fen = 0)),
    -- A grant's release before the book opened is not known here (see src/assets/service.rs).
    CONSTRAINT fixed_assets_funded_opening_check CHECK (program_id IS NULL OR opening_accumulated_fen = 0),
    CONSTRAINT fixed_assets_community_key UNIQUE (community_id, id),
    CONSTRAINT fixed_assets_code_key UNIQUE (community_id, book_id, code),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id)
);

-- A book's month of depreciation, done once: the key is what makes a second run for the month
-- impossible, and its voucher the one 借 费用 贷 累计折旧 voucher of the month.
CREATE TABLE asset_depreciation_runs (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    book_id       INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
    voucher_id    INTEGER NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users(username),
    created_at    TEXT NOT NULL,
    CONSTRAINT asset_depreciation_runs_month_key PRIMARY KEY (community_id, book_id, period),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- Each card's depreciation of a month, with the voucher that booked it (the month's run, or
-- the disposal's, as a card disposed of is still depreciated in its last month: 第三十一条).
-- Their sum is the card's 累计折旧; once per card and month.
CREATE TABLE asset_depreciations (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    book_id       INTEGER NOT NULL,
    asset_id      INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
    voucher_id    INTEGER NOT NULL,
    CONSTRAINT asset_depreciations_month_key PRIMARY KEY (community_id, asset_id, period),
    FOREIGN KEY (community_id, asset_id) REFERENCES fixed_assets(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);
CREATE INDEX asset_depreciations_book ON asset_depreciations (community_id, book_id, asset_id);
CREATE INDEX asset_depreciations_voucher ON asset_depreciations (community_id, voucher_id);

-- A card's disposal (出售, 报废, 毁损), once: what it was worth and what it fetched, and the
-- voucher through 固定资产清理.
CREATE TABLE asset_disposals (
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    asset_id         INTEGER NOT NULL,
    disposed_on      TEXT NOT NULL,
    accumulated_fen  INTEGER NOT NULL CHECK (accumulated_fen >= 0),
    proceeds_fen     INTEGER NOT NULL CHECK (proceeds_fen >= 0 AND proceeds_fen <= 100000000000),
    reason           TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    voucher_id       INTEGER NOT NULL,
    disposed_by      TEXT NOT NULL REFERENCES users(username),
    disposed_at      TEXT NOT NULL,
    CONSTRAINT asset_disposals_asset_key PRIMARY KEY (community_id, asset_id),
    FOREIGN KEY (community_id, asset_id) REFERENCES fixed_assets(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

-- 递延收益 of an asset's grant released (借 递延收益 贷 营业外收入—政府补助), per card: with the
-- month's depreciation ('depreciation'), or the rest at once when the card is disposed of
-- ('disposal'). subsidy_releases is keyed by program and month, one voucher each, for a grant
-- released by tagged spending; an asset grant is released card by card, so it has its own rows.
CREATE TABLE asset_subsidy_releases (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    asset_id      INTEGER NOT NULL,
    program_id    INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('depreciation','disposal')),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
    voucher_id    INTEGER NOT NULL,
    CONSTRAINT asset_subsidy_releases_key PRIMARY KEY (community_id, asset_id, period, kind),
    FOREIGN KEY (community_id, asset_id) REFERENCES fixed_assets(community_id, id),
    FOREIGN KEY (community_id, program_id) REFERENCES subsidy_programs(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);
CREATE INDEX asset_subsidy_releases_program ON asset_subsidy_releases (community_id, program_id);
CREATE INDEX asset_subsidy_releases_voucher ON asset_subsidy_releases (community_id, voucher_id);

CREATE TRIGGER fixed_assets_append_only_update BEFORE UPDATE ON fixed_assets BEGIN SELECT RAISE(ABORT, 'fixed_assets are append-only'); END;
CREATE TRIGGER fixed_assets_append_only_delete BEFORE DELETE ON fixed_assets BEGIN SELECT RAISE(ABORT, 'fixed_assets are append-only'); END;
CREATE TRIGGER asset_depreciation_runs_append_only_update BEFORE UPDATE ON asset_depreciation_runs BEGIN SELECT RAISE(ABORT, 'asset_depreciation_runs are append-only'); END;
CREATE TRIGGER asset_depreciation_runs_append_only_delete BEFORE DELETE ON asset_depreciation_runs BEGIN SELECT RAISE(ABORT, 'asset_depreciation_runs are append-only'); END;
CREATE TRIGGER asset_depreciations_append_only_update BEFORE UPDATE ON asset_depreciations BEGIN SELECT RAISE(ABORT, 'asset_depreciations are append-only'); END;
CREATE TRIGGER asset_depreciations_append_only_delete BEFORE DELETE ON asset_depreciations BEGIN SELECT RAISE(ABORT, 'asset_depreciations are append-only'); END;
CREATE TRIGGER asset_disposals_append_only_update BEFORE UPDATE ON asset_disposals BEGIN SELECT RAISE(ABORT, 'asset_disposals are append-only'); END;
CREATE TRIGGER asset_disposals_append_only_delete BEFORE DELETE ON asset_disposals BEGIN SELECT RAISE(ABORT, 'asset_disposals are append-only'); END;
CREATE TRIGGER asset_subsidy_releases_append_only_update BEFORE UPDATE ON asset_subsidy_releases BEGIN SELECT RAISE(ABORT, 'asset_subsidy_releases are append-only'); END;
CREATE TRIGGER asset_subsidy_releases_append_only_delete BEFORE DELETE ON asset_subsidy_releases BEGIN SELECT RAISE(ABORT, 'asset_subsidy_releases are append-only'); END;

-- A program may now be treated as a grant for an asset ('asset'). SQLite cannot alter a CHECK,
-- and rebuilding subsidy_programs the way 0006 and 0016 rebuilt tables would mean rebuilding
-- the nine tables whose foreign keys point at it or at its children (the migration runs in a
-- transaction, where foreign keys cannot be switched off). Widening a CHECK changes nothing on
-- disk and every stored row already satisfies the wider one, which is the case SQLite documents
-- for editing the stored schema text (https://sqlite.org/lang_altertable.html, "Making Other
-- Kinds Of Table Schema Changes"); writable_schema = RESET makes this connection read the new
-- text, and the tables created above change the schema cookie, so every other connection does.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'treatment IN (''deferred'',''immediate'',''service'',''collective'')',
                       'treatment IN (''deferred'',''immediate'',''service'',''collective'',''asset'')')
WHERE type = 'table' AND name = 'subsidy_programs';
PRAGMA writable_schema = RESET;
