//! 恢复之后 (after a restore): every book records the restore in the community's master-data
//! chain (`restores`), with how far the backup's chain and receipts went and the receipt number
//! it continues after: the last paper receipt handed out since the backup (`--receipts-from`),
//! or the count an anchor file kept (`mingzhang anchor`) if that is higher. Receipts issued on
//! paper after the backup are never issued again under the same numbers; `verify` accepts the
//! one gap a restore records, and `verify --anchor` says how far the books went back.

use chrono::Utc;

use crate::domain::ids::{BookId, BookKey};
use crate::error::{Error, Result};
use crate::fees::receipt_label;
use crate::fees::seal::master::{self, MasterKind};
use crate::fees::store::FeesStore;
use crate::ledger::anchor::Anchor;
use crate::ledger::store::LedgerTx;
use crate::store::Tx;

/// A restore as one book records it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RestoreRow {
    pub book_id: BookId,
    pub backup_chain_len: i64,
    pub backup_receipts: i64,
    /// Receipts continue with the number after this one.
    pub receipts_after: i64,
    pub source: String,
}

/// The number a book's receipts continue after (pure): the backup's count, raised to the last
/// paper receipt given and to an anchor's count.
pub fn receipts_after(backup_receipts: i64, given: Option<i64>, anchored: Option<i64>) -> i64 {
    backup_receipts.max(given.unwrap_or(0)).max(anchored.unwrap_or(0))
}

/// Records the restore from `source` in every book of the restored store, in one transaction;
/// returns, per book, (community, book, what was recorded). A book that had issued receipts
/// needs `given` or an anchor of it, since nothing in the backup knows the paper handed out
/// after it.
pub async fn record<S: FeesStore>(
    store: &S,
    source: &str,
    given: Option<i64>,
    anchors: &[Anchor],
) -> Result<Vec<(String, String, RestoreRow)>> {
    if given.is_some_and(|n| n < 0) {
        return Err(Error::invalid("--receipts-from", "须为 0 或已开出的最后一张收据号"));
    }
    let mut tx = store.begin().await?;
    let mut out = Vec::new();
    for community in tx.communities().await? {
        for book in tx.books(community.id).await? {
            let key = BookKey { community_id: community.id, book_id: book.id };
            let issued = book.receipts_issued;
            let anchored = anchors.iter().find(|a| a.community == community.name && a.book == book.code).and_then(|a| a.receipts);
            if issued > 0 && given.is_none() && anchored.is_none() {
                return Err(Error::invalid(
                    "--receipts-from",
                    format!(
                        "备份中 {} 的账套 {} 已开出收据到 {}：请给出备份之后已开出的最后一张纸质收据号（没有则写 {}），以免收据重号",
                        community.name,
                        book.code,
                        receipt_label(issued),
                        issued
                    ),
                ));
            }
            // Only a book that issues receipts continues from a number given for all.
            let given_here = given.filter(|_| issued > 0 || anchored.is_some());
            let row = RestoreRow {
                book_id: book.id,
                backup_chain_len: book.chain_len,
                backup_receipts: issued,
                receipts_after: receipts_after(issued, given_here, anchored),
                source: source.to_string(),
            };
            tx.record_restore(key, &row, Utc::now()).await?;
            out.push((community.name.clone(), book.code.clone(), row));
        }
        master::record(&mut tx, community.id, &[MasterKind::Restore]).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Why a book's chain is behind an anchor, if a restore took it back: for `verify --anchor`.
pub fn explain(anchor: &Anchor, restores: &[(String, RestoreRow)]) -> Option<String> {
    restores.iter().rev().find(|(_, r)| r.backup_chain_len < anchor.seq).map(|(at, r)| {
        format!(
            "账套于 {at} 从备份 {} 恢复：备份止于第 {} 环，锚点记到第 {} 环，其间 {} 张凭证不在恢复后的账簿中，须据原始凭证补录；收据号自 {} 起续",
            r.source,
            r.backup_chain_len,
            anchor.seq,
            anchor.seq - r.backup_chain_len,
            receipt_label(r.receipts_after + 1)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::receipts_after;

    #[test]
    fn receipts_continue_after_the_highest_number_known() {
        assert_eq!(receipts_after(32_123, Some(32_130), None), 32_130);
        assert_eq!(receipts_after(32_123, Some(32_130), Some(32_140)), 32_140, "an anchor kept later wins");
        assert_eq!(receipts_after(32_123, Some(0), None), 32_123, "never below the backup's own");
    }
}

crate::wing_tx! {
    /// The statements of the restore records, for both engines by `impl_restore_tx!`.
    pub trait RestoreTx: Send {
        /// Records a restore of one book and moves its receipt count to where numbering continues.
        fn record_restore(
            &mut self,
            book: BookKey,
            row: &RestoreRow,
            at: chrono::DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// A book's restores, oldest first: (when, what).
        fn restores(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<(String, RestoreRow)>>> + Send;
    }
}

macro_rules! impl_restore_tx {
    ($tx_type:ty) => {
        impl RestoreTx for $tx_type {
            async fn record_restore(&mut self, book: BookKey, row: &RestoreRow, at: chrono::DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO restores (community_id, book_id, backup_chain_len, backup_receipts, receipts_after, source, restored_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(row.backup_chain_len)
                .bind(row.backup_receipts)
                .bind(row.receipts_after)
                .bind(&row.source)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                sqlx::query("UPDATE books SET receipts_issued = $3 WHERE community_id = $1 AND id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(row.receipts_after)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn restores(&mut self, book: BookKey) -> Result<Vec<(String, RestoreRow)>> {
                let rows: Vec<(chrono::DateTime<Utc>, BookId, i64, i64, i64, String)> = sqlx::query_as(
                    "SELECT restored_at, book_id, backup_chain_len, backup_receipts, receipts_after, source FROM restores
                     WHERE community_id = $1 AND book_id = $2 ORDER BY id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(at, book_id, backup_chain_len, backup_receipts, receipts_after, source)| {
                        (
                            crate::domain::time::beijing_minute(at),
                            RestoreRow { book_id, backup_chain_len, backup_receipts, receipts_after, source },
                        )
                    })
                    .collect())
            }
        }
    };
}

impl_restore_tx!(crate::store::SqliteTx);
impl_restore_tx!(crate::store::PgTx);
