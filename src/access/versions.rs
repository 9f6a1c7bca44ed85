//! Users as master data with versions: every change the program makes to a user's roles,
//! communities, street or standing appends the user's new content to one hash chain for the
//! server (`user_versions`, its head in `audit_heads` under chain -1). `verify` recomputes the
//! chain and compares every user with their last version; the server checks a user against it
//! before acting for them, so a role granted in the table behind the program's back opens nothing.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::store::AccessTx;
use super::User;
use crate::domain::ids::UserId;
use crate::error::{Error, Result};

/// The chain id of the users' versions in `audit_heads`.
pub const CHAIN: i64 = -1;

/// What a version records of a user (pure): everything that grants access, in one order.
pub fn content(u: &User) -> String {
    let mut roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
    roles.sort_unstable();
    let mut communities: Vec<i64> = u.communities.iter().map(|c| c.0).collect();
    communities.sort_unstable();
    serde_json::json!([u.username, u.display_name, u.street, roles, communities, u.disabled]).to_string()
}

/// The hash of a version after `prev` (pure).
pub fn link(prev: &str, seq: i64, user_id: UserId, content: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("{prev}\n{seq}\n{user_id}\n").as_bytes());
    h.update(content.as_bytes());
    hex::encode(h.finalize())
}

/// Every user with what a version of them records now.
async fn current<T: AccessTx>(tx: &mut T) -> Result<Vec<(User, String)>> {
    let mut out = Vec::new();
    for row in tx.users().await? {
        let user = super::load_user(tx, row).await?;
        let now = content(&user);
        out.push((user, now));
    }
    Ok(out)
}

/// Appends a version of every user whose content differs from their last one (all of them, the
/// first time), in the caller's transaction.
pub async fn record<T: AccessTx>(tx: &mut T, at: DateTime<Utc>) -> Result<()> {
    let latest: std::collections::HashMap<UserId, String> = tx.latest_user_versions().await?.into_iter().collect();
    let mut changed = Vec::new();
    for (user, now) in current(tx).await? {
        if latest.get(&user.id) != Some(&now) {
            changed.push((user.id, now));
        }
    }
    if !changed.is_empty() {
        tx.append_user_versions(&changed, at).await?;
    }
    Ok(())
}

/// Whether the program may act for `user`: their access is their last recorded version (not
/// changed behind the program's back), or no user has a version yet (books made before).
pub async fn stands<T: AccessTx>(tx: &mut T, user: &User) -> Result<bool> {
    Ok(match tx.latest_user_version(user.id).await? {
        Some(recorded) => recorded == content(user),
        None => !tx.any_user_version().await?,
    })
}

/// The refusal for a user who does not stand, naming them.
pub fn refusal(field: &str, user: &User) -> Error {
    Error::invalid(
        field,
        format!("用户 {} 的角色、社区或街道与最后记录的版本不符（在程序之外被改动）：已拒绝，请管理员运行 verify 核查", user.username),
    )
}

/// `verify`'s check of the users' chain: its links and head, and every user against their last
/// version.
pub async fn verify<T: AccessTx>(tx: &mut T) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let versions = tx.user_versions().await?;
    let mut prev = String::new();
    for (i, (seq, user_id, content, hash)) in versions.iter().enumerate() {
        if *seq != i as i64 + 1 {
            out.push(format!("用户版本记录在第 {} 条处断开：记录被删除", i + 1));
            break;
        }
        if link(&prev, *seq, *user_id, content) != *hash {
            out.push(format!("用户版本第 {seq} 条（用户 #{user_id}）与其哈希不符：记录被改写"));
        }
        prev = hash.clone();
    }
    let (seq, head) = tx.audit_head_of(CHAIN).await?;
    if seq != versions.len() as i64 || head != prev {
        out.push(format!("用户版本链头记录为第 {seq} 条，实有 {} 条且链头不符：链尾被删除或改写", versions.len()));
    }
    if versions.is_empty() {
        return Ok(out);
    }
    let latest: std::collections::HashMap<UserId, String> = tx.latest_user_versions().await?.into_iter().collect();
    for (user, now) in current(tx).await? {
        match latest.get(&user.id) {
            Some(recorded) if *recorded == now => {}
            Some(recorded) => out.push(format!("用户 {} 现为 {now}，最后记录的版本为 {recorded}：被绕过程序改动", user.username)),
            None => out.push(format!("用户 {}（{now}）没有记录的版本：被绕过程序写入", user.username)),
        }
    }
    Ok(out)
}

crate::wing_tx! {
    /// The statements of the users' chain, for both engines by `impl_versions_tx!`.
    pub trait VersionsTx: Send {
        /// Every user's last version: (user, content).
        fn latest_user_versions(&mut self) -> impl Future<Output = Result<Vec<(UserId, String)>>> + Send;
        fn latest_user_version(&mut self, user_id: UserId) -> impl Future<Output = Result<Option<String>>> + Send;
        fn any_user_version(&mut self) -> impl Future<Output = Result<bool>> + Send;
        /// The whole chain in order: (seq, user, content, hash).
        fn user_versions(&mut self) -> impl Future<Output = Result<Vec<(i64, UserId, String, String)>>> + Send;
        /// Appends versions, linking each to the chain's head, and moves the head.
        fn append_user_versions(
            &mut self,
            versions: &[(UserId, String)],
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// A chain's head in `audit_heads` (0 and "" if it has none).
        fn audit_head_of(&mut self, chain_id: i64) -> impl Future<Output = Result<(i64, String)>> + Send;
    }
}

macro_rules! impl_versions_tx {
    ($tx_type:ty) => {
        impl VersionsTx for $tx_type {
            async fn latest_user_versions(&mut self) -> Result<Vec<(UserId, String)>> {
                Ok(sqlx::query_as(
                    "SELECT v.user_id, v.content FROM user_versions v
                     WHERE v.seq = (SELECT MAX(w.seq) FROM user_versions w WHERE w.user_id = v.user_id)",
                )
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn latest_user_version(&mut self, user_id: UserId) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT content FROM user_versions WHERE user_id = $1 ORDER BY seq DESC LIMIT 1")
                    .bind(user_id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn any_user_version(&mut self) -> Result<bool> {
                let any: Option<i64> = sqlx::query_scalar("SELECT seq FROM user_versions LIMIT 1").fetch_optional(&mut *self.tx).await?;
                Ok(any.is_some())
            }

            async fn user_versions(&mut self) -> Result<Vec<(i64, UserId, String, String)>> {
                Ok(sqlx::query_as("SELECT seq, user_id, content, hash FROM user_versions ORDER BY seq").fetch_all(&mut *self.tx).await?)
            }

            async fn append_user_versions(&mut self, versions: &[(UserId, String)], at: DateTime<Utc>) -> Result<()> {
                sqlx::query("INSERT INTO audit_heads (chain_id) VALUES ($1) ON CONFLICT (chain_id) DO NOTHING")
                    .bind(CHAIN)
                    .execute(&mut *self.tx)
                    .await?;
                let (last, mut head): (i64, String) =
                    sqlx::query_as("UPDATE audit_heads SET seq = seq + $2 WHERE chain_id = $1 RETURNING seq, head")
                        .bind(CHAIN)
                        .bind(versions.len() as i64)
                        .fetch_one(&mut *self.tx)
                        .await?;
                for (i, (user_id, content)) in versions.iter().enumerate() {
                    let seq = last - versions.len() as i64 + 1 + i as i64;
                    head = link(&head, seq, *user_id, content);
                    sqlx::query("INSERT INTO user_versions (seq, user_id, content, hash, recorded_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(seq)
                        .bind(user_id)
                        .bind(content)
                        .bind(&head)
                        .bind(at)
                        .execute(&mut *self.tx)
                        .await?;
                }
                sqlx::query("UPDATE audit_heads SET head = $2 WHERE chain_id = $1").bind(CHAIN).bind(&head).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn audit_head_of(&mut self, chain_id: i64) -> Result<(i64, String)> {
                Ok(sqlx::query_as("SELECT seq, head FROM audit_heads WHERE chain_id = $1")
                    .bind(chain_id)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .unwrap_or((0, String::new())))
            }
        }
    };
}

impl_versions_tx!(crate::store::SqliteTx);
impl_versions_tx!(crate::store::PgTx);
