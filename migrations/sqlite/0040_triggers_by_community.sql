-- PostgreSQL's migration of this number makes its cross-table triggers name the row's
-- community (its primary keys lead with community_id). SQLite's ids are the rowid, found
-- directly, and its triggers are unchanged.
SELECT 1;
