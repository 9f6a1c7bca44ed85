-- 公示 (src/disclosure): a pack drafted by an accountant, published by a reviewer as a numbered
-- version of its period, and witnessed by the street finance office. All three are
-- append-only: a correction is a new version that names the one it corrects, and every version
-- stays readable.
CREATE TABLE disclosure_drafts (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    id           INTEGER NOT NULL CHECK (id > 0),
    period       TEXT NOT NULL CHECK (length(period) BETWEEN 4 AND 7),
    content      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL CHECK (length(fingerprint) = 64),
    reason       TEXT NOT NULL CHECK (length(reason) <= 300),
    drafted_by   TEXT NOT NULL REFERENCES users(username),
    drafted_at   TEXT NOT NULL,
    PRIMARY KEY (community_id, id)
);

CREATE TABLE disclosure_publications (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    period       TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version > 0),
    draft_id     INTEGER NOT NULL,
    approved_by  TEXT NOT NULL REFERENCES users(username),
    published_at TEXT NOT NULL,
    corrects     INTEGER CHECK (corrects IS NULL OR (corrects > 0 AND corrects < version)),
    changes      TEXT NOT NULL,
    PRIMARY KEY (community_id, period, version),
    CONSTRAINT disclosure_publications_draft_key UNIQUE (community_id, draft_id),
    CONSTRAINT disclosure_publications_draft_id_fkey FOREIGN KEY (community_id, draft_id) REFERENCES disclosure_drafts (community_id, id)
);

-- The finance office's own record of what its communities published: the pack's fingerprint
-- and the books' heads, chained per community so that a record cannot be dropped or changed
-- without the chain saying so.
CREATE TABLE witness_records (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    seq          INTEGER NOT NULL CHECK (seq > 0),
    period       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    fingerprint  TEXT NOT NULL CHECK (length(fingerprint) = 64),
    heads        TEXT NOT NULL,
    prev_hash    TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash         TEXT NOT NULL CHECK (length(hash) = 64),
    recorded_at  TEXT NOT NULL,
    PRIMARY KEY (community_id, seq),
    CONSTRAINT witness_records_version_key UNIQUE (community_id, period, version)
);

CREATE TRIGGER disclosure_drafts_append_only_update BEFORE UPDATE ON disclosure_drafts BEGIN SELECT RAISE(ABORT, 'disclosure_drafts are append-only'); END;
CREATE TRIGGER disclosure_drafts_append_only_delete BEFORE DELETE ON disclosure_drafts BEGIN SELECT RAISE(ABORT, 'disclosure_drafts are append-only'); END;
CREATE TRIGGER disclosure_publications_append_only_update BEFORE UPDATE ON disclosure_publications BEGIN SELECT RAISE(ABORT, 'disclosure_publications are append-only'); END;
CREATE TRIGGER disclosure_publications_append_only_delete BEFORE DELETE ON disclosure_publications BEGIN SELECT RAISE(ABORT, 'disclosure_publications are append-only'); END;
CREATE TRIGGER witness_records_append_only_update BEFORE UPDATE ON witness_records BEGIN SELECT RAISE(ABORT, 'witness_records are append-only'); END;
CREATE TRIGGER witness_records_append_only_delete BEFORE DELETE ON witness_records BEGIN SELECT RAISE(ABORT, 'witness_records are append-only'); END;
