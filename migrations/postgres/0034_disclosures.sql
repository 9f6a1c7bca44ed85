-- 公示 (src/disclosure): a pack drafted by an accountant, published by a reviewer as a numbered
-- version of its period, and witnessed by the street finance office. All three are
-- append-only: a correction is a new version that names the one it corrects, and every version
-- stays readable. Ids are numbered per community by the writing transaction (no sequences).
CREATE TABLE disclosure_drafts (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    id           BIGINT NOT NULL,
    period       TEXT NOT NULL,
    content      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    drafted_by   TEXT NOT NULL REFERENCES users(username),
    drafted_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT disclosure_drafts_pkey PRIMARY KEY (community_id, id),
    CONSTRAINT disclosure_drafts_id_check CHECK (id > 0),
    CONSTRAINT disclosure_drafts_period_check CHECK (length(period) BETWEEN 4 AND 7),
    CONSTRAINT disclosure_drafts_fingerprint_check CHECK (length(fingerprint) = 64),
    CONSTRAINT disclosure_drafts_reason_check CHECK (length(reason) <= 300)
);

CREATE TABLE disclosure_publications (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    period       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    draft_id     BIGINT NOT NULL,
    approved_by  TEXT NOT NULL REFERENCES users(username),
    published_at TIMESTAMPTZ NOT NULL,
    corrects     BIGINT,
    changes      TEXT NOT NULL,
    CONSTRAINT disclosure_publications_pkey PRIMARY KEY (community_id, period, version),
    CONSTRAINT disclosure_publications_version_check CHECK (version > 0),
    CONSTRAINT disclosure_publications_corrects_check CHECK (corrects IS NULL OR (corrects > 0 AND corrects < version)),
    CONSTRAINT disclosure_publications_draft_key UNIQUE (community_id, draft_id),
    CONSTRAINT disclosure_publications_draft_id_fkey FOREIGN KEY (community_id, draft_id) REFERENCES disclosure_drafts (community_id, id)
);

-- The finance office's own record of what its communities published: the pack's fingerprint
-- and the books' heads, chained per community so that a record cannot be dropped or changed
-- without the chain saying so.
CREATE TABLE witness_records (
    community_id BIGINT NOT NULL REFERENCES communities(id),
    seq          BIGINT NOT NULL,
    period       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    fingerprint  TEXT NOT NULL,
    heads        TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT witness_records_pkey PRIMARY KEY (community_id, seq),
    CONSTRAINT witness_records_seq_check CHECK (seq > 0),
    CONSTRAINT witness_records_fingerprint_check CHECK (length(fingerprint) = 64),
    CONSTRAINT witness_records_prev_hash_check CHECK (length(prev_hash) = 64),
    CONSTRAINT witness_records_hash_check CHECK (length(hash) = 64),
    CONSTRAINT witness_records_version_key UNIQUE (community_id, period, version)
);

CREATE TRIGGER disclosure_drafts_append_only BEFORE UPDATE OR DELETE ON disclosure_drafts FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER disclosure_publications_append_only BEFORE UPDATE OR DELETE ON disclosure_publications FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
CREATE TRIGGER witness_records_append_only BEFORE UPDATE OR DELETE ON witness_records FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
