-- The collective (issue 12; DESIGN.md §2, 集体收益/收益分配): the company's profit transferred to
-- the collective's book (one voucher in each, linked), the member roster (成员名册) as imported
-- versions, and the distribution plan (收益分配方案) with its list per member and its payment.
-- Append-only throughout. Same model as migrations/postgres/0023; keys lead with community_id.

CREATE TABLE profit_transfers (
    community_id           INTEGER NOT NULL REFERENCES communities(id),
    year                   INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    company_book_id        INTEGER NOT NULL,
    collective_book_id     INTEGER NOT NULL,
    amount_fen             INTEGER NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    company_voucher_id     INTEGER NOT NULL,
    collective_voucher_id  INTEGER NOT NULL,
    transferred_by         TEXT NOT NULL REFERENCES users(username),
    transferred_at         TEXT NOT NULL,
    CONSTRAINT profit_transfers_year_key PRIMARY KEY (community_id, company_book_id, year),
    FOREIGN KEY (community_id, company_book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, collective_book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, company_voucher_id) REFERENCES vouchers(community_id, id),
    FOREIGN KEY (community_id, collective_voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TABLE member_rosters (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    book_id       INTEGER NOT NULL,
    members       INTEGER NOT NULL CHECK (members > 0),
    total_shares  INTEGER NOT NULL CHECK (total_shares > 0),
    imported_by   TEXT NOT NULL REFERENCES users(username),
    imported_at   TEXT NOT NULL,
    CONSTRAINT member_rosters_community_key UNIQUE (community_id, id),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id)
);

CREATE TABLE roster_members (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    roster_id     INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    member_no     TEXT NOT NULL CHECK (length(member_no) BETWEEN 1 AND 40),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    household     TEXT NOT NULL CHECK (length(household) <= 40),
    shares        INTEGER NOT NULL CHECK (shares > 0 AND shares <= 1000000),
    CONSTRAINT roster_members_key PRIMARY KEY (community_id, roster_id, seq),
    CONSTRAINT roster_members_member_key UNIQUE (community_id, roster_id, member_no),
    FOREIGN KEY (community_id, roster_id) REFERENCES member_rosters(community_id, id)
);

CREATE TABLE distributions (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities(id),
    book_id           INTEGER NOT NULL,
    year              INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    roster_id         INTEGER NOT NULL,
    distributable_fen INTEGER NOT NULL CHECK (distributable_fen >= 0),
    reserve_bp        INTEGER NOT NULL CHECK (reserve_bp BETWEEN 0 AND 10000),
    welfare_bp        INTEGER NOT NULL CHECK (welfare_bp BETWEEN 0 AND 10000),
    reserve_fen       INTEGER NOT NULL,
    welfare_fen       INTEGER NOT NULL,
    members_fen       INTEGER NOT NULL,
    voucher_id        INTEGER NOT NULL,
    created_by        TEXT NOT NULL REFERENCES users(username),
    created_at        TEXT NOT NULL,
    CHECK (reserve_bp + welfare_bp <= 10000),
    CHECK (reserve_fen + welfare_fen + members_fen = distributable_fen),
    CONSTRAINT distributions_community_key UNIQUE (community_id, id),
    CONSTRAINT distributions_year_key UNIQUE (community_id, book_id, year),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, roster_id) REFERENCES member_rosters(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TABLE distribution_lines (
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    distribution_id  INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    member_no        TEXT NOT NULL,
    name             TEXT NOT NULL,
    household        TEXT NOT NULL,
    shares           INTEGER NOT NULL CHECK (shares > 0),
    amount_fen       INTEGER NOT NULL CHECK (amount_fen >= 0),
    CONSTRAINT distribution_lines_key PRIMARY KEY (community_id, distribution_id, seq),
    FOREIGN KEY (community_id, distribution_id) REFERENCES distributions(community_id, id)
);

-- A distribution is paid once: the only change it ever takes is its payment voucher.
CREATE TABLE distribution_payments (
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    distribution_id  INTEGER NOT NULL,
    paid_on          TEXT NOT NULL,
    voucher_id       INTEGER NOT NULL,
    paid_by          TEXT NOT NULL REFERENCES users(username),
    paid_at          TEXT NOT NULL,
    CONSTRAINT distribution_payments_key PRIMARY KEY (community_id, distribution_id),
    FOREIGN KEY (community_id, distribution_id) REFERENCES distributions(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TRIGGER profit_transfers_append_only_update BEFORE UPDATE ON profit_transfers BEGIN SELECT RAISE(ABORT, 'profit_transfers are append-only'); END;
CREATE TRIGGER profit_transfers_append_only_delete BEFORE DELETE ON profit_transfers BEGIN SELECT RAISE(ABORT, 'profit_transfers are append-only'); END;
CREATE TRIGGER member_rosters_append_only_update BEFORE UPDATE ON member_rosters BEGIN SELECT RAISE(ABORT, 'member_rosters are append-only'); END;
CREATE TRIGGER member_rosters_append_only_delete BEFORE DELETE ON member_rosters BEGIN SELECT RAISE(ABORT, 'member_rosters are append-only'); END;
CREATE TRIGGER roster_members_append_only_update BEFORE UPDATE ON roster_members BEGIN SELECT RAISE(ABORT, 'roster_members are append-only'); END;
CREATE TRIGGER roster_members_append_only_delete BEFORE DELETE ON roster_members BEGIN SELECT RAISE(ABORT, 'roster_members are append-only'); END;
CREATE TRIGGER distributions_append_only_update BEFORE UPDATE ON distributions BEGIN SELECT RAISE(ABORT, 'distributions are append-only'); END;
CREATE TRIGGER distributions_append_only_delete BEFORE DELETE ON distributions BEGIN SELECT RAISE(ABORT, 'distributions are append-only'); END;
CREATE TRIGGER distribution_lines_append_only_update BEFORE UPDATE ON distribution_lines BEGIN SELECT RAISE(ABORT, 'distribution_lines are append-only'); END;
CREATE TRIGGER distribution_lines_append_only_delete BEFORE DELETE ON distribution_lines BEGIN SELECT RAISE(ABORT, 'distribution_lines are append-only'); END;
CREATE TRIGGER distribution_payments_append_only_update BEFORE UPDATE ON distribution_payments BEGIN SELECT RAISE(ABORT, 'distribution_payments are append-only'); END;
CREATE TRIGGER distribution_payments_append_only_delete BEFORE DELETE ON distribution_payments BEGIN SELECT RAISE(ABORT, 'distribution_payments are append-only'); END;
