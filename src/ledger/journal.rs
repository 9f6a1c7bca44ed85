//! The journal as `verify` reads it, a page of posted vouchers at a time with their lines:
//! each engine's own fastest way to hand over a few thousand vouchers (`ledger::store`'s
//! `journal_page` calls the engine's).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::ids::{AccountId, BookKey, HouseholdId, VoucherId};
use crate::error::Result;
use crate::ledger::rows::{JournalVoucher, LineRow};

/// The one read that differs between the engines, because what is fast differs: sqlx's SQLite
/// driver pays per row and per value (a worker thread and a copy of each value), so SQLite
/// builds each page as two JSON documents; PostgreSQL's JSON functions are the slow part there,
/// and its binary rows are cheap. Both return the same vouchers.
pub(super) async fn sqlite_journal_page(
    tx: &mut sqlx::SqliteConnection,
    book: BookKey,
    after_seq: i64,
    until_seq: i64,
) -> Result<Vec<JournalVoucher>> {
    // Arrays follow the field order of JournalVoucher and LineRow. The arrays are not ordered
    // in the database (an ordered aggregate copies every row through a sorter, a tenth of
    // `verify`'s time) but here: the index gives them nearly in order already.
    let headers: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, chain_seq, period, number, voucher_date, kind, attachments, maker, reviewer, poster,
                                            reverses_id, prev_hash, hash, subledger_digest))
         FROM vouchers WHERE community_id = $4 AND book_id = $1 AND status = 'posted' AND chain_seq > $2 AND chain_seq <= $3",
    )
    .bind(book.book_id)
    .bind(after_seq)
    .bind(until_seq)
    .bind(book.community_id)
    .fetch_one(&mut *tx)
    .await?;
    let lines: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(l.voucher_id, l.line_no, l.summary, l.account_id, l.debit_fen, l.credit_fen, l.household_id,
                                            l.fee_item_id, l.subsidy_program_id, l.service_category, l.supplier_id, l.cash_flow_item))
         FROM vouchers v JOIN voucher_lines l ON l.community_id = v.community_id AND l.voucher_id = v.id
         WHERE v.community_id = $4 AND v.book_id = $1 AND v.status = 'posted' AND v.chain_seq > $2 AND v.chain_seq <= $3",
    )
    .bind(book.book_id)
    .bind(after_seq)
    .bind(until_seq)
    .bind(book.community_id)
    .fetch_one(&mut *tx)
    .await?;
    let unreadable = |e: serde_json::Error| crate::error::Error::invalid("账簿数据", format!("数据库返回的凭证无法解读：{e}"));
    let mut headers: Vec<JournalVoucher> = serde_json::from_str(&headers).map_err(unreadable)?;
    let lines: Vec<LineRow> = serde_json::from_str(&lines).map_err(unreadable)?;
    headers.sort_by_key(|v| v.chain_seq);
    Ok(attach_lines(headers, lines))
}

// PostgreSQL's rows are read as tuples: tuples decode by position; the named FromRow looks
// every column up by name, which costs more than the decoding itself at a million rows.

/// A voucher's header as PostgreSQL hands it over, in `JournalVoucher`'s field order.
type PgHeader = (
    VoucherId,
    i64,
    i64,
    i64,
    NaiveDate,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<VoucherId>,
    Option<String>,
    Option<String>,
    Option<String>,
);
/// A voucher's line as PostgreSQL hands it over, in `LineRow`'s field order.
type PgLine =
    (VoucherId, i64, String, AccountId, i64, i64, Option<HouseholdId>, Option<i64>, Option<i64>, Option<String>, Option<i64>, Option<i64>);

pub(super) async fn pg_journal_page(
    tx: &mut sqlx::PgConnection,
    book: BookKey,
    after_seq: i64,
    until_seq: i64,
) -> Result<Vec<JournalVoucher>> {
    let headers: Vec<PgHeader> = sqlx::query_as(
        "SELECT id, chain_seq, period, number, voucher_date, kind, attachments, maker, reviewer, poster, reverses_id, prev_hash, hash,
                subledger_digest
         FROM vouchers WHERE community_id = $4 AND book_id = $1 AND status = 'posted' AND chain_seq > $2 AND chain_seq <= $3 ORDER BY chain_seq",
    )
    .bind(book.book_id)
    .bind(after_seq)
    .bind(until_seq)
    .bind(book.community_id)
    .fetch_all(&mut *tx)
    .await?;
    let lines: Vec<PgLine> = sqlx::query_as(
        "SELECT l.voucher_id, l.line_no, l.summary, l.account_id, l.debit_fen, l.credit_fen, l.household_id, l.fee_item_id,
                l.subsidy_program_id, l.service_category, l.supplier_id, l.cash_flow_item
         FROM vouchers v JOIN voucher_lines l ON l.community_id = v.community_id AND l.voucher_id = v.id
         WHERE v.community_id = $4 AND v.book_id = $1 AND v.status = 'posted' AND v.chain_seq > $2 AND v.chain_seq <= $3 ORDER BY v.chain_seq, l.line_no",
    )
    .bind(book.book_id)
    .bind(after_seq)
    .bind(until_seq)
    .bind(book.community_id)
    .fetch_all(&mut *tx)
    .await?;
    let headers = headers.into_iter().map(pg_voucher).collect();
    let lines = lines.into_iter().map(pg_line).collect();
    Ok(attach_lines(headers, lines))
}

fn pg_voucher(h: PgHeader) -> JournalVoucher {
    JournalVoucher {
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
        subledger_digest: h.13,
        lines: Vec::new(),
    }
}

fn pg_line(l: PgLine) -> LineRow {
    LineRow {
        voucher_id: l.0,
        line_no: l.1,
        summary: l.2,
        account_id: l.3,
        debit_fen: l.4,
        credit_fen: l.5,
        household_id: l.6,
        fee_item_id: l.7.map(crate::domain::ids::FeeItemId),
        subsidy_program_id: l.8.map(crate::domain::ids::ProgramId),
        service_category: l.9,
        supplier_id: l.10.map(crate::domain::ids::SupplierId),
        cash_flow_item: l.11,
    }
}

/// Joins a page of headers (in chain order) and their lines (in any order) into vouchers,
/// each voucher's lines by line number.
fn attach_lines(mut vouchers: Vec<JournalVoucher>, lines: Vec<LineRow>) -> Vec<JournalVoucher> {
    let at: HashMap<VoucherId, usize> = vouchers.iter().enumerate().map(|(i, v)| (v.voucher_id, i)).collect();
    for line in lines {
        if let Some(&i) = at.get(&line.voucher_id) {
            vouchers[i].lines.push(line);
        }
    }
    for v in &mut vouchers {
        if !v.lines.is_sorted_by_key(|l| l.line_no) {
            v.lines.sort_by_key(|l| l.line_no);
        }
    }
    vouchers
}
