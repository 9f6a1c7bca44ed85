-- Each book's disclosure secret (src/disclosure/codes.rs): the key that salts the leaves of a
-- month's Merkle sum tree over its payments and gives each receipt its verification code.
-- Made on first use and never changed: a new secret would change every published root.
CREATE TABLE disclosure_secrets (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL,
    secret       TEXT NOT NULL CHECK (length(secret) = 64),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (community_id, book_id),
    CONSTRAINT disclosure_secrets_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);
CREATE TRIGGER disclosure_secrets_fixed_update BEFORE UPDATE ON disclosure_secrets BEGIN SELECT RAISE(ABORT, 'a disclosure secret never changes'); END;
CREATE TRIGGER disclosure_secrets_fixed_delete BEFORE DELETE ON disclosure_secrets BEGIN SELECT RAISE(ABORT, 'a disclosure secret never changes'); END;
