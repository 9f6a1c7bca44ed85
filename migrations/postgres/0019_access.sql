-- Users, roles and scopes; sessions, API tokens, household access codes; the audit log
-- (issue 11). Users are global (a finance office reads several communities); what a user may
-- reach is its roles and its scopes. Secrets are stored only as hashes: passwords as argon2id
-- PHC strings, session ids, API tokens and household codes as SHA-256 of their random value.

-- The street (街道) a community belongs to: a finance-office user reads every community of its street.
ALTER TABLE communities ADD COLUMN street TEXT NOT NULL DEFAULT '' CHECK (char_length(street) <= 100);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL CHECK (char_length(username) BETWEEN 1 AND 50),
    display_name  TEXT NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 50),
    street        TEXT NOT NULL DEFAULT '' CHECK (char_length(street) <= 100),
    password_hash TEXT,
    disabled_at   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id),
    role    TEXT NOT NULL CHECK (role IN ('admin','accountant','reviewer','cashier','finance_office','auditor')),
    CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, role)
);

CREATE TABLE user_communities (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    CONSTRAINT user_communities_pkey PRIMARY KEY (community_id, user_id)
);

CREATE TABLE sessions (
    id_sha256   TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    label         TEXT NOT NULL CHECK (char_length(label) BETWEEN 1 AND 50),
    token_sha256  TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    CONSTRAINT api_tokens_token_key UNIQUE (token_sha256)
);

CREATE TABLE household_codes (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    household_id  BIGINT NOT NULL,
    code_hash   TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT household_codes_pkey PRIMARY KEY (community_id, household_id),
    CONSTRAINT household_codes_household_fkey FOREIGN KEY (community_id, household_id) REFERENCES households(community_id, id)
);

CREATE TABLE audit_log (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    user_id       BIGINT REFERENCES users(id),
    username      TEXT NOT NULL,
    community_id  BIGINT REFERENCES communities(id),
    action        TEXT NOT NULL CHECK (char_length(action) BETWEEN 1 AND 50),
    target        TEXT NOT NULL CHECK (char_length(target) <= 200),
    address       TEXT NOT NULL CHECK (char_length(address) <= 100),
    request_id    TEXT NOT NULL CHECK (char_length(request_id) <= 100)
);
CREATE INDEX audit_log_community ON audit_log (community_id, id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
