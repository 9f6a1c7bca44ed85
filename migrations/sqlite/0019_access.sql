-- Users, roles and scopes; sessions, API tokens, household access codes; the audit log
-- (issue 11). Users are global (a finance office reads several communities); what a user may
-- reach is its roles and its scopes. Secrets are stored only as hashes: passwords as argon2id
-- PHC strings, session ids, API tokens and household codes as SHA-256 of their random value.

-- The street (街道) a community belongs to: a finance-office user reads every community of its street.
ALTER TABLE communities ADD COLUMN street TEXT NOT NULL DEFAULT '' CHECK (length(street) <= 100);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 50),
    display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 50),
    -- The street a finance-office user reads; '' for every other user.
    street        TEXT NOT NULL DEFAULT '' CHECK (length(street) <= 100),
    -- NULL: the user cannot log in (a name carried over from the books, or not yet given one).
    password_hash TEXT,
    disabled_at   TEXT,
    created_at    TEXT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role    TEXT NOT NULL CHECK (role IN ('admin','accountant','reviewer','cashier','finance_office','auditor')),
    CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, role)
);

-- The communities a user works in (an admin reaches every one; a finance office its street's too).
CREATE TABLE user_communities (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    CONSTRAINT user_communities_pkey PRIMARY KEY (community_id, user_id)
);

CREATE TABLE sessions (
    id_sha256   TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    label         TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 50),
    token_sha256  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    CONSTRAINT api_tokens_token_key UNIQUE (token_sha256)
);

-- One standing access code per household: reissuing replaces it, so the old one stops working.
CREATE TABLE household_codes (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    household_id  INTEGER NOT NULL,
    code_hash   TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    CONSTRAINT household_codes_pkey PRIMARY KEY (community_id, household_id),
    CONSTRAINT household_codes_household_fkey FOREIGN KEY (community_id, household_id) REFERENCES households(community_id, id)
);

-- Every write, by whom, from where; rows are never changed or removed.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    user_id       INTEGER REFERENCES users(id),
    username      TEXT NOT NULL,
    community_id  INTEGER REFERENCES communities(id),
    action        TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 50),
    target        TEXT NOT NULL CHECK (length(target) <= 200),
    address       TEXT NOT NULL CHECK (length(address) <= 100),
    request_id    TEXT NOT NULL CHECK (length(request_id) <= 100)
);
CREATE INDEX audit_log_community ON audit_log (community_id, id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
