-- 集体收益分配 on the members' page (src/disclosure/members.rs): a member signed in with their
-- household's access code sees their own household's lines; everyone's names and amounts only
-- once the collective has decided to show them (成员（代表）大会决议), recorded here. A decision
-- is kept, never changed.
CREATE TABLE member_name_decisions (
    community_id    BIGINT NOT NULL REFERENCES communities(id),
    distribution_id BIGINT NOT NULL,
    decision        TEXT NOT NULL,
    decided_by      TEXT NOT NULL REFERENCES users(username),
    decided_at      TIMESTAMPTZ NOT NULL,
    CONSTRAINT member_name_decisions_pkey PRIMARY KEY (community_id, distribution_id),
    CONSTRAINT member_name_decisions_decision_check CHECK (length(decision) BETWEEN 1 AND 200),
    CONSTRAINT member_name_decisions_distribution_id_fkey FOREIGN KEY (community_id, distribution_id) REFERENCES distributions (community_id, id)
);
CREATE TRIGGER member_name_decisions_append_only BEFORE UPDATE OR DELETE ON member_name_decisions FOR EACH ROW EXECUTE FUNCTION refuse_change_append_only();
