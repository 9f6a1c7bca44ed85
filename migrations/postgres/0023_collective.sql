-- The collective (issue 12; DESIGN.md §2, 集体收益/收益分配): the company's profit transferred to
-- the collective's book (one voucher in each, linked), the member roster (成员名册) as imported
-- versions, and the distribution plan (收益分配方案) with its list per member and its payment.
-- Append-only throughout. Same model as migrations/sqlite/0023; keys lead with community_id.

CREATE TABLE profit_transfers (
    community_id           BIGINT NOT NULL REFERENCES communities(id),
    year                   BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    company_book_id        BIGINT NOT NULL,
    collective_book_id     BIGINT NOT NULL,
    amount_fen             BIGINT NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 100000000000),
    company_voucher_id     BIGINT NOT NULL,
    collective_voucher_id  BIGINT NOT NULL,
    transferred_by         TEXT NOT NULL REFERENCES users(username),
    transferred_at         TIMESTAMPTZ NOT NULL,
    CONSTRAINT profit_transfers_year_key PRIMARY KEY (community_id, company_book_id, year),
    FOREIGN KEY (community_id, company_book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, collective_book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, company_voucher_id) REFERENCES vouchers(community_id, id),
    FOREIGN KEY (community_id, collective_voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TABLE member_rosters (
    id            BIGINT GENERATED ALWAYS AS IDENTITY,
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    book_id       BIGINT NOT NULL,
    members       BIGINT NOT NULL CHECK (members > 0),
    total_shares  BIGINT NOT NULL CHECK (total_shares > 0),
    imported_by   TEXT NOT NULL REFERENCES users(username),
    imported_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT member_rosters_pkey PRIMARY KEY (community_id, id),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id)
);

CREATE TABLE roster_members (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    roster_id     BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    member_no     TEXT NOT NULL CHECK (length(member_no) BETWEEN 1 AND 40),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    household     TEXT NOT NULL CHECK (length(household) <= 40),
    shares        BIGINT NOT NULL CHECK (shares > 0 AND shares <= 1000000),
    CONSTRAINT roster_members_key PRIMARY KEY (community_id, roster_id, seq),
    CONSTRAINT roster_members_member_key UNIQUE (community_id, roster_id, member_no),
    FOREIGN KEY (community_id, roster_id) REFERENCES member_rosters(community_id, id)
);

CREATE TABLE distributions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY,
    community_id      BIGINT NOT NULL REFERENCES communities(id),
    book_id           BIGINT NOT NULL,
    year              BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    roster_id         BIGINT NOT NULL,
    distributable_fen BIGINT NOT NULL CHECK (distributable_fen >= 0),
    reserve_bp        BIGINT NOT NULL CHECK (reserve_bp BETWEEN 0 AND 10000),
    welfare_bp        BIGINT NOT NULL CHECK (welfare_bp BETWEEN 0 AND 10000),
    reserve_fen       BIGINT NOT NULL,
    welfare_fen       BIGINT NOT NULL,
    members_fen       BIGINT NOT NULL,
    voucher_id        BIGINT NOT NULL,
    created_by        TEXT NOT NULL REFERENCES users(username),
    created_at        TIMESTAMPTZ NOT NULL,
    CHECK (reserve_bp + welfare_bp <= 10000),
    CHECK (reserve_fen + welfare_fen + members_fen = distributable_fen),
    CONSTRAINT distributions_pkey PRIMARY KEY (community_id, id),
    CONSTRAINT distributions_year_key UNIQUE (community_id, book_id, year),
    FOREIGN KEY (community_id, book_id) REFERENCES books(community_id, id),
    FOREIGN KEY (community_id, roster_id) REFERENCES member_rosters(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TABLE distribution_lines (
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    distribution_id  BIGINT NOT NULL,
    seq              BIGINT NOT NULL,
    member_no        TEXT NOT NULL,
    name             TEXT NOT NULL,
    household        TEXT NOT NULL,
    shares           BIGINT NOT NULL CHECK (shares > 0),
    amount_fen       BIGINT NOT NULL CHECK (amount_fen >= 0),
    CONSTRAINT distribution_lines_key PRIMARY KEY (community_id, distribution_id, seq),
    FOREIGN KEY (community_id, distribution_id) REFERENCES distributions(community_id, id)
);

-- A distribution is paid once: the only change it ever takes is its payment voucher.
CREATE TABLE distribution_payments (
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    distribution_id  BIGINT NOT NULL,
    paid_on          DATE NOT NULL,
    voucher_id       BIGINT NOT NULL,
    paid_by          TEXT NOT NULL REFERENCES users(username),
    paid_at          TIMESTAMPTZ NOT NULL,
    CONSTRAINT distribution_payments_key PRIMARY KEY (community_id, distribution_id),
    FOREIGN KEY (community_id, distribution_id) REFERENCES distributions(community_id, id),
    FOREIGN KEY (community_id, voucher_id) REFERENCES vouchers(community_id, id)
);

CREATE TRIGGER profit_transfers_append_only BEFORE UPDATE OR DELETE ON profit_transfers FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER member_rosters_append_only BEFORE UPDATE OR DELETE ON member_rosters FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER roster_members_append_only BEFORE UPDATE OR DELETE ON roster_members FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER distributions_append_only BEFORE UPDATE OR DELETE ON distributions FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER distribution_lines_append_only BEFORE UPDATE OR DELETE ON distribution_lines FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER distribution_payments_append_only BEFORE UPDATE OR DELETE ON distribution_payments FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
