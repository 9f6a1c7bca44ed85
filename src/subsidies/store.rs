//! The SQL of the subsidy wing's rows (`subsidies::rows`): programs, disbursements, receipts,
//! withdrawals, releases of 递延收益, reconciliations with what they saw and found, and
//! sign-offs. Written once and expanded for both engines by `impl_subsidies_tx!`. Every
//! statement names its community.

use chrono::{DateTime, NaiveDate, Utc};

use super::reconcile::{Kind, Seen, Side};
use super::rows::{
    DifferenceRow, DisbursementRow, NewDisbursement, NewProgram, NewReceipt, NoteRow, ProgramFigures, ProgramRow, ReceiptRow,
    ReconciliationRow, ReconciliationState, ReleaseRow, SignoffRow, Withdrawal,
};
use super::settlement::SettlementTx;
use super::{SignSide, Treatment};
use crate::domain::ids::{CommunityId, DisbursementId, ProgramId, ReconciliationId};
use crate::error::Result;
use crate::ledger::store::LedgerStore;
use crate::ledger::verify::{tie_sql, Tie};
use crate::spending::store::{SpendingTx, TagTx, TaggedProgram};
use crate::store::{text_enum, PgTx, SqliteTx, Store, ROWS_PER_INSERT};

text_enum!(Treatment, Side, SignSide, Kind);

/// A date after every row's, for "to date" reads: SQLite compares dates as text, so it must
/// be a four-digit year (NaiveDate::MAX is written "+262143-12-31").
pub const NO_END: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("9999-12-31 is a date"),
};

/// The subsidy wing answers spending's question about a tag (`spending::store::TagTx`).
impl<T: SubsidiesTx> TagTx for T {
    async fn tagged_program(&mut self, community_id: CommunityId, key: &str) -> Result<TaggedProgram> {
        let program = super::program_by_key(self, community_id, key).await?;
        Ok(TaggedProgram {
            id: program.id,
            book_id: program.book_id,
            title: program.title(),
            eligible: program.eligible_categories()?,
            document_no: program.document_no,
            starts_on: program.starts_on,
            ends_on: program.ends_on,
        })
    }
}

/// The standing rows' `amount_fen` of `table` (alias `x`) summed by community and program, over
/// the communities `list` (and what `filter` also picks, which may name the row's program `p`):
/// one grouped read, joined to the programs after, so that the planner reads only those
/// communities' rows through their index whatever one big community holds.
fn standing_sums(table: &str, side: &str, list: &str, filter: &str) -> String {
    format!(
        "(SELECT x.community_id, x.program_id, CAST(SUM(x.amount_fen) AS BIGINT) AS fen FROM {table} x \
         JOIN subsidy_programs p ON p.community_id = x.community_id AND p.id = x.program_id \
         WHERE x.community_id IN ({list}) AND {filter} \
         AND NOT EXISTS (SELECT 1 FROM subsidy_withdrawals w WHERE w.community_id = x.community_id AND w.community_id IN ({list}) AND w.side = '{side}' AND w.row_id = x.id) \
         GROUP BY x.community_id, x.program_id)"
    )
}

const PROGRAM_COLUMNS: &str =
    "id, community_id, book_id, document_no, purpose, approved_fen, starts_on, ends_on, treatment, eligible, created_by";
const RECONCILIATION_COLUMNS: &str = "id, program_id, from_on, until_on, disbursed_fen, received_fen, spent_fen, spent_eligible_fen, \
     differences, fingerprint, created_by, created_at";

crate::wing_tx! {
    pub trait SubsidiesTx: SpendingTx + SettlementTx + Send {
        fn insert_program(
            &mut self,
            community_id: CommunityId,
            p: &NewProgram<'_>,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<ProgramId>> + Send;
        fn programs(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<ProgramRow>>> + Send;
        fn insert_disbursements(
            &mut self,
            community_id: CommunityId,
            rows: &[NewDisbursement],
            by: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// A program's disbursements dated before `until`, withdrawn ones too, by date.
        fn disbursements(
            &mut self,
            community_id: CommunityId,
            program_id: ProgramId,
            until: NaiveDate,
        ) -> impl Future<Output = Result<Vec<DisbursementRow>>> + Send;
        fn disbursement(
            &mut self,
            community_id: CommunityId,
            id: DisbursementId,
        ) -> impl Future<Output = Result<Option<DisbursementRow>>> + Send;
        fn receipt(&mut self, community_id: CommunityId, id: i64) -> impl Future<Output = Result<Option<ReceiptRow>>> + Send;
        fn insert_receipt(
            &mut self,
            community_id: CommunityId,
            r: &NewReceipt<'_>,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<i64>> + Send;
        /// A program's receipts dated before `until`, withdrawn ones too, by date.
        fn receipts(
            &mut self,
            community_id: CommunityId,
            program_id: ProgramId,
            until: NaiveDate,
        ) -> impl Future<Output = Result<Vec<ReceiptRow>>> + Send;
        fn insert_withdrawal(
            &mut self,
            community_id: CommunityId,
            w: &Withdrawal<'_>,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        fn releases(&mut self, community_id: CommunityId, program_id: ProgramId) -> impl Future<Output = Result<Vec<ReleaseRow>>> + Send;
        fn insert_release(&mut self, community_id: CommunityId, r: &ReleaseRow, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn insert_reconciliation(
            &mut self,
            community_id: CommunityId,
            r: &ReconciliationRow,
            seen: &[Seen],
            differences: &[DifferenceRow],
        ) -> impl Future<Output = Result<ReconciliationId>> + Send;
        fn reconciliations(
            &mut self,
            community_id: CommunityId,
            program_id: Option<ProgramId>,
        ) -> impl Future<Output = Result<Vec<ReconciliationRow>>> + Send;
        fn seen_rows(
            &mut self,
            community_id: CommunityId,
            reconciliation_id: ReconciliationId,
        ) -> impl Future<Output = Result<Vec<Seen>>> + Send;
        fn differences(
            &mut self,
            community_id: CommunityId,
            reconciliation_id: ReconciliationId,
        ) -> impl Future<Output = Result<Vec<DifferenceRow>>> + Send;
        /// The sign-offs of the community's reconciliations (of one, or of all), with their ids.
        fn signoffs(
            &mut self,
            community_id: CommunityId,
            reconciliation_id: Option<ReconciliationId>,
        ) -> impl Future<Output = Result<Vec<(ReconciliationId, SignoffRow)>>> + Send;
        fn insert_signoff(
            &mut self,
            community_id: CommunityId,
            reconciliation_id: ReconciliationId,
            side: SignSide,
            username: &str,
            at: DateTime<Utc>,
            digest: &str,
        ) -> impl Future<Output = Result<()>> + Send;
        /// A signer's notes on the differences (seq, note), written with the sign-off.
        fn insert_notes(
            &mut self,
            community_id: CommunityId,
            reconciliation_id: ReconciliationId,
            side: SignSide,
            notes: &[(i64, String)],
        ) -> impl Future<Output = Result<()>> + Send;
        /// Every note on reconciliation `reconciliation_id`, by side and difference.
        fn notes(
            &mut self,
            community_id: CommunityId,
            reconciliation_id: ReconciliationId,
        ) -> impl Future<Output = Result<Vec<NoteRow>>> + Send;
        /// The community's receipts and releases beside their vouchers (`ledger::verify::check_ties`).
        fn ties(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<Tie>>> + Send;
        /// Every program of the communities with its money to date, in one statement.
        fn program_figures(&mut self, communities: &[CommunityId]) -> impl Future<Output = Result<Vec<ProgramFigures>>> + Send;
        /// Every reconciliation of the communities with its sign-offs, in one statement, by id.
        fn reconciliation_states(&mut self, communities: &[CommunityId]) -> impl Future<Output = Result<Vec<ReconciliationState>>> + Send;
    }
}

/// Whether a row of `alias` (disbursements `d`, receipts `r`) of community $1 (the
/// statement's) has been withdrawn; the subquery names the community itself so that Citus keeps
/// the statement on one shard.
fn withdrawn(side: &str, alias: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM subsidy_withdrawals w WHERE w.community_id = $1 AND w.side = '{side}' AND w.row_id = {alias}.id) AS withdrawn"
    )
}

macro_rules! impl_subsidies_tx {
    ($tx_type:ty, $db:ty) => {
        impl SubsidiesTx for $tx_type {
            async fn insert_program(&mut self, community_id: CommunityId, p: &NewProgram<'_>, at: DateTime<Utc>) -> Result<ProgramId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO subsidy_programs (community_id, book_id, document_no, purpose, approved_fen, starts_on, ends_on, \
                     treatment, eligible, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(community_id)
                .bind(p.book_id)
                .bind(p.document_no)
                .bind(p.purpose)
                .bind(p.approved_fen)
                .bind(p.starts_on)
                .bind(p.ends_on)
                .bind(p.treatment)
                .bind(&p.eligible)
                .bind(p.created_by)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn programs(&mut self, community_id: CommunityId) -> Result<Vec<ProgramRow>> {
                Ok(sqlx::query_as(&format!("SELECT {PROGRAM_COLUMNS} FROM subsidy_programs WHERE community_id = $1 ORDER BY starts_on, id"))
                    .bind(community_id)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn insert_disbursements(&mut self, community_id: CommunityId, rows: &[NewDisbursement], by: &str, at: DateTime<Utc>) -> Result<()> {
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO subsidy_disbursements (community_id, program_id, disbursed_on, amount_fen, payee, reference, recorded_by, recorded_at) ",
                    );
                    q.push_values(chunk, |mut b, d| {
                        b.push_bind(community_id)
                            .push_bind(d.program_id)
                            .push_bind(d.disbursed_on)
                            .push_bind(d.amount_fen)
                            .push_bind(d.payee.clone())
                            .push_bind(d.reference.clone())
                            .push_bind(by.to_string())
                            .push_bind(at);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn disbursements(&mut self, community_id: CommunityId, program_id: ProgramId, until: NaiveDate) -> Result<Vec<DisbursementRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT d.id, d.program_id, d.disbursed_on, d.amount_fen, d.payee, d.reference, d.recorded_by, {} \
                     FROM subsidy_disbursements d WHERE d.community_id = $1 AND d.program_id = $2 AND d.disbursed_on < $3 \
                     ORDER BY d.disbursed_on, d.id",
                    withdrawn("disbursement", "d")
                ))
                .bind(community_id)
                .bind(program_id)
                .bind(until)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn disbursement(&mut self, community_id: CommunityId, id: DisbursementId) -> Result<Option<DisbursementRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT d.id, d.program_id, d.disbursed_on, d.amount_fen, d.payee, d.reference, d.recorded_by, {} \
                     FROM subsidy_disbursements d WHERE d.community_id = $1 AND d.id = $2",
                    withdrawn("disbursement", "d")
                ))
                .bind(community_id)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn receipt(&mut self, community_id: CommunityId, id: i64) -> Result<Option<ReceiptRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT r.id, r.program_id, r.received_on, r.amount_fen, r.reference, r.bank_account, r.voucher_id, r.recorded_by, {} \
                     FROM subsidy_receipts r WHERE r.community_id = $1 AND r.id = $2",
                    withdrawn("receipt", "r")
                ))
                .bind(community_id)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn insert_receipt(&mut self, community_id: CommunityId, r: &NewReceipt<'_>, at: DateTime<Utc>) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO subsidy_receipts (community_id, program_id, received_on, amount_fen, reference, bank_account, voucher_id, \
                     recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(community_id)
                .bind(r.program_id)
                .bind(r.received_on)
                .bind(r.amount_fen)
                .bind(r.reference)
                .bind(r.bank_account)
                .bind(r.voucher_id)
                .bind(r.recorded_by)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn receipts(&mut self, community_id: CommunityId, program_id: ProgramId, until: NaiveDate) -> Result<Vec<ReceiptRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT r.id, r.program_id, r.received_on, r.amount_fen, r.reference, r.bank_account, r.voucher_id, r.recorded_by, {} \
                     FROM subsidy_receipts r WHERE r.community_id = $1 AND r.program_id = $2 AND r.received_on < $3 \
                     ORDER BY r.received_on, r.id",
                    withdrawn("receipt", "r")
                ))
                .bind(community_id)
                .bind(program_id)
                .bind(until)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_withdrawal(&mut self, community_id: CommunityId, w: &Withdrawal<'_>, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO subsidy_withdrawals (community_id, side, row_id, reason, voucher_id, withdrawn_by, withdrawn_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(community_id)
                .bind(w.side)
                .bind(w.row_id)
                .bind(w.reason)
                .bind(w.voucher_id)
                .bind(w.by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn releases(&mut self, community_id: CommunityId, program_id: ProgramId) -> Result<Vec<ReleaseRow>> {
                Ok(sqlx::query_as(
                    "SELECT program_id, period, amount_fen, voucher_id FROM subsidy_releases WHERE community_id = $1 AND program_id = $2 ORDER BY period",
                )
                .bind(community_id)
                .bind(program_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_release(&mut self, community_id: CommunityId, r: &ReleaseRow, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO subsidy_releases (community_id, program_id, period, amount_fen, voucher_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(community_id)
                .bind(r.program_id)
                .bind(r.period)
                .bind(r.amount_fen)
                .bind(r.voucher_id)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn insert_reconciliation(
                &mut self,
                community_id: CommunityId,
                r: &ReconciliationRow,
                seen: &[Seen],
                differences: &[DifferenceRow],
            ) -> Result<ReconciliationId> {
                let id: ReconciliationId = sqlx::query_scalar(
                    "INSERT INTO reconciliations (community_id, program_id, from_on, until_on, disbursed_fen, received_fen, spent_fen, \
                     spent_eligible_fen, differences, fingerprint, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(community_id)
                .bind(r.program_id)
                .bind(r.from_on)
                .bind(r.until_on)
                .bind(r.disbursed_fen)
                .bind(r.received_fen)
                .bind(r.spent_fen)
                .bind(r.spent_eligible_fen)
                .bind(r.differences)
                .bind(&r.fingerprint)
                .bind(&r.created_by)
                .bind(r.created_at)
                .fetch_one(&mut *self.tx)
                .await?;
                for chunk in seen.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO reconciliation_rows (community_id, reconciliation_id, side, row_id, on_date, amount_fen, detail) ",
                    );
                    q.push_values(chunk, |mut b, s| {
                        b.push_bind(community_id)
                            .push_bind(id)
                            .push_bind(s.side)
                            .push_bind(s.row_id)
                            .push_bind(s.on_date)
                            .push_bind(s.amount_fen)
                            .push_bind(s.detail.clone());
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                for chunk in differences.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO reconciliation_differences (community_id, reconciliation_id, seq, kind, disbursement_id, receipt_id, \
                         spending_id, amount_fen, detail) ",
                    );
                    q.push_values(chunk, |mut b, d| {
                        b.push_bind(community_id)
                            .push_bind(id)
                            .push_bind(d.seq)
                            .push_bind(d.kind)
                            .push_bind(d.disbursement_id)
                            .push_bind(d.receipt_id)
                            .push_bind(d.spending_id)
                            .push_bind(d.amount_fen)
                            .push_bind(d.detail.clone());
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(id)
            }

            async fn reconciliations(&mut self, community_id: CommunityId, program_id: Option<ProgramId>) -> Result<Vec<ReconciliationRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {RECONCILIATION_COLUMNS} FROM reconciliations WHERE community_id = $1 AND ($2 IS NULL OR program_id = $2) ORDER BY id"
                ))
                .bind(community_id)
                .bind(program_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn seen_rows(&mut self, community_id: CommunityId, reconciliation_id: ReconciliationId) -> Result<Vec<Seen>> {
                Ok(sqlx::query_as(
                    "SELECT side, row_id, on_date, amount_fen, detail FROM reconciliation_rows \
                     WHERE community_id = $1 AND reconciliation_id = $2 ORDER BY side, row_id",
                )
                .bind(community_id)
                .bind(reconciliation_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn differences(&mut self, community_id: CommunityId, reconciliation_id: ReconciliationId) -> Result<Vec<DifferenceRow>> {
                Ok(sqlx::query_as(
                    "SELECT seq, kind, disbursement_id, receipt_id, spending_id, amount_fen, detail FROM reconciliation_differences \
                     WHERE community_id = $1 AND reconciliation_id = $2 ORDER BY seq",
                )
                .bind(community_id)
                .bind(reconciliation_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn signoffs(&mut self, community_id: CommunityId, reconciliation_id: Option<ReconciliationId>) -> Result<Vec<(ReconciliationId, SignoffRow)>> {
                let rows: Vec<(ReconciliationId, SignSide, String, Option<String>, DateTime<Utc>, Option<String>)> = sqlx::query_as(
                    "SELECT s.reconciliation_id, s.side, s.username, u.display_name, s.signed_at, s.digest FROM reconciliation_signoffs s \
                     LEFT JOIN users u ON u.username = s.username \
                     WHERE s.community_id = $1 AND ($2 IS NULL OR s.reconciliation_id = $2) ORDER BY s.reconciliation_id, s.signed_at",
                )
                .bind(community_id)
                .bind(reconciliation_id)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, side, username, name, signed_at, digest)| {
                        let display_name = name.unwrap_or_else(|| username.clone());
                        (id, SignoffRow { side, username, display_name, signed_at, digest })
                    })
                    .collect())
            }

            async fn insert_signoff(
                &mut self,
                community_id: CommunityId,
                reconciliation_id: ReconciliationId,
                side: SignSide,
                username: &str,
                at: DateTime<Utc>,
                digest: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO reconciliation_signoffs (community_id, reconciliation_id, side, username, signed_at, digest) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(community_id)
                .bind(reconciliation_id)
                .bind(side)
                .bind(username)
                .bind(at)
                .bind(digest)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn insert_notes(
                &mut self,
                community_id: CommunityId,
                reconciliation_id: ReconciliationId,
                side: SignSide,
                notes: &[(i64, String)],
            ) -> Result<()> {
                for (seq, note) in notes {
                    sqlx::query("INSERT INTO reconciliation_notes (community_id, reconciliation_id, side, seq, note) VALUES ($1, $2, $3, $4, $5)")
                        .bind(community_id)
                        .bind(reconciliation_id)
                        .bind(side)
                        .bind(seq)
                        .bind(note)
                        .execute(&mut *self.tx)
                        .await?;
                }
                Ok(())
            }

            async fn notes(&mut self, community_id: CommunityId, reconciliation_id: ReconciliationId) -> Result<Vec<NoteRow>> {
                Ok(sqlx::query_as(
                    "SELECT side, seq, note FROM reconciliation_notes WHERE community_id = $1 AND reconciliation_id = $2 ORDER BY seq, side",
                )
                .bind(community_id)
                .bind(reconciliation_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn ties(&mut self, community_id: CommunityId) -> Result<Vec<Tie>> {
                let mut out = Vec::new();
                for sql in [
                    tie_sql("subsidy_receipts", "'补贴到账 #' || x.id", "amount_fen", "voucher_id"),
                    tie_sql("subsidy_releases", "'递延收益结转 ' || x.period", "amount_fen", "voucher_id"),
                ] {
                    out.extend(sqlx::query_as::<_, Tie>(&sql).bind(community_id).fetch_all(&mut *self.tx).await?);
                }
                Ok(out)
            }

            async fn program_figures(&mut self, communities: &[CommunityId]) -> Result<Vec<ProgramFigures>> {
                let list = crate::store::id_literals(communities.iter().map(|c| c.0));
                let joined = |alias: &str, sums: String| {
                    format!("LEFT JOIN {sums} {alias} ON {alias}.community_id = p.community_id AND {alias}.program_id = p.id")
                };
                let sql = format!(
                    "SELECT p.community_id, p.id, p.document_no, p.purpose, p.approved_fen, p.starts_on, p.ends_on, \
                     COALESCE(d.fen, 0) AS disbursed_fen, COALESCE(r.fen, 0) AS received_fen, COALESCE(s.fen, 0) AS spent_fen \
                     FROM subsidy_programs p {} {} {} WHERE p.community_id IN ({list}) ORDER BY p.community_id, p.starts_on, p.id",
                    joined("d", standing_sums("subsidy_disbursements", "disbursement", &list, "TRUE")),
                    joined("r", standing_sums("subsidy_receipts", "receipt", &list, "TRUE")),
                    joined("s", standing_sums("expenses", "spending", &list, "(',' || p.eligible || ',') LIKE ('%,' || x.category || ',%')")),
                );
                Ok(sqlx::query_as(&sql).fetch_all(&mut *self.tx).await?)
            }

            async fn reconciliation_states(&mut self, communities: &[CommunityId]) -> Result<Vec<ReconciliationState>> {
                let list = crate::store::id_literals(communities.iter().map(|c| c.0));
                let signed = |side: &str| {
                    format!(
                        "EXISTS (SELECT 1 FROM reconciliation_signoffs s WHERE s.community_id = r.community_id \
                         AND s.community_id IN ({list}) AND s.reconciliation_id = r.id AND s.side = '{side}')"
                    )
                };
                let sql = format!(
                    "SELECT r.community_id, r.program_id, r.id, r.from_on, r.until_on, r.differences, {} AS company_signed, {} AS office_signed \
                     FROM reconciliations r WHERE r.community_id IN ({list}) ORDER BY r.id",
                    signed("company"),
                    signed("finance_office"),
                );
                Ok(sqlx::query_as(&sql).fetch_all(&mut *self.tx).await?)
            }
        }
    };
}

impl_subsidies_tx!(SqliteTx, sqlx::Sqlite);
impl_subsidies_tx!(PgTx, sqlx::Postgres);

/// A store whose transactions have the subsidy wing's statements.
pub trait SubsidiesStore: LedgerStore + Store<Tx: SubsidiesTx> {}

impl<S> SubsidiesStore for S
where
    S: LedgerStore,
    S: Store<Tx: SubsidiesTx>,
{
}
