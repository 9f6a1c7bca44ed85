-- Users, their roles, communities and street as master data with versions (access::versions):
-- one hash chain for the whole server (its head in audit_heads, chain_id -1), recorded by every
-- change the program makes. `verify` names a user whose row differs from its last version, and
-- the server refuses to act for such a user: a role escalated in the table behind the
-- program's back opens nothing. Like the users, a table of the coordinator.
CREATE TABLE user_versions (
    seq         INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    content     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX user_versions_user ON user_versions (user_id, seq);
