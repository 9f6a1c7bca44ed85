-- The audit log as hash chains (access::audit): each community's entries, and the entries of no
-- community (sign-ins, users), are numbered and each commits to the one before, so a deleted,
-- edited or truncated entry is named by `verify`, and the heads are kept with the books' heads
-- (`mingzhang anchor`). Entries written before have no place in a chain.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (community_id, seq) WHERE seq IS NOT NULL;
-- Each chain's length and head: chain_id is the community's id, 0 for the entries of none. Like
-- audit_log, a table of the coordinator, not of a community's shard.
CREATE TABLE audit_heads (
    chain_id BIGINT PRIMARY KEY,
    seq      BIGINT NOT NULL DEFAULT 0,
    head     TEXT NOT NULL DEFAULT ''
);
