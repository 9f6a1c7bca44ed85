-- A signer's explanation of a difference (差异说明), written when that side signs: one note per
-- side and difference, kept beside the sign-off and sealed by its digest
-- (src/subsidies/signoff.rs), so a note changed afterwards breaks the signature.
CREATE TABLE reconciliation_notes (
    community_id       BIGINT NOT NULL REFERENCES communities(id),
    reconciliation_id  BIGINT NOT NULL,
    side               TEXT NOT NULL,
    seq                BIGINT NOT NULL,
    note               TEXT NOT NULL,
    CONSTRAINT reconciliation_notes_pkey PRIMARY KEY (community_id, reconciliation_id, side, seq),
    CONSTRAINT reconciliation_notes_side_check CHECK (side IN ('company','finance_office')),
    CONSTRAINT reconciliation_notes_note_check CHECK (length(note) BETWEEN 1 AND 200),
    CONSTRAINT reconciliation_notes_signoff_fkey FOREIGN KEY (community_id, reconciliation_id, side)
        REFERENCES reconciliation_signoffs (community_id, reconciliation_id, side)
);
CREATE TRIGGER reconciliation_notes_append_only BEFORE UPDATE OR DELETE ON reconciliation_notes FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
