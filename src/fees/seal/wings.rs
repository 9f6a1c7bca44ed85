//! The rows of the wings added after the fee subledger (subsidies, expenses, public revenue,
//! the collective's transfer and distribution, fixed assets), sealed in the hash of the voucher
//! that names them as the fee rows are (DESIGN.md invariant 4).
//!
//! Each table is described once (`WING_TABLES`): the voucher column and the columns its rows
//! are sealed by. A row's content is the JSON array of those columns as the database renders
//! it, the same way the master-data chain records a version, so the writer and `verify` read
//! exactly the same bytes: a wing writes its rows under a staged voucher (`stage`), and
//! `seal_and_post` reads them back, hashes them into the voucher's digest and posts it, all in
//! the caller's transaction.

use chrono::Utc;

use crate::domain::ids::VoucherId;
use crate::error::{Error, Result};
use crate::fees::seal::store::{stored_rows, SealTx};
use crate::ledger::store::LedgerTx;
use crate::ledger::{check_person, check_user, insert_draft, post_reviewed, ApprovedVoucher, Book, Posted};

/// A table whose rows are sealed in a voucher's hash. `from` names the table as `t` (and what
/// it joins); `voucher` is the column that names the voucher; `order` the order rows are
/// hashed in, unique within a voucher.
pub struct WingTable {
    pub tag: &'static str,
    pub from: &'static str,
    pub voucher: &'static str,
    pub columns: &'static str,
    pub order: &'static str,
    /// What a finding calls its rows.
    pub label: &'static str,
}

const fn table(
    tag: &'static str,
    from: &'static str,
    voucher: &'static str,
    columns: &'static str,
    order: &'static str,
    label: &'static str,
) -> WingTable {
    WingTable { tag, from, voucher, columns, order, label }
}

/// Every column but timestamps (whose text differs between drivers) and database ids given at
/// insert, which other rows name instead.
pub const WING_TABLES: &[WingTable] = &[
    table(
        "subsidy_receipt",
        "subsidy_receipts t",
        "t.voucher_id",
        "t.program_id, t.received_on, t.amount_fen, t.reference, t.bank_account, t.recorded_by",
        "t.id",
        "补贴到账",
    ),
    table(
        "expense",
        "expenses t",
        "t.voucher_id",
        "t.book_id, t.spent_on, t.category, t.supplier, t.summary, t.amount_fen, t.payable, t.program_id, t.recorded_by",
        "t.id",
        "支出",
    ),
    table("expense_payment", "expense_payments t", "t.voucher_id", "t.expense_id, t.paid_on, t.paid_by", "t.expense_id", "支出付款"),
    table("subsidy_withdrawal", "subsidy_withdrawals t", "t.voucher_id", "t.side, t.row_id, t.reason, t.withdrawn_by", "t.side, t.row_id", "撤回"),
    table("subsidy_release", "subsidy_releases t", "t.voucher_id", "t.program_id, t.period, t.amount_fen", "t.program_id, t.period", "补贴结转"),
    table(
        "release_takeback",
        "subsidy_release_takebacks t",
        "t.voucher_id",
        "t.program_id, t.side, t.row_id, t.period, t.amount_fen",
        "t.program_id, t.side, t.row_id, t.period",
        "结转冲回",
    ),
    table(
        "subsidy_settlement",
        "subsidy_settlements t",
        "t.voucher_id",
        "t.program_id, t.kind, t.amount_fen, t.decision, t.settled_on, t.settled_by",
        "t.program_id, t.kind",
        "补贴清算",
    ),
    table("subsidy_refund", "subsidy_refunds t", "t.voucher_id", "t.program_id, t.amount_fen, t.paid_on, t.paid_by", "t.program_id, t.paid_on", "补贴退回"),
    table(
        "public_revenue",
        "public_revenue_entries t",
        "t.voucher_id",
        "t.book_id, t.kind, t.source, t.on_date, t.period, t.amount_fen, t.detail, t.recorded_by",
        "t.id",
        "公共收益",
    ),
    table(
        "profit_transfer_out",
        "profit_transfers t",
        "t.company_voucher_id",
        "t.year, t.company_book_id, t.collective_book_id, t.amount_fen, t.transferred_by",
        "t.year",
        "利润上交",
    ),
    table(
        "profit_transfer_in",
        "profit_transfers t",
        "t.collective_voucher_id",
        "t.year, t.company_book_id, t.collective_book_id, t.amount_fen, t.transferred_by",
        "t.year",
        "利润上交",
    ),
    table(
        "distribution",
        "distributions t",
        "t.voucher_id",
        "t.book_id, t.year, t.roster_id, t.distributable_fen, t.reserve_bp, t.welfare_bp, t.reserve_fen, t.welfare_fen, t.members_fen, t.created_by",
        "t.id",
        "收益分配",
    ),
    table(
        "distribution_line",
        "distribution_lines t JOIN distributions d ON d.community_id = t.community_id AND d.id = t.distribution_id",
        "d.voucher_id",
        "t.distribution_id, t.seq, t.member_no, t.name, t.household, t.shares, t.amount_fen",
        "t.distribution_id, t.seq",
        "分配明细",
    ),
    table("distribution_payment", "distribution_payments t", "t.voucher_id", "t.distribution_id, t.paid_on, t.paid_by", "t.distribution_id", "分配发放"),
    table("depreciation_run", "asset_depreciation_runs t", "t.voucher_id", "t.book_id, t.period, t.amount_fen, t.created_by", "t.period", "计提折旧"),
    table("depreciation", "asset_depreciations t", "t.voucher_id", "t.asset_id, t.period, t.amount_fen", "t.asset_id, t.period", "资产折旧"),
    table(
        "asset_disposal",
        "asset_disposals t",
        "t.voucher_id",
        "t.asset_id, t.disposed_on, t.accumulated_fen, t.proceeds_fen, t.reason, t.disposed_by",
        "t.asset_id",
        "资产处置",
    ),
    table(
        "asset_release",
        "asset_subsidy_releases t",
        "t.voucher_id",
        "t.asset_id, t.program_id, t.period, t.kind, t.amount_fen",
        "t.asset_id, t.period, t.kind",
        "资产补助结转",
    ),
];

/// One sealed row of a wing: its table's tag and its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WingRow {
    pub tag: &'static str,
    pub content: String,
}

/// The one statement reading every wing table's rows of a book's vouchers with `$3 <= voucher
/// < $4`: (the table's place in `WING_TABLES`, voucher, content), table by table, each in the
/// order hashed. One statement, not one a table: posting a voucher reads them all, and on
/// Citus each statement is a round trip through the coordinator. The numbering is partitioned
/// by community (one here) so that Citus sends the whole statement to the community's shard
/// instead of running each table's part apart. `json_open`/`json_close` build the engine's
/// JSON array.
pub fn wings_sql(json_open: &str, json_close: &str) -> String {
    let branches: Vec<String> = WING_TABLES
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "SELECT CAST({i} AS BIGINT) AS k, {voucher} AS voucher_id, {json_open}{columns}{json_close} AS content,
                        ROW_NUMBER() OVER (PARTITION BY t.community_id ORDER BY {voucher}, {order}) AS n
                 FROM {from} JOIN vouchers v ON v.community_id = t.community_id AND v.id = {voucher}
                 WHERE t.community_id = $1 AND v.book_id = $2 AND {voucher} >= $3 AND {voucher} < $4",
                voucher = t.voucher,
                columns = t.columns,
                from = t.from,
                order = t.order,
            )
        })
        .collect();
    format!("SELECT k, voucher_id, content FROM ({}) rows ORDER BY k, n", branches.join(" UNION ALL "))
}

/// Writes `voucher` as a reviewed draft for a wing to write its rows under (they name the id
/// returned); `seal_and_post` then posts it. Checked as `post_approved` checks a voucher.
pub async fn stage<T: LedgerTx>(tx: &mut T, book: &Book, voucher: &ApprovedVoucher) -> Result<VoucherId> {
    check_user("制单人", &voucher.maker)?;
    check_user("审核人", &voucher.reviewer)?;
    if voucher.maker == voucher.reviewer {
        return Err(Error::SelfReview { user: voucher.reviewer.clone() });
    }
    voucher.input.check(voucher.kind, &book.chart)?;
    // A generated voucher carries its 现金流量项目 where its counterparts decide one.
    let stamped = crate::ledger::cash_flow::stamp(book, &voucher.input)?;
    let input = stamped.as_ref().unwrap_or(&voucher.input);
    let id = insert_draft(tx, book, &voucher.maker, input, voucher.kind, voucher.reverses_id).await?;
    tx.set_reviewed(book.key(), id, &voucher.reviewer, Utc::now()).await?;
    Ok(id)
}

/// Posts staged voucher `voucher_id` as `poster`, its digest computed from every row that names
/// it (the fee subledger's and the wings'), read back in the caller's transaction.
pub async fn seal_and_post<T: LedgerTx + SealTx>(tx: &mut T, book: &Book, voucher_id: VoucherId, poster: &str) -> Result<Posted> {
    let poster = check_person("记账人", poster)?;
    let rows = stored_rows(tx, book.key(), voucher_id.0, voucher_id.0 + 1, true).await?.remove(&voucher_id).unwrap_or_default();
    let v = tx.voucher(book.key(), voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{voucher_id}")))?;
    post_reviewed(tx, book, &v, poster, &rows.digest()).await
}
