//! The statements that change a voucher before it is posted: 取消审核 (back to draft), a
//! draft's new date, attachments and lines, and its deletion. Written once and expanded for
//! both engines by `impl_draft_tx!`, as `ledger::store`'s are. Each names the status it
//! expects (a draft; a reviewed voucher for 取消审核), so a voucher that moved on meanwhile
//! is left alone.

use chrono::NaiveDate;

use crate::domain::ids::{BookKey, VoucherId};
use crate::domain::period::Period;
use crate::error::Result;
use crate::store::{PgTx, SqliteTx};

crate::wing_tx! {
    pub trait DraftTx: Send {
        /// 取消审核: a reviewed voucher back to draft; 0 if it was not reviewed.
        fn set_unreviewed(&mut self, book: BookKey, voucher_id: VoucherId) -> impl Future<Output = Result<u64>> + Send;
        /// A draft's new date, period and attachments; 0 if it is no longer a draft.
        fn update_draft(
            &mut self,
            book: BookKey,
            voucher_id: VoucherId,
            date: NaiveDate,
            period: Period,
            attachments: i64,
        ) -> impl Future<Output = Result<u64>> + Send;
        /// Adds to a draft's attachments if it is still a draft by `maker`; 0 if not.
        fn add_draft_attachments(
            &mut self,
            book: BookKey,
            voucher_id: VoucherId,
            maker: &str,
            attachments: i64,
        ) -> impl Future<Output = Result<u64>> + Send;
        /// The number of a voucher's last line (0 for none).
        fn last_line_no(&mut self, book: BookKey, voucher_id: VoucherId) -> impl Future<Output = Result<i64>> + Send;
        /// Deletes a draft's lines (nothing if it is no longer a draft), to be written anew.
        fn delete_draft_lines(&mut self, book: BookKey, voucher_id: VoucherId) -> impl Future<Output = Result<()>> + Send;
        /// Deletes a draft and its lines; 0 if it is no longer a draft (the triggers refuse it for
        /// a posted one in any case).
        fn delete_draft(&mut self, book: BookKey, voucher_id: VoucherId) -> impl Future<Output = Result<u64>> + Send;
    }
}

macro_rules! impl_draft_tx {
    ($tx_type:ty) => {
        impl DraftTx for $tx_type {
            async fn set_unreviewed(&mut self, book: BookKey, voucher_id: VoucherId) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE vouchers SET status = 'draft', reviewer = NULL, reviewed_at = NULL
                     WHERE community_id = $1 AND book_id = $2 AND id = $3 AND status = 'reviewed'",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn update_draft(&mut self, book: BookKey, voucher_id: VoucherId, date: NaiveDate, period: Period, attachments: i64) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE vouchers SET voucher_date = $4, period = $5, attachments = $6
                     WHERE community_id = $1 AND book_id = $2 AND id = $3 AND status = 'draft'",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .bind(date)
                .bind(period)
                .bind(attachments)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn add_draft_attachments(&mut self, book: BookKey, voucher_id: VoucherId, maker: &str, attachments: i64) -> Result<u64> {
                Ok(sqlx::query(
                    "UPDATE vouchers SET attachments = attachments + $4
                     WHERE community_id = $1 AND book_id = $2 AND id = $3 AND status = 'draft' AND maker = $5",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .bind(attachments)
                .bind(maker)
                .execute(&mut *self.tx)
                .await?
                .rows_affected())
            }

            async fn last_line_no(&mut self, book: BookKey, voucher_id: VoucherId) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT CAST(COALESCE(MAX(line_no), 0) AS BIGINT) FROM voucher_lines WHERE community_id = $1 AND book_id = $2 AND voucher_id = $3",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn delete_draft_lines(&mut self, book: BookKey, voucher_id: VoucherId) -> Result<()> {
                sqlx::query(
                    "DELETE FROM voucher_lines WHERE community_id = $1 AND book_id = $2 AND voucher_id = $3
                       AND EXISTS (SELECT 1 FROM vouchers v WHERE v.community_id = $1 AND v.book_id = $2 AND v.id = $3 AND v.status = 'draft')",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn delete_draft(&mut self, book: BookKey, voucher_id: VoucherId) -> Result<u64> {
                self.delete_draft_lines(book, voucher_id).await?;
                let done = sqlx::query("DELETE FROM vouchers WHERE community_id = $1 AND book_id = $2 AND id = $3 AND status = 'draft'")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(voucher_id)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

impl_draft_tx!(SqliteTx);
impl_draft_tx!(PgTx);
