//! The access wing's rows and their SQL, written once and expanded for both engines by
//! `impl_access_tx!`. Users, sessions and tokens are global rows; household codes and most
//! audit rows belong to a community.

use chrono::{DateTime, Utc};

use super::audit::{link, AuditEntry, AuditFilter, AuditRow, ChainedRow};
use super::versions::VersionsTx;
use super::Role;
use crate::domain::ids::{CommunityId, HouseholdId, UserId};
use crate::error::Result;
use crate::store::{PgTx, SqliteTx, Store};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub street: String,
    pub password_hash: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
}

pub struct NewUserRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub street: &'a str,
    pub password_hash: Option<&'a str>,
}

const USER_COLUMNS: &str = "id, username, display_name, street, password_hash, disabled_at";

crate::wing_tx! {
    pub trait AccessTx: VersionsTx + Send {
        fn users(&mut self) -> impl Future<Output = Result<Vec<UserRow>>> + Send;
        fn user_by_name(&mut self, username: &str) -> impl Future<Output = Result<Option<UserRow>>> + Send;
        fn user_by_id(&mut self, id: UserId) -> impl Future<Output = Result<Option<UserRow>>> + Send;
        fn insert_user(&mut self, user: &NewUserRow<'_>, at: DateTime<Utc>) -> impl Future<Output = Result<UserId>> + Send;
        fn set_roles(&mut self, user_id: UserId, roles: &[Role]) -> impl Future<Output = Result<()>> + Send;
        fn roles_of(&mut self, user_id: UserId) -> impl Future<Output = Result<Vec<Role>>> + Send;
        fn add_user_community(&mut self, user_id: UserId, community_id: CommunityId) -> impl Future<Output = Result<()>> + Send;
        fn clear_user_communities(&mut self, user_id: UserId) -> impl Future<Output = Result<()>> + Send;
        fn set_user_street(&mut self, user_id: UserId, street: &str) -> impl Future<Output = Result<()>> + Send;
        fn communities_of(&mut self, user_id: UserId) -> impl Future<Output = Result<Vec<CommunityId>>> + Send;
        fn disable_user(&mut self, user_id: UserId, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn set_password_hash(&mut self, user_id: UserId, hash: &str) -> impl Future<Output = Result<()>> + Send;
        fn insert_session(
            &mut self,
            id_sha256: &str,
            user_id: UserId,
            csrf_token: &str,
            address: &str,
            at: DateTime<Utc>,
            expires_at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// (user, CSRF token, expiry) of a session not ended and not expired at `now`.
        fn live_session(
            &mut self,
            id_sha256: &str,
            now: DateTime<Utc>,
        ) -> impl Future<Output = Result<Option<(UserId, String, DateTime<Utc>)>>> + Send;
        fn end_session(&mut self, id_sha256: &str, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn end_sessions_of(&mut self, user_id: UserId, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn insert_token(
            &mut self,
            user_id: UserId,
            label: &str,
            token_sha256: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        fn token_user(&mut self, token_sha256: &str) -> impl Future<Output = Result<Option<UserId>>> + Send;
        fn revoke_tokens_of(&mut self, user_id: UserId, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn set_household_code(
            &mut self,
            community_id: CommunityId,
            household_id: HouseholdId,
            hash: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        fn household_code(
            &mut self,
            community_id: CommunityId,
            household_id: HouseholdId,
        ) -> impl Future<Output = Result<Option<String>>> + Send;
        fn set_street(&mut self, community_id: CommunityId, street: &str) -> impl Future<Output = Result<()>> + Send;
        fn street_of(&mut self, community_id: CommunityId) -> impl Future<Output = Result<String>> + Send;
        /// Every community with its street, by id: (id, name, street).
        fn community_streets(&mut self) -> impl Future<Output = Result<Vec<(CommunityId, String, String)>>> + Send;
        /// Appends entries to the audit log, one statement for all.
        fn insert_audit(&mut self, entries: &[AuditEntry<'_>], at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn audit_rows(&mut self, filter: &AuditFilter) -> impl Future<Output = Result<Vec<AuditRow>>> + Send;
        /// One chain's entries (a community's, or those of none), in the order written.
        fn audit_chain(&mut self, community_id: Option<CommunityId>) -> impl Future<Output = Result<Vec<ChainedRow>>> + Send;
        /// One chain's head as kept: (length, hash).
        fn audit_head(&mut self, community_id: Option<CommunityId>) -> impl Future<Output = Result<(i64, String)>> + Send;
    }
}

macro_rules! impl_access_tx {
    ($tx_type:ty) => {
        impl AccessTx for $tx_type {
            async fn users(&mut self) -> Result<Vec<UserRow>> {
                Ok(sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")).fetch_all(&mut *self.tx).await?)
            }

            async fn user_by_name(&mut self, username: &str) -> Result<Option<UserRow>> {
                Ok(sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
                    .bind(username)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn user_by_id(&mut self, id: UserId) -> Result<Option<UserRow>> {
                Ok(sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(&mut *self.tx).await?)
            }

            async fn insert_user(&mut self, u: &NewUserRow<'_>, at: DateTime<Utc>) -> Result<UserId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, street, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(u.username)
                .bind(u.display_name)
                .bind(u.street)
                .bind(u.password_hash)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn set_roles(&mut self, user_id: UserId, roles: &[Role]) -> Result<()> {
                sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(user_id).execute(&mut *self.tx).await?;
                for role in roles {
                    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(user_id)
                        .bind(*role)
                        .execute(&mut *self.tx)
                        .await?;
                }
                Ok(())
            }

            async fn clear_user_communities(&mut self, user_id: UserId) -> Result<()> {
                sqlx::query("DELETE FROM user_communities WHERE user_id = $1").bind(user_id).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn set_user_street(&mut self, user_id: UserId, street: &str) -> Result<()> {
                sqlx::query("UPDATE users SET street = $2 WHERE id = $1").bind(user_id).bind(street).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn roles_of(&mut self, user_id: UserId) -> Result<Vec<Role>> {
                let mut roles: Vec<Role> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_all(&mut *self.tx)
                    .await?;
                roles.sort();
                Ok(roles)
            }

            async fn add_user_community(&mut self, user_id: UserId, community_id: CommunityId) -> Result<()> {
                sqlx::query("INSERT INTO user_communities (community_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(community_id)
                    .bind(user_id)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn communities_of(&mut self, user_id: UserId) -> Result<Vec<CommunityId>> {
                Ok(sqlx::query_scalar("SELECT community_id FROM user_communities WHERE user_id = $1 ORDER BY community_id")
                    .bind(user_id)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn disable_user(&mut self, user_id: UserId, at: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
                    .bind(user_id)
                    .bind(at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_password_hash(&mut self, user_id: UserId, hash: &str) -> Result<()> {
                sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(user_id).bind(hash).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn insert_session(
                &mut self,
                id_sha256: &str,
                user_id: UserId,
                csrf_token: &str,
                address: &str,
                at: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (id_sha256, user_id, csrf_token, address, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id_sha256)
                .bind(user_id)
                .bind(csrf_token)
                .bind(address)
                .bind(at)
                .bind(expires_at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn live_session(&mut self, id_sha256: &str, now: DateTime<Utc>) -> Result<Option<(UserId, String, DateTime<Utc>)>> {
                let row: Option<(UserId, String, DateTime<Utc>, Option<DateTime<Utc>>)> =
                    sqlx::query_as("SELECT user_id, csrf_token, expires_at, ended_at FROM sessions WHERE id_sha256 = $1")
                        .bind(id_sha256)
                        .fetch_optional(&mut *self.tx)
                        .await?;
                // Compared here, not in SQL: SQLite keeps the times as text.
                Ok(row.filter(|(_, _, expires_at, ended_at)| ended_at.is_none() && *expires_at > now).map(|(u, c, e, _)| (u, c, e)))
            }

            async fn end_session(&mut self, id_sha256: &str, at: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE sessions SET ended_at = $2 WHERE id_sha256 = $1 AND ended_at IS NULL")
                    .bind(id_sha256)
                    .bind(at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn end_sessions_of(&mut self, user_id: UserId, at: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL")
                    .bind(user_id)
                    .bind(at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn insert_token(&mut self, user_id: UserId, label: &str, token_sha256: &str, at: DateTime<Utc>) -> Result<()> {
                sqlx::query("INSERT INTO api_tokens (user_id, label, token_sha256, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(user_id)
                    .bind(label)
                    .bind(token_sha256)
                    .bind(at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn token_user(&mut self, token_sha256: &str) -> Result<Option<UserId>> {
                Ok(sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL")
                    .bind(token_sha256)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn revoke_tokens_of(&mut self, user_id: UserId, at: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                    .bind(user_id)
                    .bind(at)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_household_code(&mut self, community_id: CommunityId, household_id: HouseholdId, hash: &str, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO household_codes (community_id, household_id, code_hash, issued_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (community_id, household_id) DO UPDATE SET code_hash = excluded.code_hash, issued_at = excluded.issued_at",
                )
                .bind(community_id)
                .bind(household_id)
                .bind(hash)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn household_code(&mut self, community_id: CommunityId, household_id: HouseholdId) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT code_hash FROM household_codes WHERE community_id = $1 AND household_id = $2")
                    .bind(community_id)
                    .bind(household_id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn set_street(&mut self, community_id: CommunityId, street: &str) -> Result<()> {
                sqlx::query("UPDATE communities SET street = $2 WHERE id = $1").bind(community_id).bind(street).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn street_of(&mut self, community_id: CommunityId) -> Result<String> {
                Ok(sqlx::query_scalar("SELECT street FROM communities WHERE id = $1")
                    .bind(community_id)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .unwrap_or_default())
            }

            async fn community_streets(&mut self) -> Result<Vec<(CommunityId, String, String)>> {
                Ok(sqlx::query_as("SELECT id, name, street FROM communities ORDER BY id").fetch_all(&mut *self.tx).await?)
            }

            async fn insert_audit(&mut self, entries: &[AuditEntry<'_>], at: DateTime<Utc>) -> Result<()> {
                // What both engines keep of the time, so the hash is of what is stored.
                let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
                // Each chain's entries (a community's, or those of none: chain 0), the chains in
                // the order of their ids.
                let mut chains: std::collections::BTreeMap<i64, Vec<&AuditEntry<'_>>> = Default::default();
                for e in entries {
                    chains.entry(e.community_id.map_or(0, |c| c.0)).or_default().push(e);
                }
                if chains.is_empty() {
                    return Ok(());
                }
                // Taking a chain's head row (made at its first entry) orders the writers of one
                // chain; one statement takes every chain's, in the order of their ids, as every
                // writer of several chains does.
                let pairs: Vec<String> = (0..chains.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
                let sql = format!(
                    "INSERT INTO audit_heads (chain_id, seq) VALUES {}
                     ON CONFLICT (chain_id) DO UPDATE SET seq = audit_heads.seq + excluded.seq RETURNING chain_id, seq, head",
                    pairs.join(", ")
                );
                let mut take = sqlx::query_as::<_, (i64, i64, String)>(&sql);
                for (chain_id, group) in &chains {
                    take = take.bind(*chain_id).bind(group.len() as i64);
                }
                let heads: std::collections::HashMap<i64, (i64, String)> =
                    take.fetch_all(&mut *self.tx).await?.into_iter().map(|(chain_id, last, head)| (chain_id, (last, head))).collect();
                // The entries linked in order, each chain from its head.
                let mut rows = Vec::with_capacity(entries.len());
                let mut new_heads = Vec::with_capacity(chains.len());
                for (chain_id, group) in &chains {
                    // RETURNING gives a row for each row inserted or updated: one per chain.
                    let Some((last, head)) = heads.get(chain_id) else { return Err(sqlx::Error::RowNotFound.into()) };
                    let (n, mut head) = (group.len() as i64, head.clone());
                    for (i, e) in group.iter().enumerate() {
                        let seq = last - n + 1 + i as i64;
                        let (username, action, target) = (clip(e.username, 50), clip(e.action, 50), clip(e.target, 200));
                        let (address, request_id) = (clip(e.address, 100), clip(e.request_id, 100));
                        head = link(&head, seq, at, e.user_id, &username, e.community_id, [&action, &target, &address, &request_id]);
                        rows.push((*e, seq, head.clone(), [username, action, target, address, request_id]));
                    }
                    new_heads.push((*chain_id, head));
                }
                // Ten parameters a row: a few hundred rows a statement stay far below either
                // engine's limit.
                for chunk in rows.chunks(500) {
                    let values: Vec<String> = (0..chunk.len())
                        .map(|r| format!("({})", (1..=10).map(|c| format!("${}", r * 10 + c)).collect::<Vec<_>>().join(", ")))
                        .collect();
                    let sql = format!(
                        "INSERT INTO audit_log (at, user_id, username, community_id, action, target, address, request_id, seq, hash) VALUES {}",
                        values.join(", ")
                    );
                    let mut insert = sqlx::query(&sql);
                    for (e, seq, hash, [username, action, target, address, request_id]) in chunk {
                        insert = insert
                            .bind(at)
                            .bind(e.user_id)
                            .bind(username)
                            .bind(e.community_id)
                            .bind(action)
                            .bind(target)
                            .bind(address)
                            .bind(request_id)
                            .bind(*seq)
                            .bind(hash);
                    }
                    insert.execute(&mut *self.tx).await?;
                }
                // Every chain's new head by one statement.
                let cases: Vec<String> = (0..new_heads.len()).map(|i| format!("WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2)).collect();
                let ids: Vec<String> = (0..new_heads.len()).map(|i| format!("${}", 2 * i + 1)).collect();
                let sql = format!("UPDATE audit_heads SET head = CASE chain_id {} END WHERE chain_id IN ({})", cases.join(" "), ids.join(", "));
                let mut update = sqlx::query(&sql);
                for (chain_id, head) in &new_heads {
                    update = update.bind(*chain_id).bind(head);
                }
                update.execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn audit_chain(&mut self, community_id: Option<CommunityId>) -> Result<Vec<ChainedRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, at, user_id, username, community_id, action, target, address, request_id, seq, hash FROM audit_log
                     WHERE (community_id = $1 OR ($1 IS NULL AND community_id IS NULL)) ORDER BY id",
                )
                .bind(community_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn audit_head(&mut self, community_id: Option<CommunityId>) -> Result<(i64, String)> {
                Ok(sqlx::query_as("SELECT seq, head FROM audit_heads WHERE chain_id = $1")
                    .bind(community_id.map_or(0, |c| c.0))
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .unwrap_or((0, String::new())))
            }

            async fn audit_rows(&mut self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, at, username, community_id, action, target, address, request_id FROM audit_log
                     WHERE (CAST($1 AS BIGINT) IS NULL OR community_id = $1)
                       AND (CAST($2 AS TEXT) IS NULL OR username = $2)
                       AND (CAST($3 AS TEXT) IS NULL OR action = $3)
                     ORDER BY id DESC LIMIT $4",
                )
                .bind(f.community_id)
                .bind(f.username.as_deref().filter(|s| !s.is_empty()))
                .bind(f.action.as_deref().filter(|s| !s.is_empty()))
                .bind(f.limit())
                .fetch_all(&mut *self.tx)
                .await?)
            }
        }
    };
}

/// A text cut to the column's CHECK, so an over-long name or address never loses the entry.
fn clip(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

impl_access_tx!(SqliteTx);
impl_access_tx!(PgTx);

/// A store whose transactions have the access wing's statements.
pub trait AccessStore: Store<Tx: AccessTx> {}

impl<S> AccessStore for S
where
    S: Store,
    S::Tx: AccessTx,
{
}
