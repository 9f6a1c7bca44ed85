-- Each book's disclosure secret (src/disclosure/codes.rs): the key that salts the leaves of a
-- month's Merkle sum tree over its payments and gives each receipt its verification code.
-- Made on first use and never changed: a new secret would change every published root.
CREATE TABLE disclosure_secrets (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    book_id      BIGINT NOT NULL,
    secret       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT disclosure_secrets_pkey PRIMARY KEY (community_id, book_id),
    CONSTRAINT disclosure_secrets_secret_check CHECK (length(secret) = 64),
    CONSTRAINT disclosure_secrets_book_id_fkey FOREIGN KEY (community_id, book_id) REFERENCES books (community_id, id)
);
CREATE TRIGGER disclosure_secrets_fixed BEFORE UPDATE OR DELETE ON disclosure_secrets FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
