-- A signer's explanation of a difference (差异说明), written when that side signs: one note per
-- side and difference, kept beside the sign-off and sealed by its digest
-- (src/subsidies/signoff.rs), so a note changed afterwards breaks the signature.
CREATE TABLE reconciliation_notes (
    community_id       INTEGER NOT NULL REFERENCES communities(id),
    reconciliation_id  INTEGER NOT NULL,
    side               TEXT NOT NULL CHECK (side IN ('company','finance_office')),
    seq                INTEGER NOT NULL,
    note               TEXT NOT NULL CHECK (length(note) BETWEEN 1 AND 200),
    CONSTRAINT reconciliation_notes_pkey PRIMARY KEY (community_id, reconciliation_id, side, seq),
    CONSTRAINT reconciliation_notes_signoff_fkey FOREIGN KEY (community_id, reconciliation_id, side)
        REFERENCES reconciliation_signoffs (community_id, reconciliation_id, side)
);
CREATE TRIGGER reconciliation_notes_append_only_update BEFORE UPDATE ON reconciliation_notes BEGIN SELECT RAISE(ABORT, 'reconciliation_notes are append-only'); END;
CREATE TRIGGER reconciliation_notes_append_only_delete BEFORE DELETE ON reconciliation_notes BEGIN SELECT RAISE(ABORT, 'reconciliation_notes are append-only'); END;
