//! The facts a disclosure's formulas read (`report::facts`), gathered from the wings' rows in a
//! handful of grouped statements. Each row comes back in one shape: a measure, the month it
//! falls in (as a period, a date or a timestamp, whichever the row keeps), the month it is
//! about, up to four dimension values in the measure's order, and a value; `gather` names the
//! dimensions and gives them the labels residents read.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::category::Category;
use crate::domain::ids::BookKey;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::figures::FiguresTx;
use crate::fees::kinds::HouseholdKind;
use crate::fees::store::FeesTx;
use crate::report::engine::Span;
use crate::report::facts::{Fact, Facts, MEASURES, OF_DIM};
use crate::store::{PgTx, SqliteTx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FactRow {
    pub measure: String,
    pub period: Option<i64>,
    pub on_date: Option<NaiveDate>,
    pub at: Option<DateTime<Utc>>,
    pub of_period: Option<i64>,
    pub d1: Option<String>,
    pub d2: Option<String>,
    pub d3: Option<String>,
    pub d4: Option<String>,
    pub value: i64,
}

/// A program's reconciliation as a disclosure shows it: (program document number, its id, the
/// day after the last it covers, company signed, finance office signed).
pub type ReconciliationFact = (String, i64, NaiveDate, bool, bool);

crate::wing_tx! {
    pub trait FactsTx: FeesTx + Send {
        /// Bills, payments, waivers and cancellations from month `from` to `to` by building, fee
        /// item, kind and unit kind, bill month and the month they happened in; receipts and voids
        /// by building and method.
        fn fee_facts(&mut self, book: BookKey, from: Period, to: Period) -> impl Future<Output = Result<Vec<FactRow>>> + Send;
        /// Budgets and public revenue.
        fn spending_facts(&mut self, book: BookKey, to: Period) -> impl Future<Output = Result<Vec<FactRow>>> + Send;
        /// Each program's approval, disbursements, receipts, tagged spending, releases and refunds.
        fn subsidy_facts(&mut self, book: BookKey, to: Period) -> impl Future<Output = Result<Vec<FactRow>>> + Send;
        /// (program document number, reconciliation id, until, company signed, office signed), for
        /// signatures given by `as_of`.
        fn reconciliation_facts(&mut self, book: BookKey, as_of: DateTime<Utc>)
            -> impl Future<Output = Result<Vec<ReconciliationFact>>> + Send;
        /// Profit received from the company, distributions and their payment, in the collective's book.
        fn collective_facts(&mut self, book: BookKey, to: Period) -> impl Future<Output = Result<Vec<FactRow>>> + Send;
    }
}

/// The columns every fact statement selects, with NULLs typed for PostgreSQL.
const NO_DATE: &str = "CAST(NULL AS DATE) AS on_date";
const NO_AT: &str = "CAST(NULL AS TIMESTAMPTZ) AS at";
const NO_PERIOD: &str = "CAST(NULL AS BIGINT)";
const NO_TEXT: &str = "CAST(NULL AS TEXT)";

fn fee_sql() -> String {
    let dims = "h.building AS d1, f.name AS d2, h.kind AS d3, COALESCE(u.kind, 'home') AS d4";
    let joins = "JOIN households h ON h.community_id = b.community_id AND h.id = b.household_id
         JOIN fee_items f ON f.community_id = b.community_id AND f.id = b.fee_item_id
         LEFT JOIN units u ON u.community_id = b.community_id AND u.id = b.unit_id";
    let group = "h.building, f.name, h.kind, COALESCE(u.kind, 'home'), b.period";
    format!(
        "SELECT 'fee.billed' AS measure, b.period AS period, {NO_DATE}, {NO_AT}, b.period AS of_period, {dims},
                CAST(SUM(b.amount_fen) AS BIGINT) AS value
         FROM bills b {joins} WHERE b.community_id = $1 AND b.book_id = $2 AND b.period BETWEEN $4 AND $3 GROUP BY {group}
         UNION ALL
         SELECT CASE WHEN a.payment_id IS NOT NULL THEN 'fee.paid' WHEN a.waiver_id IS NOT NULL THEN 'fee.waived' ELSE 'fee.cancelled' END,
                a.period, {NO_DATE}, {NO_AT}, b.period, {dims}, CAST(SUM(a.amount_fen) AS BIGINT)
         FROM allocations a JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id {joins}
         WHERE a.community_id = $1 AND b.book_id = $2 AND a.period BETWEEN $4 AND $3
         GROUP BY {group}, a.period, CASE WHEN a.payment_id IS NOT NULL THEN 'fee.paid' WHEN a.waiver_id IS NOT NULL THEN 'fee.waived' ELSE 'fee.cancelled' END
         UNION ALL
         SELECT 'pay.received', p.period, {NO_DATE}, {NO_AT}, {NO_PERIOD}, h.building, p.method, {NO_TEXT}, {NO_TEXT}, CAST(SUM(p.amount_fen) AS BIGINT)
         FROM payments p JOIN households h ON h.community_id = p.community_id AND h.id = p.household_id
         WHERE p.community_id = $1 AND p.book_id = $2 AND p.period <= $3 GROUP BY h.building, p.method, p.period
         UNION ALL
         SELECT 'pay.receipts', p.period, {NO_DATE}, {NO_AT}, {NO_PERIOD}, h.building, p.method, {NO_TEXT}, {NO_TEXT}, CAST(COUNT(*) AS BIGINT)
         FROM payments p JOIN households h ON h.community_id = p.community_id AND h.id = p.household_id
         WHERE p.community_id = $1 AND p.book_id = $2 AND p.period <= $3 GROUP BY h.building, p.method, p.period
         UNION ALL
         SELECT 'pay.voided', v.period, {NO_DATE}, {NO_AT}, {NO_PERIOD}, h.building, p.method, {NO_TEXT}, {NO_TEXT}, CAST(SUM(p.amount_fen) AS BIGINT)
         FROM payment_voids v JOIN payments p ON p.community_id = v.community_id AND p.id = v.payment_id
         JOIN households h ON h.community_id = p.community_id AND h.id = p.household_id
         WHERE v.community_id = $1 AND p.book_id = $2 AND v.period <= $3 GROUP BY h.building, p.method, v.period"
    )
}

/// A withdrawn row of `side` counts against its month: the withdrawal's voucher's month, or the
/// day it was withdrawn when it has no voucher (a disbursement is the office's record).
fn withdrawn(side: &str, row: &str) -> String {
    format!(
        "JOIN subsidy_withdrawals w ON w.community_id = {row}.community_id AND w.side = '{side}' AND w.row_id = {row}.id
         LEFT JOIN vouchers wv ON wv.community_id = w.community_id AND wv.id = w.voucher_id"
    )
}

fn spending_sql() -> String {
    format!(
        "SELECT 'budget' AS measure, x.year * 100 + 1 AS period, {NO_DATE}, {NO_AT}, {NO_PERIOD} AS of_period,
                x.category AS d1, {NO_TEXT} AS d2, {NO_TEXT} AS d3, {NO_TEXT} AS d4, x.amount_fen AS value
         FROM budgets x WHERE x.community_id = $1 AND x.book_id = $2 AND x.year * 100 + 1 <= $3
         UNION ALL
         SELECT CASE x.kind WHEN 'revenue' THEN 'pr.revenue' WHEN 'split' THEN 'pr.share' ELSE 'pr.use' END, {NO_PERIOD}, x.on_date, {NO_AT}, {NO_PERIOD},
                CASE x.kind WHEN 'revenue' THEN x.source WHEN 'use' THEN x.detail ELSE {NO_TEXT} END, {NO_TEXT}, {NO_TEXT}, {NO_TEXT}, x.amount_fen
         FROM public_revenue_entries x WHERE x.community_id = $1 AND x.book_id = $2"
    )
}

fn subsidy_sql() -> String {
    let of_book = "JOIN subsidy_programs sp ON sp.community_id = x.community_id AND sp.id = x.program_id AND sp.book_id = $2";
    let standing = |measure: &str, table: &str, side: &str, date: &str| {
        format!(
            "SELECT '{measure}', {NO_PERIOD}, x.{date}, {NO_AT}, {NO_PERIOD}, sp.document_no, {NO_TEXT}, {NO_TEXT}, {NO_TEXT}, x.amount_fen
             FROM {table} x {of_book} WHERE x.community_id = $1
             UNION ALL
             SELECT '{measure}', wv.period, {NO_DATE}, w.withdrawn_at, {NO_PERIOD}, sp.document_no, {NO_TEXT}, {NO_TEXT}, {NO_TEXT}, -x.amount_fen
             FROM {table} x {withdrawn} {of_book} WHERE x.community_id = $1",
            withdrawn = withdrawn(side, "x"),
        )
    };
    format!(
        "SELECT 'sub.approved' AS measure, {NO_PERIOD} AS period, p.starts_on AS on_date, {NO_AT}, {NO_PERIOD} AS of_period,
                p.document_no AS d1, p.purpose AS d2, {NO_TEXT} AS d3, {NO_TEXT} AS d4, p.approved_fen AS value
         FROM subsidy_programs p WHERE p.community_id = $1 AND p.book_id = $2
         UNION ALL {disbursed}
         UNION ALL {received}
         UNION ALL
         SELECT 'sub.spent', v.period, {NO_DATE}, {NO_AT}, {NO_PERIOD}, sp.document_no, x.category, {NO_TEXT}, {NO_TEXT}, x.amount_fen
         FROM expenses x JOIN vouchers v ON v.community_id = x.community_id AND v.id = x.voucher_id {of_book}
         WHERE x.community_id = $1 AND v.period <= $3
         UNION ALL
         SELECT 'sub.spent', wv.period, {NO_DATE}, w.withdrawn_at, {NO_PERIOD}, sp.document_no, x.category, {NO_TEXT}, {NO_TEXT}, -x.amount_fen
         FROM expenses x {withdrawn} {of_book} WHERE x.community_id = $1
         UNION ALL
         SELECT 'sub.released', x.period, {NO_DATE}, {NO_AT}, {NO_PERIOD}, sp.document_no, {NO_TEXT}, {NO_TEXT}, {NO_TEXT}, x.amount_fen
         FROM subsidy_releases x {of_book} WHERE x.community_id = $1 AND x.period <= $3
         UNION ALL
         SELECT 'sub.refunded', {NO_PERIOD}, x.paid_on, {NO_AT}, {NO_PERIOD}, sp.document_no, {NO_TEXT}, {NO_TEXT}, {NO_TEXT}, x.amount_fen
         FROM subsidy_refunds x {of_book} WHERE x.community_id = $1",
        disbursed = standing("sub.disbursed", "subsidy_disbursements", "disbursement", "disbursed_on"),
        received = standing("sub.received", "subsidy_receipts", "receipt", "received_on"),
        withdrawn = withdrawn("spending", "x"),
    )
}

fn collective_sql() -> String {
    let voucher =
        |alias: &str, column: &str| format!("JOIN vouchers {alias} ON {alias}.community_id = x.community_id AND {alias}.id = x.{column}");
    let rows = |measure: &str, value: &str| {
        format!(
            "SELECT '{measure}', v.period, {NO_DATE}, {NO_AT}, {NO_PERIOD}, CAST(x.year AS TEXT), {NO_TEXT}, {NO_TEXT}, {NO_TEXT}, CAST({value} AS BIGINT)
             FROM distributions x {} JOIN member_rosters r ON r.community_id = x.community_id AND r.id = x.roster_id
             WHERE x.community_id = $1 AND x.book_id = $2 AND v.period <= $3",
            voucher("v", "voucher_id")
        )
    };
    format!(
        "SELECT 'col.transferred' AS measure, v.period AS period, {NO_DATE}, {NO_AT}, {NO_PERIOD} AS of_period,
                {NO_TEXT} AS d1, {NO_TEXT} AS d2, {NO_TEXT} AS d3, {NO_TEXT} AS d4, x.amount_fen AS value
         FROM profit_transfers x {transfer_voucher} WHERE x.community_id = $1 AND x.collective_book_id = $2 AND v.period <= $3
         UNION ALL {distributable} UNION ALL {reserve} UNION ALL {welfare} UNION ALL {members} UNION ALL {shares} UNION ALL {count}
         UNION ALL
         SELECT 'col.paid', v.period, {NO_DATE}, {NO_AT}, {NO_PERIOD}, CAST(d.year AS TEXT), {NO_TEXT}, {NO_TEXT}, {NO_TEXT}, d.members_fen
         FROM distribution_payments x {payment_voucher}
         JOIN distributions d ON d.community_id = x.community_id AND d.id = x.distribution_id
         WHERE x.community_id = $1 AND d.book_id = $2 AND v.period <= $3",
        transfer_voucher = voucher("v", "collective_voucher_id"),
        payment_voucher = voucher("v", "voucher_id"),
        distributable = rows("col.distributable", "x.distributable_fen"),
        reserve = rows("col.reserve", "x.reserve_fen"),
        welfare = rows("col.welfare", "x.welfare_fen"),
        members = rows("col.members", "x.members_fen"),
        shares = rows("col.shares", "r.total_shares"),
        count = rows("col.member_count", "r.members"),
    )
}

macro_rules! impl_facts_tx {
    ($tx_type:ty) => {
        impl FactsTx for $tx_type {
            async fn fee_facts(&mut self, book: BookKey, from: Period, to: Period) -> Result<Vec<FactRow>> {
                Ok(sqlx::query_as(&fee_sql())
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(to)
                    .bind(from)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn spending_facts(&mut self, book: BookKey, to: Period) -> Result<Vec<FactRow>> {
                Ok(sqlx::query_as(&spending_sql()).bind(book.community_id).bind(book.book_id).bind(to).fetch_all(&mut *self.tx).await?)
            }

            async fn subsidy_facts(&mut self, book: BookKey, to: Period) -> Result<Vec<FactRow>> {
                Ok(sqlx::query_as(&subsidy_sql()).bind(book.community_id).bind(book.book_id).bind(to).fetch_all(&mut *self.tx).await?)
            }

            async fn reconciliation_facts(&mut self, book: BookKey, as_of: DateTime<Utc>) -> Result<Vec<ReconciliationFact>> {
                let signed = |side: &str| {
                    format!(
                        "EXISTS (SELECT 1 FROM reconciliation_signoffs s WHERE s.community_id = $1 AND s.reconciliation_id = r.id \
                         AND s.side = '{side}' AND s.signed_at <= $3)"
                    )
                };
                let sql = format!(
                    "SELECT p.document_no, r.id, r.until_on, {} AS company, {} AS office FROM reconciliations r
                     JOIN subsidy_programs p ON p.community_id = r.community_id AND p.id = r.program_id
                     WHERE r.community_id = $1 AND p.community_id = $1 AND p.book_id = $2 AND r.created_at <= $3 ORDER BY r.id",
                    signed("company"),
                    signed("finance_office")
                );
                Ok(sqlx::query_as(&sql).bind(book.community_id).bind(book.book_id).bind(as_of).fetch_all(&mut *self.tx).await?)
            }

            async fn collective_facts(&mut self, book: BookKey, to: Period) -> Result<Vec<FactRow>> {
                Ok(sqlx::query_as(&collective_sql()).bind(book.community_id).bind(book.book_id).bind(to).fetch_all(&mut *self.tx).await?)
            }
        }
    };
}

impl_facts_tx!(SqliteTx);
impl_facts_tx!(PgTx);

/// The books a community's disclosures read.
pub struct Books<'a> {
    pub company: &'a crate::ledger::Book,
    pub collective: Option<&'a crate::ledger::Book>,
}

/// Every fact of the community's books up to the span's end; signatures and other timestamped
/// rows as they stood at `as_of` (the cut-off), so a recomputation later gives the same facts.
/// The fee measures come with all their dimensions from `detail_from` on (what the formulas
/// need, `report::engine::Table::fee_detail_from`), and by building before it, from the
/// maintained figures, which give the same sums without reading every bill of the book.
pub async fn gather<S: crate::disclosure::store::DisclosureStore>(
    store: &S,
    books: &Books<'_>,
    company_balances: &crate::report::Balances,
    span: Span,
    detail_from: Option<Period>,
    as_of: DateTime<Utc>,
) -> Result<Facts> {
    let mut tx = store.read().await?;
    let company = books.company.key();
    // Receipts and voids are read for every month either way; no formula needs details of
    // months after the span.
    let detail_from = detail_from.unwrap_or(span.to.next());
    let mut rows = tx.fee_facts(company, detail_from, span.to).await?;
    let before: Vec<crate::fees::rows::FlowRow> =
        tx.flows(company, Some(span.to)).await?.into_iter().filter(|f| f.event_period < detail_from).collect();
    rows.extend(tx.spending_facts(company, span.to).await?);
    rows.extend(tx.subsidy_facts(company, span.to).await?);
    let reconciliations = tx.reconciliation_facts(company, as_of).await?;
    let (items, standards) = (tx.fee_items(company).await?, tx.fee_standards(company).await?);
    if let Some(collective) = books.collective {
        rows.extend(tx.collective_facts(collective.key(), span.to).await?);
    }
    drop(tx);
    let mut facts = Facts::default();
    booked_spending(books.company, company_balances, span, &mut facts);
    // 明码标价: the standards in force on the period's last day.
    let last_day = span.to.last_day();
    for s in standards.iter().filter(|s| s.valid_from <= last_day && s.valid_until.is_none_or(|u| u > last_day)) {
        let Some(item) = items.iter().find(|i| i.id == s.fee_item_id) else { continue };
        let dims = vec![
            ("fee_item", item.name.clone()),
            ("target", s.target_label()),
            ("rate", format!("{} {}", s.rate_yuan, item.basis.label())),
            ("valid_from", s.valid_from.to_string()),
        ];
        facts.push("fee.standard", Fact { period: Period::of_date(s.valid_from), of: None, dims, value: 1 });
    }
    for row in rows {
        push(&mut facts, row, &reconciliations, span, as_of)?;
    }
    for f in before {
        let measure = match f.kind {
            crate::fees::rules::FlowKind::Billed => "fee.billed",
            crate::fees::rules::FlowKind::Paid => "fee.paid",
            crate::fees::rules::FlowKind::Waived => "fee.waived",
            crate::fees::rules::FlowKind::Cancelled => "fee.cancelled",
        };
        let fact = Fact { period: f.event_period, of: Some(f.bill_period), dims: vec![("building", f.building)], value: f.amount_fen };
        push_fee(&mut facts, measure, fact);
    }
    Ok(facts)
}

fn push(facts: &mut Facts, row: FactRow, reconciliations: &[ReconciliationFact], span: Span, as_of: DateTime<Utc>) -> Result<()> {
    let bad = || Error::invalid("公示数据", format!("{} 的期间无法解读", row.measure));
    let period = match (row.period, row.on_date, row.at) {
        (Some(p), _, _) => Period::from_key(p).ok_or_else(bad)?,
        (None, Some(d), _) => Period::of_date(d),
        (None, None, Some(at)) => {
            // A withdrawal without a voucher counts in the Beijing month it was made, and only
            // once it was made by the cut-off.
            if at > as_of {
                return Ok(());
            }
            Period::of_date(crate::domain::time::beijing_date(at))
        }
        _ => return Err(bad()),
    };
    if period > span.to {
        return Ok(());
    }
    let (measure, dims, _) = MEASURES
        .iter()
        .find(|(m, _, _)| *m == row.measure)
        .ok_or_else(|| Error::invalid("公示数据", format!("未知数据项 {}", row.measure)))?;
    let of = row.of_period.map(|p| Period::from_key(p).ok_or_else(bad)).transpose()?;
    let named: Vec<&'static str> = dims.iter().copied().filter(|d| *d != OF_DIM).collect();
    let mut values = vec![row.d1, row.d2, row.d3, row.d4].into_iter();
    let mut fact_dims: Vec<(&'static str, String)> = Vec::new();
    for name in named {
        let raw = values.next().flatten();
        let value = match (name, raw) {
            ("reconciliation", _) => reconciliation_text(&fact_dims, reconciliations, span),
            (_, Some(raw)) => label(name, raw),
            (_, None) => continue,
        };
        fact_dims.push((name, value));
    }
    push_fee(facts, measure, Fact { period, of, dims: fact_dims, value: row.value });
    Ok(())
}

/// Adds a fact, and for a fee measure its part of what is owed (billed less what settled it).
fn push_fee(facts: &mut Facts, measure: &'static str, fact: Fact) {
    if crate::report::facts::is_fee_measure(measure) {
        let owed = if measure == "fee.billed" { fact.value } else { -fact.value };
        facts.push("fee.owed", Fact { value: owed, ..fact.clone() });
    }
    facts.push(measure, fact);
}

/// Spending by service category as the books have it: each category's own cost account, month
/// by month, carry-forward vouchers left out (as 预算执行 reads it), so what a disclosure
/// shows is what was booked, whether through an expense or a voucher entered by hand.
fn booked_spending(book: &crate::ledger::Book, balances: &crate::report::Balances, span: Span, facts: &mut Facts) {
    if book.row.chart != "small_enterprise" {
        return;
    }
    for month in book.start_period().through(span.to) {
        let totals = balances.totals(book, month, month);
        for category in Category::ALL {
            let code = crate::ledger::account::AccountCode::parse(crate::spending::expense_account(book, category));
            let net = code.and_then(|c| totals.get(&c)).map_or(0, |t| t.net_without_carry_fen());
            if net != 0 {
                facts.push(
                    "expense.spent",
                    Fact { period: month, of: None, dims: vec![("category", category.label().to_string())], value: net },
                );
            }
        }
    }
}

/// The state of a program's latest reconciliation at the cut-off, as the disclosure prints it.
fn reconciliation_text(dims: &[(&'static str, String)], reconciliations: &[ReconciliationFact], span: Span) -> String {
    let program = dims.iter().find(|(d, _)| *d == "program").map(|(_, v)| v.as_str()).unwrap_or("");
    // A reconciliation covering months after the period is not the period's (until is exclusive).
    let end = span.to.next().first_day();
    match reconciliations.iter().rev().find(|r| r.0 == program && r.2 <= end) {
        None => "尚未对账".into(),
        Some((_, id, until, company, office)) => {
            format!("对账单 {id}（截至 {}）：{}", until.pred_opt().unwrap_or(*until), crate::subsidies::signoff_state(*company, *office))
        }
    }
}

/// A dimension's value as residents read it.
fn label(dim: &str, raw: String) -> String {
    match dim {
        "household_kind" => HouseholdKind::parse(&raw).map_or(raw, |k| k.label().to_string()),
        "unit_kind" if raw == "home" => "房屋".into(),
        "unit_kind" => HouseholdKind::parse(&raw).map_or(raw, |k| k.label().to_string()),
        "category" => Category::parse(&raw).map_or(raw, |c| c.label().to_string()),
        "method" => crate::fees::Method::parse(&raw).map_or(raw, |m| m.label().to_string()),
        "source" => crate::public_revenue::Source::parse(&raw).map_or(raw, |s| s.label().to_string()),
        _ => raw,
    }
}
