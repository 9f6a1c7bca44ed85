//! The SQL of both engines, written once. `impl_store!` expands the same statements for SQLite
//! and PostgreSQL; placeholders are `$n`, which both accept. Sums are cast back to BIGINT
//! because PostgreSQL widens SUM(bigint) to numeric.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::*;

/// Rows per multi-row INSERT: keeps the bound parameters under SQLite's 32,766 and
/// PostgreSQL's 65,535.
const LINES_PER_INSERT: usize = 2_000;
const VOUCHERS_PER_INSERT: usize = 1_500;

const VOUCHER_COLUMNS: &str = "id, book_id, period, voucher_date, kind, status, number, attachments, maker, reviewer, poster, reverses_id, created_at, reviewed_at, posted_at, chain_seq, prev_hash, hash";
/// The head of both voucher INSERTs, single and multi-row; `push_voucher` binds in this order.
const INSERT_VOUCHER: &str = "INSERT INTO vouchers (community_id, book_id, period, voucher_date, kind, status, number, attachments, maker, reviewer, poster, reverses_id, created_at, reviewed_at, posted_at, chain_seq, prev_hash, hash) ";
/// A payment as `PaymentRow` reads it, with whether a void stands against it.
const PAYMENT_COLUMNS: &str = "id, household_id, idempotency_key, method, amount_fen, paid_on, receipt_number, voucher_id, cashier, \
     EXISTS (SELECT 1 FROM payment_voids v WHERE v.payment_id = payments.id) AS voided";
const LINE_COLUMNS: &str = "voucher_id, line_no, summary, account_id, debit_fen, credit_fen, household_id, fee_item_id, subsidy_program_id, service_category, supplier_id";

#[derive(Clone)]
pub struct SqliteStore {
    /// One connection for every write transaction. SQLite admits one writer at a time anyway,
    /// and a single writer keeps its page cache warm: each connection discards its cache when
    /// another connection has committed, so rotating writers re-read the indexes on every
    /// transaction (measured: a third of a payment's time).
    writer: sqlx::SqlitePool,
    /// Read transactions (reports, `verify`'s parallel segments) run beside the writer (WAL).
    readers: sqlx::SqlitePool,
}

pub struct SqliteTx {
    tx: sqlx::Transaction<'static, Sqlite>,
}

impl SqliteStore {
    /// Opens (creating if missing) an SQLite file in WAL mode and applies the migrations.
    pub async fn open(path: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with synchronous=NORMAL is durable across application crashes; a power cut can
            // lose the last commits but never corrupts the file (SQLite documentation).
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 16 MiB of page cache for the writer (the default is 2 MiB): the household and
            // bill indexes stay in memory for a community of 100,000 households.
            .pragma("cache_size", "-16000")
            // Checkpoint every 8,000 pages rather than 1,000: hot pages (the book's row, the
            // balances) are copied back once per checkpoint, so fewer checkpoints copy less.
            .pragma("wal_autocheckpoint", "8000");
        // The writer lives as long as the store, so its worker thread (named, see `affinity`) is
        // the one pinned.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone().thread_name(|id| format!("{}-{id}", super::affinity::WRITER_THREAD_PREFIX)))
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        // Readers keep SQLite's default 2 MiB cache: any commit by the writer empties it, and
        // `verify` streams the journal through it once.
        let readers =
            SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true).pragma("cache_size", "-2000")).await?;
        Ok(SqliteStore { writer, readers })
    }
}

impl Store for SqliteStore {
    type Tx = SqliteTx;
    fn engine(&self) -> &'static str {
        "sqlite"
    }
    async fn begin(&self) -> Result<SqliteTx> {
        Ok(SqliteTx { tx: self.writer.begin_with("BEGIN IMMEDIATE").await? })
    }
    async fn read(&self) -> Result<SqliteTx> {
        Ok(SqliteTx { tx: self.readers.begin().await? })
    }
    async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await
    }
}

#[derive(Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
}

pub struct PgTx {
    tx: sqlx::Transaction<'static, Postgres>,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}

impl Store for PgStore {
    type Tx = PgTx;
    fn engine(&self) -> &'static str {
        "postgres"
    }
    async fn begin(&self) -> Result<PgTx> {
        Ok(PgTx { tx: self.pool.begin().await? })
    }
    async fn read(&self) -> Result<PgTx> {
        let mut tx = self.pool.begin().await?;
        // Reads run several at once (verify's segments); PostgreSQL's own parallel workers on
        // top of them only fight for the same cores.
        sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0").execute(&mut *tx).await?;
        Ok(PgTx { tx })
    }
    async fn close(&self) {
        self.pool.close().await
    }
}

macro_rules! impl_tx {
    ($tx_type:ty, $db:ty, $journal_page:ident) => {
        impl Tx for $tx_type {
            async fn commit(self) -> Result<()> {
                Ok(self.tx.commit().await?)
            }

            async fn insert_community(&mut self, name: &str, at: DateTime<Utc>) -> Result<i64> {
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

            async fn insert_book(&mut self, b: &NewBook<'_>, chain_head: &str) -> Result<i64> {
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

            async fn insert_accounts(&mut self, community_id: i64, book_id: i64, accounts: &[Account]) -> Result<()> {
                for chunk in accounts.chunks(LINES_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO accounts (community_id, book_id, code, name, class, normal_side, parent_code, level, is_leaf) ",
                    );
                    q.push_values(chunk, |mut row, a| {
                        row.push_bind(community_id)
                            .push_bind(book_id)
                            .push_bind(a.code.as_str().to_string())
                            .push_bind(a.name.clone())
                            .push_bind(a.class.as_str())
                            .push_bind(a.normal_side.as_str())
                            .push_bind(a.parent.as_ref().map(|p| p.as_str().to_string()))
                            .push_bind(i64::from(a.level))
                            .push_bind(a.is_leaf);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn insert_periods(&mut self, community_id: i64, book_id: i64, periods: &[i64]) -> Result<()> {
                let mut q = QueryBuilder::<$db>::new("INSERT INTO periods (community_id, book_id, period) ");
                q.push_values(periods, |mut row, p| {
                    row.push_bind(community_id).push_bind(book_id).push_bind(*p);
                });
                q.push(" ON CONFLICT (book_id, period) DO NOTHING");
                q.build().execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn books(&mut self, community_id: i64) -> Result<Vec<BookRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, community_id, code, name, chart, standard, edition, profit_account, retained_account, start_period, chain_len, chain_head
                     FROM books WHERE community_id = $1 ORDER BY id",
                )
                .bind(community_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn accounts(&mut self, book_id: i64) -> Result<Vec<AccountRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, code, name, class, normal_side, parent_code, level, is_leaf FROM accounts WHERE book_id = $1 ORDER BY code",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn periods(&mut self, book_id: i64) -> Result<Vec<PeriodRow>> {
                Ok(sqlx::query_as(
                    "SELECT period, status, vouchers_posted, closed_at, closed_by, chain_len_at_close, chain_head_at_close
                     FROM periods WHERE book_id = $1 ORDER BY period",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_voucher(&mut self, v: &NewVoucher) -> Result<i64> {
                let mut q = QueryBuilder::<$db>::new(
                    INSERT_VOUCHER,
                );
                q.push_values(std::slice::from_ref(v), push_voucher);
                q.push(" RETURNING id");
                Ok(q.build_query_scalar().fetch_one(&mut *self.tx).await?)
            }

            async fn insert_posted_vouchers(&mut self, vouchers: &[NewVoucher]) -> Result<Vec<i64>> {
                let mut ids = Vec::with_capacity(vouchers.len());
                for chunk in vouchers.chunks(VOUCHERS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        INSERT_VOUCHER,
                    );
                    q.push_values(chunk, push_voucher);
                    q.push(" RETURNING id, chain_seq");
                    // RETURNING order is not promised by either engine; chain_seq pairs each id
                    // with its voucher.
                    let mut rows: Vec<(i64, Option<i64>)> = q.build_query_as().fetch_all(&mut *self.tx).await?;
                    rows.sort_by_key(|(_, seq)| *seq);
                    ids.extend(rows.into_iter().map(|(id, _)| id));
                }
                Ok(ids)
            }

            async fn insert_lines(&mut self, community_id: i64, book_id: i64, lines: &[LineRow]) -> Result<()> {
                for chunk in lines.chunks(LINES_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO voucher_lines (community_id, book_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen, household_id, fee_item_id, subsidy_program_id, service_category, supplier_id) ",
                    );
                    q.push_values(chunk, |mut row, l| {
                        row.push_bind(community_id)
                            .push_bind(book_id)
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
                            .push_bind(l.supplier_id);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn voucher(&mut self, book_id: i64, id: i64) -> Result<Option<VoucherRow>> {
                Ok(sqlx::query_as(&format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE book_id = $1 AND id = $2"))
                    .bind(book_id)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn voucher_by_number(&mut self, book_id: i64, period: i64, number: i64) -> Result<Option<VoucherRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE book_id = $1 AND period = $2 AND number = $3"
                ))
                .bind(book_id)
                .bind(period)
                .bind(number)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn reversal_of(&mut self, voucher_id: i64) -> Result<Option<VoucherRow>> {
                Ok(sqlx::query_as(&format!("SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE reverses_id = $1"))
                    .bind(voucher_id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn vouchers(&mut self, book_id: i64, from_period: i64, to_period: i64, limit: i64) -> Result<Vec<VoucherRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE book_id = $1 AND period BETWEEN $2 AND $3
                     ORDER BY period, number IS NULL, number, id LIMIT $4"
                ))
                .bind(book_id)
                .bind(from_period)
                .bind(to_period)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn lines(&mut self, voucher_id: i64) -> Result<Vec<LineRow>> {
                Ok(sqlx::query_as(&format!("SELECT {LINE_COLUMNS} FROM voucher_lines WHERE voucher_id = $1 ORDER BY line_no"))
                    .bind(voucher_id)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn set_reviewed(&mut self, voucher_id: i64, reviewer: &str, at: DateTime<Utc>) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE vouchers SET status = 'reviewed', reviewer = $2, reviewed_at = $3 WHERE id = $1 AND status = 'draft'",
                )
                .bind(voucher_id)
                .bind(reviewer)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn set_posted(&mut self, voucher_id: i64, p: &Posting<'_>) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE vouchers SET status = 'posted', number = $2, chain_seq = $3, prev_hash = $4, hash = $5, poster = $6, posted_at = $7
                     WHERE id = $1 AND status = 'reviewed'",
                )
                .bind(voucher_id)
                .bind(p.number)
                .bind(p.chain_seq)
                .bind(p.prev_hash)
                .bind(p.hash)
                .bind(p.poster)
                .bind(p.at)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn claim_numbers(&mut self, book_id: i64, period: i64, count: i64) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "UPDATE periods SET vouchers_posted = vouchers_posted + $3 WHERE book_id = $1 AND period = $2 AND status = 'open' RETURNING vouchers_posted",
                )
                .bind(book_id)
                .bind(period)
                .bind(count)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn claim_chain(&mut self, book_id: i64, vouchers: i64, receipts: i64) -> Result<ChainClaim> {
                // The UPDATE takes the book's row lock first, so concurrent postings to one book
                // queue here and each sees the head its predecessor left.
                // RETURNING gives the row after the update; chain_head is not changed by it, so it
                // is the head before this claim.
                Ok(sqlx::query_as(
                    "UPDATE books SET chain_len = chain_len + $2, receipts_issued = receipts_issued + $3 WHERE id = $1
                     RETURNING chain_len, chain_head, receipts_issued",
                )
                .bind(book_id)
                .bind(vouchers)
                .bind(receipts)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn set_chain_head(&mut self, book_id: i64, head: &str) -> Result<()> {
                sqlx::query("UPDATE books SET chain_head = $2 WHERE id = $1").bind(book_id).bind(head).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn add_balances(&mut self, community_id: i64, book_id: i64, deltas: &[BalanceRow]) -> Result<()> {
                for chunk in deltas.chunks(LINES_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO account_balances (community_id, book_id, account_id, period, debit_fen, credit_fen) ",
                    );
                    q.push_values(chunk, |mut row, d| {
                        row.push_bind(community_id)
                            .push_bind(book_id)
                            .push_bind(d.account_id)
                            .push_bind(d.period)
                            .push_bind(d.debit_fen)
                            .push_bind(d.credit_fen);
                    });
                    q.push(
                        " ON CONFLICT (book_id, account_id, period) DO UPDATE SET
                          debit_fen = account_balances.debit_fen + excluded.debit_fen,
                          credit_fen = account_balances.credit_fen + excluded.credit_fen",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn balances(&mut self, book_id: i64) -> Result<Vec<BalanceRow>> {
                Ok(sqlx::query_as(
                    "SELECT account_id, period, debit_fen, credit_fen FROM account_balances WHERE book_id = $1 ORDER BY account_id, period",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn carry_forward_balances(&mut self, book_id: i64) -> Result<Vec<BalanceRow>> {
                // The carry-forward vouchers come from the partial index vouchers_carry_forward;
                // a reversal of one is found through its UNIQUE reverses_id.
                Ok(sqlx::query_as(
                    "SELECT l.account_id, v.period, CAST(SUM(l.debit_fen) AS BIGINT) AS debit_fen, CAST(SUM(l.credit_fen) AS BIGINT) AS credit_fen
                     FROM voucher_lines l JOIN vouchers v ON v.id = l.voucher_id
                     WHERE v.status = 'posted' AND v.id IN (
                         SELECT c.id FROM vouchers c WHERE c.book_id = $1 AND c.kind = 'carry_forward'
                         UNION ALL
                         SELECT r.id FROM vouchers c JOIN vouchers r ON r.reverses_id = c.id WHERE c.book_id = $1 AND c.kind = 'carry_forward')
                     GROUP BY l.account_id, v.period ORDER BY l.account_id, v.period",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn count_unposted(&mut self, book_id: i64, period: i64) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM vouchers WHERE book_id = $1 AND period = $2 AND status <> 'posted'")
                    .bind(book_id)
                    .bind(period)
                    .fetch_one(&mut *self.tx)
                    .await?)
            }

            async fn close_period(&mut self, book_id: i64, period: i64, user: &str, at: DateTime<Utc>, chain_len: i64, chain_head: &str) -> Result<u64> {
                let done = sqlx::query(
                    "UPDATE periods SET status = 'closed', closed_by = $3, closed_at = $4, chain_len_at_close = $5, chain_head_at_close = $6
                     WHERE book_id = $1 AND period = $2 AND status = 'open'",
                )
                .bind(book_id)
                .bind(period)
                .bind(user)
                .bind(at)
                .bind(chain_len)
                .bind(chain_head)
                .execute(&mut *self.tx)
                .await?;
                Ok(done.rows_affected())
            }

            async fn opening_balances(&mut self, book_id: i64) -> Result<Vec<OpeningRow>> {
                Ok(sqlx::query_as("SELECT account_id, balance_fen FROM opening_balances WHERE book_id = $1 ORDER BY account_id")
                    .bind(book_id)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn replace_opening_balances(&mut self, community_id: i64, book_id: i64, rows: &[OpeningRow]) -> Result<()> {
                sqlx::query("DELETE FROM opening_balances WHERE book_id = $1").bind(book_id).execute(&mut *self.tx).await?;
                for chunk in rows.chunks(LINES_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO opening_balances (community_id, book_id, account_id, balance_fen) ");
                    q.push_values(chunk, |mut row, r| {
                        row.push_bind(community_id).push_bind(book_id).push_bind(r.account_id).push_bind(r.balance_fen);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn households(&mut self, community_id: i64) -> Result<Vec<HouseholdRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, building, unit, room, area_m2_hundredths, kind, owner_name, phone, move_in_date
                     FROM households WHERE community_id = $1 ORDER BY building, unit, room",
                )
                .bind(community_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn household(&mut self, community_id: i64, id: i64) -> Result<Option<HouseholdRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, building, unit, room, area_m2_hundredths, kind, owner_name, phone, move_in_date FROM households WHERE community_id = $1 AND id = $2",
                )
                .bind(community_id)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn insert_household(&mut self, community_id: i64, h: &NewHousehold, at: DateTime<Utc>) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO households (community_id, building, unit, room, area_m2_hundredths, kind, owner_name, phone, move_in_date, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(community_id)
                .bind(&h.building)
                .bind(&h.unit)
                .bind(&h.room)
                .bind(h.area_m2_hundredths)
                .bind(h.kind)
                .bind(&h.owner_name)
                .bind(&h.phone)
                .bind(h.move_in_date)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn update_household(&mut self, community_id: i64, old: &HouseholdRow, new: &NewHousehold, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO household_history (community_id, household_id, area_m2_hundredths, kind, owner_name, phone, move_in_date, valid_until)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(community_id)
                .bind(old.id)
                .bind(old.area_m2_hundredths)
                .bind(&old.kind)
                .bind(&old.owner_name)
                .bind(&old.phone)
                .bind(old.move_in_date)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                sqlx::query(
                    "UPDATE households SET area_m2_hundredths = $2, kind = $3, owner_name = $4, phone = $5, move_in_date = $6, updated_at = $7 WHERE id = $1",
                )
                .bind(old.id)
                .bind(new.area_m2_hundredths)
                .bind(new.kind)
                .bind(&new.owner_name)
                .bind(&new.phone)
                .bind(new.move_in_date)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn insert_fee_item(&mut self, community_id: i64, book_id: i64, f: &FeeItemRow) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO fee_items (community_id, book_id, code, name, basis, revenue_account_id, late_fee_ppm_per_day, late_fee_cap_percent)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(community_id)
                .bind(book_id)
                .bind(&f.code)
                .bind(&f.name)
                .bind(&f.basis)
                .bind(f.revenue_account_id)
                .bind(f.late_fee_ppm_per_day)
                .bind(f.late_fee_cap_percent)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn fee_items(&mut self, book_id: i64) -> Result<Vec<FeeItemRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, code, name, basis, revenue_account_id, late_fee_ppm_per_day, late_fee_cap_percent FROM fee_items WHERE book_id = $1 ORDER BY id",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_fee_standard(&mut self, community_id: i64, f: &FeeStandardRow) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO fee_standards (community_id, fee_item_id, household_kind, rate_yuan, valid_from, valid_until)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(community_id)
                .bind(f.fee_item_id)
                .bind(&f.household_kind)
                .bind(&f.rate_yuan)
                .bind(f.valid_from)
                .bind(f.valid_until)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn fee_standards(&mut self, book_id: i64) -> Result<Vec<FeeStandardRow>> {
                Ok(sqlx::query_as(
                    "SELECT s.id, s.fee_item_id, s.household_kind, s.rate_yuan, s.valid_from, s.valid_until
                     FROM fee_standards s JOIN fee_items f ON f.id = s.fee_item_id WHERE f.book_id = $1 ORDER BY s.fee_item_id, s.valid_from",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_meter_readings(&mut self, community_id: i64, readings: &[MeterReadingRow]) -> Result<()> {
                for chunk in readings.chunks(LINES_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO meter_readings (community_id, household_id, fee_item_id, period, reading, is_replacement) ");
                    q.push_values(chunk, |mut row, r| {
                        row.push_bind(community_id)
                            .push_bind(r.household_id)
                            .push_bind(r.fee_item_id)
                            .push_bind(r.period)
                            .push_bind(r.reading.clone())
                            .push_bind(r.is_replacement);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn meter_readings(&mut self, book_id: i64, period: i64) -> Result<Vec<MeterReadingRow>> {
                Ok(sqlx::query_as(
                    "SELECT r.household_id, r.fee_item_id, r.period, r.reading, r.is_replacement
                     FROM meter_readings r JOIN fee_items f ON f.id = r.fee_item_id
                     WHERE f.book_id = $1 AND (r.period = $2 OR r.period = (SELECT MAX(p.period) FROM meter_readings p
                           WHERE p.household_id = r.household_id AND p.fee_item_id = r.fee_item_id AND p.period < $2))",
                )
                .bind(book_id)
                .bind(period)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn billed(&mut self, book_id: i64, period: i64) -> Result<Vec<(i64, i64)>> {
                Ok(sqlx::query_as("SELECT household_id, fee_item_id FROM bills WHERE book_id = $1 AND period = $2")
                    .bind(book_id)
                    .bind(period)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn insert_billing_run(&mut self, r: &NewBillingRun<'_>) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO billing_runs (community_id, book_id, period, voucher_id, bills, total_fen, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(r.community_id)
                .bind(r.book_id)
                .bind(r.period)
                .bind(r.voucher_id)
                .bind(r.bills)
                .bind(r.total_fen)
                .bind(r.created_by)
                .bind(r.created_at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn insert_bills(&mut self, community_id: i64, book_id: i64, run_id: i64, bills: &[NewBill]) -> Result<()> {
                for chunk in bills.chunks(LINES_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO bills (community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id) ",
                    );
                    q.push_values(chunk, |mut row, b| {
                        row.push_bind(community_id)
                            .push_bind(book_id)
                            .push_bind(b.household_id)
                            .push_bind(b.fee_item_id)
                            .push_bind(b.period)
                            .push_bind(b.amount_fen)
                            .push_bind(run_id);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn open_bills(&mut self, book_id: i64, household_id: Option<i64>) -> Result<Vec<OpenBillRow>> {
                // Two spellings rather than "$2 IS NULL OR …", which keeps SQLite off the index; for
                // one household, the unary + on book_id steers SQLite to the household's index.
                let which = if household_id.is_some() { "+b.book_id = $1 AND b.household_id = $2" } else { "b.book_id = $1 AND $2 IS NULL" };
                Ok(sqlx::query_as(&format!(
                    "SELECT b.id, b.household_id, b.fee_item_id, f.name AS fee_item_name, b.period, b.amount_fen,
                            b.amount_fen - CAST(COALESCE(SUM(a.amount_fen), 0) AS BIGINT) AS open_fen
                     FROM bills b JOIN fee_items f ON f.id = b.fee_item_id LEFT JOIN allocations a ON a.bill_id = b.id
                     WHERE {which}
                     GROUP BY b.id, b.household_id, b.fee_item_id, f.name, b.period, b.amount_fen
                     HAVING b.amount_fen > COALESCE(SUM(a.amount_fen), 0)
                     ORDER BY b.household_id, b.period, b.fee_item_id"
                ))
                .bind(book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn bill(&mut self, book_id: i64, bill_id: i64) -> Result<Option<OpenBillRow>> {
                Ok(sqlx::query_as(
                    "SELECT b.id, b.household_id, b.fee_item_id, f.name AS fee_item_name, b.period, b.amount_fen,
                            b.amount_fen - CAST(COALESCE((SELECT SUM(a.amount_fen) FROM allocations a WHERE a.bill_id = b.id), 0) AS BIGINT) AS open_fen
                     FROM bills b JOIN fee_items f ON f.id = b.fee_item_id WHERE b.book_id = $1 AND b.id = $2",
                )
                .bind(book_id)
                .bind(bill_id)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn prepayments(&mut self, book_id: i64, household_id: Option<i64>) -> Result<Vec<PrepaymentRow>> {
                let which = if household_id.is_some() { "p.household_id = $2" } else { "$2 IS NULL" };
                Ok(sqlx::query_as(&format!(
                    "SELECT p.household_id, p.id AS payment_id, p.amount_fen - CAST(COALESCE(SUM(a.amount_fen), 0) AS BIGINT) AS left_fen
                     FROM payments p LEFT JOIN allocations a ON a.payment_id = p.id
                     WHERE p.book_id = $1 AND {which} AND NOT EXISTS (SELECT 1 FROM payment_voids v WHERE v.payment_id = p.id)
                     GROUP BY p.id, p.household_id, p.amount_fen
                     HAVING p.amount_fen > COALESCE(SUM(a.amount_fen), 0)
                     ORDER BY p.household_id, p.id"
                ))
                .bind(book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn payment_by_key(&mut self, book_id: i64, key: &str) -> Result<Option<PaymentRow>> {
                Ok(sqlx::query_as(
                    &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE book_id = $1 AND idempotency_key = $2"),
                )
                .bind(book_id)
                .bind(key)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn payment_by_receipt(&mut self, book_id: i64, number: i64) -> Result<Option<PaymentRow>> {
                Ok(sqlx::query_as(
                    &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE book_id = $1 AND receipt_number = $2"),
                )
                .bind(book_id)
                .bind(number)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn allocations_of_payment(&mut self, payment_id: i64) -> Result<Vec<AllocationRow>> {
                Ok(sqlx::query_as("SELECT bill_id, payment_id, waiver_id, void_id, amount_fen, period FROM allocations WHERE payment_id = $1 ORDER BY id")
                    .bind(payment_id)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn insert_payment(&mut self, p: &NewPayment<'_>) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO payments (community_id, book_id, household_id, idempotency_key, method, amount_fen, paid_on, period, receipt_number, voucher_id, cashier, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (book_id, idempotency_key) DO NOTHING RETURNING id",
                )
                .bind(p.community_id)
                .bind(p.book_id)
                .bind(p.household_id)
                .bind(p.idempotency_key)
                .bind(p.method)
                .bind(p.amount_fen)
                .bind(p.paid_on)
                .bind(crate::domain::period::Period::of_date(p.paid_on).key())
                .bind(p.receipt_number)
                .bind(p.voucher_id)
                .bind(p.cashier)
                .bind(p.created_at)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn insert_allocations(&mut self, community_id: i64, allocations: &[AllocationRow]) -> Result<()> {
                for chunk in allocations.chunks(LINES_PER_INSERT) {
                    let mut q =
                        QueryBuilder::<$db>::new("INSERT INTO allocations (community_id, bill_id, payment_id, waiver_id, void_id, amount_fen, period) ");
                    q.push_values(chunk, |mut row, a| {
                        row.push_bind(community_id)
                            .push_bind(a.bill_id)
                            .push_bind(a.payment_id)
                            .push_bind(a.waiver_id)
                            .push_bind(a.void_id)
                            .push_bind(a.amount_fen)
                            .push_bind(a.period);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn insert_payment_void(&mut self, v: &NewPaymentVoid<'_>) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO payment_voids (community_id, payment_id, reason, approver, period, voucher_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(v.community_id)
                .bind(v.payment_id)
                .bind(v.reason)
                .bind(v.approver)
                .bind(v.period)
                .bind(v.voucher_id)
                .bind(v.created_at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn insert_waiver(&mut self, w: &NewWaiver<'_>) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO waivers (community_id, bill_id, amount_fen, reason, approver, period, voucher_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(w.community_id)
                .bind(w.bill_id)
                .bind(w.amount_fen)
                .bind(w.reason)
                .bind(w.approver)
                .bind(w.period)
                .bind(w.voucher_id)
                .bind(w.created_at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn aging_by_household(&mut self, book_id: i64, as_of: i64) -> Result<Vec<AgingRow>> {
                // Months between bill and as-of, from yyyymm integers: the same arithmetic in both engines.
                Ok(sqlx::query_as(
                    "SELECT key, bucket, CAST(SUM(open_fen) AS BIGINT) AS open_fen FROM (
                         SELECT h.building || '-' || h.unit || '-' || h.room AS key,
                                CAST(CASE WHEN age < 3 THEN 0 WHEN age < 6 THEN 1 WHEN age < 12 THEN 2 WHEN age < 24 THEN 3 ELSE 4 END AS BIGINT) AS bucket,
                                open_fen
                         FROM (SELECT b.household_id,
                                      ($2 / 100 * 12 + $2 % 100) - (b.period / 100 * 12 + b.period % 100) AS age,
                                      b.amount_fen - COALESCE((SELECT SUM(a.amount_fen) FROM allocations a WHERE a.bill_id = b.id AND a.period <= $2), 0) AS open_fen
                               FROM bills b WHERE b.book_id = $1 AND b.period <= $2) o
                         JOIN households h ON h.id = o.household_id
                         WHERE open_fen > 0) t
                     GROUP BY key, bucket ORDER BY key, bucket",
                )
                .bind(book_id)
                .bind(as_of)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn add_flows(&mut self, community_id: i64, book_id: i64, flows: &[FlowRow]) -> Result<()> {
                for chunk in flows.chunks(LINES_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO receivable_flows (community_id, book_id, building, bill_period, event_period, kind, amount_fen) ",
                    );
                    q.push_values(chunk, |mut row, f| {
                        row.push_bind(community_id)
                            .push_bind(book_id)
                            .push_bind(f.building.clone())
                            .push_bind(f.bill_period)
                            .push_bind(f.event_period)
                            .push_bind(f.kind.clone())
                            .push_bind(f.amount_fen);
                    });
                    q.push(
                        " ON CONFLICT (book_id, building, bill_period, event_period, kind)
                          DO UPDATE SET amount_fen = receivable_flows.amount_fen + excluded.amount_fen",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn flows(&mut self, book_id: i64, to: i64) -> Result<Vec<FlowRow>> {
                Ok(sqlx::query_as(
                    "SELECT building, bill_period, event_period, kind, amount_fen FROM receivable_flows
                     WHERE book_id = $1 AND event_period <= $2 ORDER BY building, bill_period, event_period, kind",
                )
                .bind(book_id)
                .bind(to)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn flows_recomputed(&mut self, book_id: i64) -> Result<Vec<FlowRow>> {
                Ok(sqlx::query_as(
                    "SELECT h.building, b.period AS bill_period, b.period AS event_period, 'billed' AS kind, CAST(SUM(b.amount_fen) AS BIGINT) AS amount_fen
                     FROM bills b JOIN households h ON h.id = b.household_id WHERE b.book_id = $1 GROUP BY h.building, b.period
                     UNION ALL
                     SELECT h.building, b.period, a.period, CASE WHEN a.payment_id IS NOT NULL THEN 'paid' ELSE 'waived' END, CAST(SUM(a.amount_fen) AS BIGINT)
                     FROM allocations a JOIN bills b ON b.id = a.bill_id JOIN households h ON h.id = b.household_id
                     WHERE b.book_id = $1 GROUP BY h.building, b.period, a.period, CASE WHEN a.payment_id IS NOT NULL THEN 'paid' ELSE 'waived' END",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn household_bills(&mut self, book_id: i64, household_id: i64) -> Result<Vec<HouseholdBillRow>> {
                Ok(sqlx::query_as(
                    "SELECT b.id AS bill_id, b.period, f.name AS fee_item, b.amount_fen,
                            CAST(COALESCE(SUM(CASE WHEN a.payment_id IS NOT NULL THEN a.amount_fen END), 0) AS BIGINT) AS paid_fen,
                            CAST(COALESCE(SUM(CASE WHEN a.waiver_id IS NOT NULL THEN a.amount_fen END), 0) AS BIGINT) AS waived_fen,
                            f.late_fee_ppm_per_day, f.late_fee_cap_percent
                     FROM bills b JOIN fee_items f ON f.id = b.fee_item_id LEFT JOIN allocations a ON a.bill_id = b.id
                     WHERE b.book_id = $1 AND b.household_id = $2
                     GROUP BY b.id, b.period, f.name, b.amount_fen, f.late_fee_ppm_per_day, f.late_fee_cap_percent ORDER BY b.period, b.id",
                )
                .bind(book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn household_payments(&mut self, book_id: i64, household_id: i64) -> Result<Vec<PaymentRow>> {
                Ok(sqlx::query_as(
                    &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE book_id = $1 AND household_id = $2 ORDER BY paid_on, id"),
                )
                .bind(book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn subledger_by_period(&mut self, book_id: i64) -> Result<Vec<SubledgerPeriodRow>> {
                Ok(sqlx::query_as(
                    "SELECT period, CAST(SUM(billed) AS BIGINT) AS billed_fen, CAST(SUM(paid) AS BIGINT) AS paid_fen, CAST(SUM(waived) AS BIGINT) AS waived_fen
                     FROM (SELECT period, amount_fen AS billed, 0 AS paid, 0 AS waived FROM bills WHERE book_id = $1
                           UNION ALL SELECT period, 0, amount_fen, 0 FROM payments WHERE book_id = $1
                           UNION ALL SELECT v.period, 0, -p.amount_fen, 0 FROM payment_voids v JOIN payments p ON p.id = v.payment_id WHERE p.book_id = $1
                           UNION ALL SELECT w.period, 0, 0, w.amount_fen FROM waivers w JOIN bills b ON b.id = w.bill_id WHERE b.book_id = $1) t
                     GROUP BY period ORDER BY period",
                )
                .bind(book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn account_lines(&mut self, book_id: i64, code_prefix: &str, from_period: i64, to_period: i64) -> Result<Vec<AccountLineRow>> {
                Ok(sqlx::query_as(
                    "SELECT v.voucher_date, v.period, v.number, l.summary, a.code AS account_code, l.debit_fen, l.credit_fen
                     FROM accounts a
                     JOIN voucher_lines l ON l.account_id = a.id
                     JOIN vouchers v ON v.id = l.voucher_id
                     WHERE a.book_id = $1 AND substr(a.code, 1, length($2)) = $2
                       AND v.status = 'posted' AND v.period BETWEEN $3 AND $4
                     ORDER BY v.period, v.voucher_date, v.number, l.line_no",
                )
                .bind(book_id)
                .bind(code_prefix)
                .bind(from_period)
                .bind(to_period)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn max_chain_seq(&mut self, book_id: i64) -> Result<i64> {
                let max: Option<i64> = sqlx::query_scalar("SELECT MAX(chain_seq) FROM vouchers WHERE book_id = $1 AND status = 'posted'")
                    .bind(book_id)
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(max.unwrap_or(0))
            }

            async fn journal_page(&mut self, book_id: i64, after_seq: i64, until_seq: i64) -> Result<Vec<JournalVoucher>> {
                $journal_page(&mut self.tx, book_id, after_seq, until_seq).await
            }
        }
    };
}

fn push_voucher<'q, DB: sqlx::Database>(mut row: sqlx::query_builder::Separated<'_, 'q, DB, &'static str>, v: &'q NewVoucher)
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
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
        .push_bind(v.hash.as_deref());
}

impl_tx!(SqliteTx, Sqlite, sqlite_journal_page);
impl_tx!(PgTx, Postgres, pg_journal_page);

/// The one read that differs between the engines, because what is fast differs: sqlx's SQLite
/// driver pays per row and per value (a worker thread and a copy of each value), so SQLite
/// builds each page as two JSON documents; PostgreSQL's JSON functions are the slow part there,
/// and its binary rows are cheap. Both return the same vouchers.
async fn sqlite_journal_page(tx: &mut sqlx::SqliteConnection, book_id: i64, after_seq: i64, until_seq: i64) -> Result<Vec<JournalVoucher>> {
    // Arrays follow the field order of JournalVoucher and LineRow.
    let headers: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, chain_seq, period, number, voucher_date, kind, attachments, maker, reviewer, poster,
                                            reverses_id, prev_hash, hash) ORDER BY chain_seq)
         FROM vouchers WHERE book_id = $1 AND status = 'posted' AND chain_seq > $2 AND chain_seq <= $3",
    )
    .bind(book_id)
    .bind(after_seq)
    .bind(until_seq)
    .fetch_one(&mut *tx)
    .await?;
    let lines: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(l.voucher_id, l.line_no, l.summary, l.account_id, l.debit_fen, l.credit_fen, l.household_id,
                                            l.fee_item_id, l.subsidy_program_id, l.service_category, l.supplier_id) ORDER BY v.chain_seq, l.line_no)
         FROM vouchers v JOIN voucher_lines l ON l.voucher_id = v.id
         WHERE v.book_id = $1 AND v.status = 'posted' AND v.chain_seq > $2 AND v.chain_seq <= $3",
    )
    .bind(book_id)
    .bind(after_seq)
    .bind(until_seq)
    .fetch_one(&mut *tx)
    .await?;
    let unreadable = |e: serde_json::Error| crate::error::Error::invalid("账簿数据", format!("数据库返回的凭证无法解读：{e}"));
    let headers: Vec<JournalVoucher> = serde_json::from_str(&headers).map_err(unreadable)?;
    let lines: Vec<LineRow> = serde_json::from_str(&lines).map_err(unreadable)?;
    Ok(attach_lines(headers, lines))
}

async fn pg_journal_page(tx: &mut sqlx::PgConnection, book_id: i64, after_seq: i64, until_seq: i64) -> Result<Vec<JournalVoucher>> {
    // Tuples decode by position; the named FromRow looks every column up by name, which
    // costs more than the decoding itself at a million rows.
    type Header =
        (i64, i64, i64, i64, NaiveDate, String, i64, String, Option<String>, Option<String>, Option<i64>, Option<String>, Option<String>);
    type Line = (i64, i64, String, i64, i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<String>, Option<i64>);
    let headers: Vec<Header> = sqlx::query_as(
        "SELECT id, chain_seq, period, number, voucher_date, kind, attachments, maker, reviewer, poster, reverses_id, prev_hash, hash
         FROM vouchers WHERE book_id = $1 AND status = 'posted' AND chain_seq > $2 AND chain_seq <= $3 ORDER BY chain_seq",
    )
    .bind(book_id)
    .bind(after_seq)
    .bind(until_seq)
    .fetch_all(&mut *tx)
    .await?;
    let lines: Vec<Line> = sqlx::query_as(
        "SELECT l.voucher_id, l.line_no, l.summary, l.account_id, l.debit_fen, l.credit_fen, l.household_id, l.fee_item_id,
                l.subsidy_program_id, l.service_category, l.supplier_id
         FROM vouchers v JOIN voucher_lines l ON l.voucher_id = v.id
         WHERE v.book_id = $1 AND v.status = 'posted' AND v.chain_seq > $2 AND v.chain_seq <= $3 ORDER BY v.chain_seq, l.line_no",
    )
    .bind(book_id)
    .bind(after_seq)
    .bind(until_seq)
    .fetch_all(&mut *tx)
    .await?;
    let headers = headers
        .into_iter()
        .map(|h| JournalVoucher {
            voucher_id: h.0,
            chain_seq: h.1,
            period: h.2,
            number: h.3,
            voucher_date: h.4,
            kind: h.5,
            attachments: h.6,
            maker: h.7,
            reviewer: h.8,
            poster: h.9,
            reverses_id: h.10,
            prev_hash: h.11,
            hash: h.12,
            lines: Vec::new(),
        })
        .collect();
    let lines = lines
        .into_iter()
        .map(|l| LineRow {
            voucher_id: l.0,
            line_no: l.1,
            summary: l.2,
            account_id: l.3,
            debit_fen: l.4,
            credit_fen: l.5,
            household_id: l.6,
            fee_item_id: l.7,
            subsidy_program_id: l.8,
            service_category: l.9,
            supplier_id: l.10,
        })
        .collect();
    Ok(attach_lines(headers, lines))
}

/// Joins a page of headers and their lines (both in chain order) into vouchers.
fn attach_lines(mut vouchers: Vec<JournalVoucher>, lines: Vec<LineRow>) -> Vec<JournalVoucher> {
    let mut lines = lines.into_iter().peekable();
    for v in &mut vouchers {
        while let Some(line) = lines.next_if(|l| l.voucher_id == v.voucher_id) {
            v.lines.push(line);
        }
    }
    vouchers
}
