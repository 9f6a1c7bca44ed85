//! The ledger's rows and their SQL: communities, books, accounts, periods, vouchers and their
//! lines, maintained balances and opening balances. `LedgerTx` is written once and expanded
//! for both engines by `impl_ledger_tx!`; placeholders are `$n`, which both accept, and sums
//! are cast back to BIGINT because PostgreSQL widens SUM(bigint) to numeric.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::journal::{pg_journal_page, sqlite_journal_page};
use crate::domain::ids::{AccountId, BookId, BookKey, CommunityId, VoucherId};
use crate::domain::period::Period;
use crate::error::Result;
use crate::ledger::account::{Account, AccountClass, Side};
use crate::ledger::anchor::AnchorTx;
use crate::ledger::cash_flow::store::CashFlowTx;
use crate::ledger::drafts::DraftTx;
use crate::ledger::rows::{
    AccountLineRow, AccountRow, BalanceRow, BookRow, ChainClaim, CommunityRow, JournalVoucher, LineRow, NewBook, NewVoucher, OpeningRow,
    PeriodRow, Posting, VoucherRow,
};
use crate::ledger::settings::{CashFlowItems, PaymentVouchers, VatScheme};
use crate::ledger::voucher::{PeriodStatus, VoucherKind, VoucherStatus};
use crate::store::{text_enum, PgTx, SqliteTx, Store, ROWS_PER_INSERT};

/// Vouchers per multi-row INSERT: 18 bound values each, under SQLite's 32,766.
const VOUCHERS_PER_INSERT: usize = 1_500;

const VOUCHER_COLUMNS: &str = "id, book_id, period, voucher_date, kind, status, number, attachments, maker, reviewer, poster, reverses_id, created_at, reviewed_at, posted_at, chain_seq, prev_hash, hash, subledger_digest";
/// The head of both voucher INSERTs, single and multi-row; `push_voucher` binds in this order.
const INSERT_VOUCHER: &str = "INSERT INTO vouchers (community_id, book_id, period, voucher_date, kind, status, number, attachments, maker, reviewer, poster, reverses_id, created_at, reviewed_at, posted_at, chain_seq, prev_hash, hash, subledger_digest) ";
const LINE_COLUMNS: &str = "voucher_id, line_no, summary, account_id, debit_fen, credit_fen, household_id, fee_item_id, subsidy_program_id, service_category, supplier_id, cash_flow_item";

crate::wing_tx! {
    /// The ledger's statements, one method each; the ledger composes them inside one transaction.
    /// Every statement of a book's rows names its community as well as its book.
    pub trait LedgerTx: AnchorTx + CashFlowTx + DraftTx + Send {
        fn insert_community(&mut self, name: &str, at: DateTime<Utc>) -> impl Future<Output = Result<CommunityId>> + Send;
        /// Communities are the one table not of a community: on a distributed deployment it is
        /// the reference table every node holds.
        fn communities(&mut self) -> impl Future<Output = Result<Vec<CommunityRow>>> + Send;

        fn insert_book(&mut self, book: &NewBook<'_>, chain_head: &str) -> impl Future<Output = Result<BookId>> + Send;
        fn insert_accounts(&mut self, book: BookKey, accounts: &[Account]) -> impl Future<Output = Result<()>> + Send;
        fn insert_periods(&mut self, book: BookKey, periods: &[Period]) -> impl Future<Output = Result<()>> + Send;
        fn books(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<BookRow>>> + Send;
        fn accounts(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<AccountRow>>> + Send;
        /// Whether any voucher line (draft or posted) or opening balance names the account.
        fn account_in_use(&mut self, book: BookKey, account_id: AccountId) -> impl Future<Output = Result<bool>> + Send;
        /// Marks an account as having sub-accounts; 0 if it had them already.
        fn set_account_parent(&mut self, book: BookKey, account_id: AccountId) -> impl Future<Output = Result<u64>> + Send;
        fn periods(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<PeriodRow>>> + Send;

        fn insert_voucher(&mut self, voucher: &NewVoucher) -> impl Future<Output = Result<VoucherId>> + Send;
        /// Inserts vouchers (all posted, in chain order, or all drafts) by multi-row statements;
        /// returns their ids in the order given.
        fn insert_vouchers(&mut self, vouchers: &[NewVoucher]) -> impl Future<Output = Result<Vec<VoucherId>>> + Send;
        fn insert_lines(&mut self, book: BookKey, lines: &[LineRow]) -> impl Future<Output = Result<()>> + Send;
        /// `insert_lines` for the lines of several books (their vouchers' lines), by one
        /// statement: a transaction of several communities' payments writes them together.
        fn insert_lines_of(&mut self, lines: &[(BookKey, &[LineRow])]) -> impl Future<Output = Result<()>> + Send;
        fn voucher(&mut self, book: BookKey, id: VoucherId) -> impl Future<Output = Result<Option<VoucherRow>>> + Send;
        fn voucher_by_number(&mut self, book: BookKey, period: Period, number: i64) -> impl Future<Output = Result<Option<VoucherRow>>> + Send;
        fn reversal_of(&mut self, book: BookKey, voucher_id: VoucherId) -> impl Future<Output = Result<Option<VoucherRow>>> + Send;
        fn vouchers(&mut self, book: BookKey, from: Period, to: Period, limit: i64) -> impl Future<Output = Result<Vec<VoucherRow>>> + Send;
        fn lines(&mut self, book: BookKey, voucher_id: VoucherId) -> impl Future<Output = Result<Vec<LineRow>>> + Send;
        fn set_reviewed(
            &mut self,
            book: BookKey,
            voucher_id: VoucherId,
            reviewer: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<u64>> + Send;
        fn set_posted(&mut self, book: BookKey, voucher_id: VoucherId, posting: &Posting<'_>) -> impl Future<Output = Result<u64>> + Send;
        fn set_payment_vouchers(&mut self, book: BookKey, mode: PaymentVouchers) -> impl Future<Output = Result<()>> + Send;
        fn set_vat(&mut self, book: BookKey, scheme: VatScheme, rate: &str) -> impl Future<Output = Result<()>> + Send;
        /// Sets the account of one payment method: `column` is one of the books' *_account columns.
        fn set_method_account(&mut self, book: BookKey, column: &'static str, code: &str) -> impl Future<Output = Result<()>> + Send;

        /// Takes `count` numbers from the period's own counter; None if the period is closed or
        /// does not exist. Returns the last number taken.
        fn claim_numbers(&mut self, book: BookKey, period: Period, count: i64) -> impl Future<Output = Result<Option<i64>>> + Send;
        /// Extends the book's chain by `vouchers` links and takes `receipts` receipt numbers, in one
        /// UPDATE of the book's row, which is also the lock that orders postings to a book.
        fn claim_chain(&mut self, book: BookKey, vouchers: i64, receipts: i64) -> impl Future<Output = Result<ChainClaim>> + Send;
        fn set_chain_head(&mut self, book: BookKey, head: &str) -> impl Future<Output = Result<()>> + Send;
        fn add_balances(&mut self, book: BookKey, deltas: &[BalanceRow]) -> impl Future<Output = Result<()>> + Send;
        fn balances(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<BalanceRow>>> + Send;
        fn set_cash_flow_items(&mut self, book: BookKey, mode: CashFlowItems) -> impl Future<Output = Result<()>> + Send;
        fn set_confirm_above(&mut self, book: BookKey, fen: Option<i64>) -> impl Future<Output = Result<()>> + Send;
        /// The movements of the posted carry-forward vouchers (and of their reversals), by account
        /// and period: what the 利润表's net movement (SY) leaves out.
        fn carry_forward_balances(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<BalanceRow>>> + Send;

        fn count_unposted(&mut self, book: BookKey, period: Period) -> impl Future<Output = Result<i64>> + Send;
        fn close_period(&mut self, book: BookKey, period: Period, close: &PeriodClose<'_>) -> impl Future<Output = Result<u64>> + Send;

        fn opening_balances(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<OpeningRow>>> + Send;
        fn replace_opening_balances(&mut self, book: BookKey, rows: &[OpeningRow]) -> impl Future<Output = Result<()>> + Send;

        /// Lines of the accounts whose code starts with `code_prefix`, posted in the range, in
        /// date and number order.
        fn account_lines(
            &mut self,
            book: BookKey,
            code_prefix: &str,
            from: Period,
            to: Period,
        ) -> impl Future<Output = Result<Vec<AccountLineRow>>> + Send;
        /// The highest chain position of a posted voucher of the book (0 for none).
        fn max_chain_seq(&mut self, book: BookKey) -> impl Future<Output = Result<i64>> + Send;
        /// The posted vouchers with `after_seq < chain_seq <= until_seq`, in chain order, with lines.
        fn journal_page(&mut self, book: BookKey, after_seq: i64, until_seq: i64) -> impl Future<Output = Result<Vec<JournalVoucher>>> + Send;
    }
}

/// A store whose transactions have the ledger's statements: both engines' stores.
pub trait LedgerStore: Store<Tx: LedgerTx> {}

impl<S> LedgerStore for S
where
    S: Store,
    S::Tx: LedgerTx,
{
}

text_enum!(AccountClass, Side, VoucherKind, VoucherStatus, PeriodStatus, PaymentVouchers, VatScheme, CashFlowItems);

/// What closing a period records: who, when, and the chain's length and head at that moment.
pub struct PeriodClose<'a> {
    pub user: &'a str,
    pub at: DateTime<Utc>,
    pub chain_len: i64,
    pub chain_head: &'a str,
}

macro_rules! impl_ledger_tx {
    ($tx_type:ty, $db:ty, $journal_page:ident) => {
        impl LedgerTx for $tx_type {
            async fn insert_community(&mut self, name: &str, at: DateTime<Utc>) -> Result<CommunityId> {
                let id = sqlx::query_scalar("INSERT INTO communities (name, created_at) VALUES ($1, $2) RETURNING id")
                    .bind(name)
                    .bind(at)
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(id)
            }

            async fn communities(&mut self) -> Result<Vec<CommunityRow>> {
                Ok(sqlx::query_as("SELECT id, name FROM communities ORDER BY id").fetch_all(&mut *self.tx).await?)
            }

            async fn insert_book(&mut self, b: &NewBook<'_>, chain_head: &str) -> Result<BookId> {
                let id = sqlx::query_scalar(
                    "INSERT INTO books (community_id, code, name, chart, standard, edition, profit_account, retained_account, start_period, chain_head, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(b.community_id)
                .bind(b.code)
                .bind(b.name)
                .bind(b.chart)
                .bind(b.standard)
                .bind(b.edition)
                .bind(b.profit_account)
                .bind(b.retained_account)
                .bind(b.start_period)
                .bind(chain_head)
                .bind(b.created_at)
                .fetch_one(&mut *self.tx)
                .await?;
                Ok(id)
            }

            async fn insert_accounts(&mut self, book: BookKey, accounts: &[Account]) -> Result<()> {
                for chunk in accounts.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO accounts (community_id, book_id, code, name, class, normal_side, parent_code, level, is_leaf) ",
                    );
                    q.push_values(chunk, |mut row, a| {
                        row.push_bind(book.community_id)
                            .push_bind(book.book_id)
                            .push_bind(a.code.as_str().to_string())
                            .push_bind(a.name.clone())
                            .push_bind(a.class)
                            .push_bind(a.normal_side)
                            .push_bind(a.parent.as_ref().map(|p| p.as_str().to_string()))
                            .push_bind(i64::from(a.level))
                            .push_bind(a.is_leaf);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn insert_periods(&mut self, book: BookKey, periods: &[Period]) -> Result<()> {
                let mut q = QueryBuilder::<$db>::new("INSERT INTO periods (community_id, book_id, period) ");
                q.push_values(periods, |mut row, p| {
                    row.push_bind(book.community_id).push_bind(book.book_id).push_bind(*p);
                });
                q.push(" ON CONFLICT (community_id, book_id, period) DO NOTHING");
                q.build().execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn books(&mut self, community_id: CommunityId) -> Result<Vec<BookRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, community_id, code, name, chart, standard, edition, profit_account, retained_account, start_period, chain_len, chain_head,
                            payment_vouchers, vat_scheme, vat_rate, cash_account, bank_account, wechat_account, alipay_account, cash_flow_items,
                            confirm_above_fen, receipts_issued
                     FROM books WHERE community_id = $1 ORDER BY id",
                )
                .bind(community_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn accounts(&mut self, book: BookKey) -> Result<Vec<AccountRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, code, name, class, normal_side, parent_code, level, is_leaf FROM accounts
                     WHERE community_id = $1 AND book_id = $2 ORDER BY code",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn account_in_use(&mut self, book: BookKey, account_id: AccountId) -> Result<bool> {
                Ok(sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM voucher_lines WHERE community_id = $1 AND book_id = $2 AND account_id = $3)
                         OR EXISTS (SELECT 1 FROM opening_balances WHERE community_id = $1 AND book_id = $2 AND account_id = $3)",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(account_id)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn set_account_parent(&mut self, book: BookKey, account_id: AccountId) -> Result<u64> {
                let done = sqlx::query("UPDATE accounts SET is_leaf = $4 WHERE community_id = $1 AND book_id = $2 AND id = $3 AND is_leaf = $5")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(account_id)
                    .bind(false)
                    .bind(true)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn periods(&mut self, book: BookKey) -> Result<Vec<PeriodRow>> {
                Ok(sqlx::query_as(
                    "SELECT period, status, vouchers_posted, closed_at, closed_by, chain_len_at_close, chain_head_at_close
                     FROM periods WHERE community_id = $1 AND book_id = $2 ORDER BY period",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_voucher(&mut self, v: &NewVoucher) -> Result<VoucherId> {
                let mut q = QueryBuilder::<$db>::new(INSERT_VOUCHER);
                q.push_values(std::slice::from_ref(v), push_voucher);
                q.push(" RETURNING id");
                Ok(q.build_query_scalar().fetch_one(&mut *self.tx).await?)
            }

            async fn insert_vouchers(&mut self, vouchers: &[NewVoucher]) -> Result<Vec<VoucherId>> {
                let mut ids = Vec::with_capacity(vouchers.len());
                for chunk in vouchers.chunks(VOUCHERS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(INSERT_VOUCHER);
                    q.push_values(chunk, push_voucher);
                    q.push(" RETURNING id, chain_seq");
                    // RETURNING order is not promised by either engine. A posted voucher's
                    // chain_seq pairs its id with it; drafts have none, and are paired by id:
                    // one statement's rows take their ids (identity, rowid) in VALUES order.
                    let mut rows: Vec<(VoucherId, Option<i64>)> = q.build_query_as().fetch_all(&mut *self.tx).await?;
                    rows.sort_by_key(|(id, seq)| (*seq, *id));
                    ids.extend(rows.into_iter().map(|(id, _)| id));
                }
                Ok(ids)
            }

            async fn insert_lines(&mut self, book: BookKey, lines: &[LineRow]) -> Result<()> {
                self.insert_lines_of(&[(book, lines)]).await
            }

            async fn insert_lines_of(&mut self, lines: &[(BookKey, &[LineRow])]) -> Result<()> {
                let lines: Vec<(BookKey, &LineRow)> = lines.iter().flat_map(|(book, lines)| lines.iter().map(|l| (*book, l))).collect();
                for chunk in lines.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO voucher_lines (community_id, book_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen, household_id, fee_item_id, subsidy_program_id, service_category, supplier_id, cash_flow_item) ",
                    );
                    q.push_values(chunk, |mut row, (book, l)| {
                        row.push_bind(book.community_id)
                            .push_bind(book.book_id)
                            .push_bind(l.voucher_id)
                            .push_bind(l.line_no)
                            .push_bind(l.summary.clone())
                            .push_bind(l.account_id)
                            .push_bind(l.debit_fen)
                            .push_bind(l.credit_fen)
                            .push_bind(l.household_id)
                            .push_bind(l.fee_item_id)
                            .push_bind(l.subsidy_program_id)
                            .push_bind(l.service_category.clone())
                            .push_bind(l.supplier_id)
                            .push_bind(l.cash_flow_item);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn voucher(&mut self, book: BookKey, id: VoucherId) -> Result<Option<VoucherRow>> {
                Ok(sqlx::query_as(&format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE community_id = $1 AND book_id = $2 AND id = $3"))
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn voucher_by_number(&mut self, book: BookKey, period: Period, number: i64) -> Result<Option<VoucherRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE community_id = $1 AND book_id = $2 AND period = $3 AND number = $4"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .bind(number)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn reversal_of(&mut self, book: BookKey, voucher_id: VoucherId) -> Result<Option<VoucherRow>> {
                Ok(sqlx::query_as(&format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE community_id = $1 AND book_id = $2 AND reverses_id = $3"))
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(voucher_id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn vouchers(&mut self, book: BookKey, from: Period, to: Period, limit: i64) -> Result<Vec<VoucherRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE community_id = $1 AND book_id = $2 AND period BETWEEN $3 AND $4
                     ORDER BY period, number IS NULL, number, id LIMIT $5"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(from)
                .bind(to)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn lines(&mut self, book: BookKey, voucher_id: VoucherId) -> Result<Vec<LineRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {LINE_COLUMNS} FROM voucher_lines WHERE community_id = $1 AND book_id = $2 AND voucher_id = $3 ORDER BY line_no"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn set_reviewed(&mut self, book: BookKey, voucher_id: VoucherId, reviewer: &str, at: DateTime<Utc>) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE vouchers SET status = 'reviewed', reviewer = $4, reviewed_at = $5
                     WHERE community_id = $1 AND book_id = $2 AND id = $3 AND status = 'draft'",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .bind(reviewer)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn set_payment_vouchers(&mut self, book: BookKey, mode: PaymentVouchers) -> Result<()> {
                sqlx::query("UPDATE books SET payment_vouchers = $3 WHERE community_id = $1 AND id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(mode)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_method_account(&mut self, book: BookKey, column: &'static str, code: &str) -> Result<()> {
                sqlx::query(&format!("UPDATE books SET {column} = $3 WHERE community_id = $1 AND id = $2"))
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(code)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_vat(&mut self, book: BookKey, scheme: VatScheme, rate: &str) -> Result<()> {
                sqlx::query("UPDATE books SET vat_scheme = $3, vat_rate = $4 WHERE community_id = $1 AND id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(scheme)
                    .bind(rate)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_posted(&mut self, book: BookKey, voucher_id: VoucherId, p: &Posting<'_>) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE vouchers SET status = 'posted', number = $4, chain_seq = $5, prev_hash = $6, hash = $7, poster = $8, posted_at = $9, subledger_digest = $10
                     WHERE community_id = $1 AND book_id = $2 AND id = $3 AND status = 'reviewed'",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(voucher_id)
                .bind(p.number)
                .bind(p.chain_seq)
                .bind(p.prev_hash)
                .bind(p.hash)
                .bind(p.poster)
                .bind(p.at)
                .bind(p.subledger)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn claim_numbers(&mut self, book: BookKey, period: Period, count: i64) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "UPDATE periods SET vouchers_posted = vouchers_posted + $4
                     WHERE community_id = $1 AND book_id = $2 AND period = $3 AND status = 'open' RETURNING vouchers_posted",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .bind(count)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn claim_chain(&mut self, book: BookKey, vouchers: i64, receipts: i64) -> Result<ChainClaim> {
                // The UPDATE takes the book's row lock first, so concurrent postings to one book
                // queue here and each sees the head its predecessor left.
                // RETURNING gives the row after the update; chain_head is not changed by it, so it
                // is the head before this claim.
                Ok(sqlx::query_as(
                    "UPDATE books SET chain_len = chain_len + $3, receipts_issued = receipts_issued + $4 WHERE community_id = $1 AND id = $2
                     RETURNING chain_len, chain_head, receipts_issued",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(vouchers)
                .bind(receipts)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn set_chain_head(&mut self, book: BookKey, head: &str) -> Result<()> {
                sqlx::query("UPDATE books SET chain_head = $3 WHERE community_id = $1 AND id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(head)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn add_balances(&mut self, book: BookKey, deltas: &[BalanceRow]) -> Result<()> {
                for chunk in deltas.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO account_balances (community_id, book_id, account_id, period, debit_fen, credit_fen) ",
                    );
                    q.push_values(chunk, |mut row, d| {
                        row.push_bind(book.community_id)
                            .push_bind(book.book_id)
                            .push_bind(d.account_id)
                            .push_bind(d.period)
                            .push_bind(d.debit_fen)
                            .push_bind(d.credit_fen);
                    });
                    q.push(
                        " ON CONFLICT (community_id, book_id, account_id, period) DO UPDATE SET
                          debit_fen = account_balances.debit_fen + excluded.debit_fen,
                          credit_fen = account_balances.credit_fen + excluded.credit_fen",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn set_cash_flow_items(&mut self, book: BookKey, mode: CashFlowItems) -> Result<()> {
                sqlx::query("UPDATE books SET cash_flow_items = $3 WHERE community_id = $1 AND id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(mode)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_confirm_above(&mut self, book: BookKey, fen: Option<i64>) -> Result<()> {
                sqlx::query("UPDATE books SET confirm_above_fen = $3 WHERE community_id = $1 AND id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(fen)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn balances(&mut self, book: BookKey) -> Result<Vec<BalanceRow>> {
                Ok(sqlx::query_as(
                    "SELECT account_id, period, debit_fen, credit_fen FROM account_balances
                     WHERE community_id = $1 AND book_id = $2 ORDER BY account_id, period",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn carry_forward_balances(&mut self, book: BookKey) -> Result<Vec<BalanceRow>> {
                // The carry-forward vouchers come from the partial index vouchers_carry_forward;
                // a reversal of one is found through its UNIQUE reverses_id. CROSS JOIN keeps
                // SQLite going from those few vouchers to their lines: for the GROUP BY it would
                // otherwise walk every line of the community in account order.
                Ok(sqlx::query_as(
                    "SELECT l.account_id, v.period, CAST(SUM(l.debit_fen) AS BIGINT) AS debit_fen, CAST(SUM(l.credit_fen) AS BIGINT) AS credit_fen
                     FROM vouchers v CROSS JOIN voucher_lines l
                     WHERE l.community_id = v.community_id AND l.voucher_id = v.id
                       AND v.community_id = $1 AND v.status = 'posted' AND v.id IN (
                         SELECT c.id FROM vouchers c WHERE c.community_id = $1 AND c.book_id = $2 AND c.kind = 'carry_forward'
                         UNION ALL
                         SELECT r.id FROM vouchers c JOIN vouchers r ON r.community_id = c.community_id AND r.reverses_id = c.id
                         WHERE c.community_id = $1 AND r.community_id = $1 AND c.book_id = $2 AND c.kind = 'carry_forward')
                     GROUP BY l.account_id, v.period ORDER BY l.account_id, v.period",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn count_unposted(&mut self, book: BookKey, period: Period) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM vouchers WHERE community_id = $1 AND book_id = $2 AND period = $3 AND status <> 'posted'")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(period)
                    .fetch_one(&mut *self.tx)
                    .await?)
            }

            async fn close_period(&mut self, book: BookKey, period: Period, c: &PeriodClose<'_>) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE periods SET status = 'closed', closed_by = $4, closed_at = $5, chain_len_at_close = $6, chain_head_at_close = $7
                     WHERE community_id = $1 AND book_id = $2 AND period = $3 AND status = 'open'",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .bind(c.user)
                .bind(c.at)
                .bind(c.chain_len)
                .bind(c.chain_head)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn opening_balances(&mut self, book: BookKey) -> Result<Vec<OpeningRow>> {
                Ok(sqlx::query_as("SELECT account_id, balance_fen, year_debit_fen, year_credit_fen FROM opening_balances WHERE community_id = $1 AND book_id = $2 ORDER BY account_id")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn replace_opening_balances(&mut self, book: BookKey, rows: &[OpeningRow]) -> Result<()> {
                sqlx::query("DELETE FROM opening_balances WHERE community_id = $1 AND book_id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .execute(&mut *self.tx)
                    .await?;
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO opening_balances (community_id, book_id, account_id, balance_fen, year_debit_fen, year_credit_fen) ",
                    );
                    q.push_values(chunk, |mut row, r| {
                        row.push_bind(book.community_id)
                            .push_bind(book.book_id)
                            .push_bind(r.account_id)
                            .push_bind(r.balance_fen)
                            .push_bind(r.year_debit_fen)
                            .push_bind(r.year_credit_fen);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn account_lines(&mut self, book: BookKey, code_prefix: &str, from: Period, to: Period) -> Result<Vec<AccountLineRow>> {
                Ok(sqlx::query_as(
                    "SELECT v.voucher_date, v.period, v.number, l.summary, a.code AS account_code, l.debit_fen, l.credit_fen
                     FROM accounts a
                     JOIN voucher_lines l ON l.community_id = a.community_id AND l.account_id = a.id
                     JOIN vouchers v ON v.community_id = l.community_id AND v.id = l.voucher_id
                     WHERE a.community_id = $1 AND a.book_id = $2 AND substr(a.code, 1, length($3)) = $3
                       AND v.status = 'posted' AND v.period BETWEEN $4 AND $5
                     ORDER BY v.period, v.voucher_date, v.number, l.line_no",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(code_prefix)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn max_chain_seq(&mut self, book: BookKey) -> Result<i64> {
                let max: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(chain_seq) FROM vouchers WHERE community_id = $1 AND book_id = $2 AND status = 'posted'")
                        .bind(book.community_id)
                        .bind(book.book_id)
                        .fetch_one(&mut *self.tx)
                        .await?;
                Ok(max.unwrap_or(0))
            }

            async fn journal_page(&mut self, book: BookKey, after_seq: i64, until_seq: i64) -> Result<Vec<JournalVoucher>> {
                $journal_page(&mut self.tx, book, after_seq, until_seq).await
            }
        }
    };
}

fn push_voucher<'q, DB: sqlx::Database>(mut row: sqlx::query_builder::Separated<'_, 'q, DB, &'static str>, v: &'q NewVoucher)
where
    CommunityId: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    BookId: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Period: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    VoucherKind: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    VoucherStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<VoucherId>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    chrono::NaiveDate: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    row.push_bind(v.community_id)
        .push_bind(v.book_id)
        .push_bind(v.period)
        .push_bind(v.voucher_date)
        .push_bind(v.kind)
        .push_bind(v.status)
        .push_bind(v.number)
        .push_bind(v.attachments)
        .push_bind(v.maker.as_str())
        .push_bind(v.reviewer.as_deref())
        .push_bind(v.poster.as_deref())
        .push_bind(v.reverses_id)
        .push_bind(v.created_at)
        .push_bind(v.reviewed_at)
        .push_bind(v.posted_at)
        .push_bind(v.chain_seq)
        .push_bind(v.prev_hash.as_deref())
        .push_bind(v.hash.as_deref())
        .push_bind(v.subledger_digest.as_deref());
}

impl_ledger_tx!(SqliteTx, Sqlite, sqlite_journal_page);
impl_ledger_tx!(PgTx, Postgres, pg_journal_page);
