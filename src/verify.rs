//! `mingzhang verify`: re-checks, from the stored rows alone, every invariant of DESIGN.md
//! section 3 that the ledger core covers, and names each failure precisely. It reads the journal
//! in pages, so its memory stays flat however large the book is.

use std::collections::{BTreeMap, HashMap};

use crate::domain::money::Fen;
use crate::domain::voucher::{voucher_label, VoucherKind};
use crate::error::Result;
use crate::ledger::{genesis_of, load_book, period_text, seal_hash, Book, SealHeader};
use crate::store::{JournalRow, LineRow, Store, Tx};

/// Vouchers read per page: big enough to amortise the query, small enough for flat memory.
const VOUCHERS_PER_PAGE: i64 = 20_000;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    pub community: String,
    pub book: String,
    /// Which invariant of DESIGN.md section 3 is broken (1–8).
    pub invariant: u8,
    pub message: String,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct VerifyReport {
    pub books: usize,
    pub vouchers: i64,
    pub lines: i64,
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifies every book of every community in the store.
pub async fn verify_all<S: Store>(store: &S) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let mut tx = store.begin().await?;
    for community in tx.communities().await? {
        for book_row in tx.books(community.id).await? {
            let book = load_book(&mut tx, community.id, &book_row.code).await?;
            let mut findings = Vec::new();
            let (vouchers, lines) = verify_book(&mut tx, &book, &mut |invariant, message| {
                findings.push(Finding { community: community.name.clone(), book: book.row.code.clone(), invariant, message })
            })
            .await?;
            report.books += 1;
            report.vouchers += vouchers;
            report.lines += lines;
            report.findings.extend(findings);
        }
    }
    Ok(report)
}

struct PeriodState {
    last_number: i64,
}

/// Checks one book; calls `fail(invariant, message)` for each finding. Returns (vouchers, lines).
pub async fn verify_book<T: Tx>(tx: &mut T, book: &Book, fail: &mut impl FnMut(u8, String)) -> Result<(i64, i64)> {
    let periods = tx.periods(book.id()).await?;
    let opening = tx.opening_balances(book.id()).await?;
    let maintained = tx.balances(book.id()).await?;
    let current = tx.books(book.row.community_id).await?.into_iter().find(|b| b.id == book.id());

    let opening_sum: i64 = opening.iter().map(|o| o.balance_fen).sum();
    if opening_sum != 0 {
        fail(1, format!("期初余额不平：借贷差额 {}", Fen(opening_sum)));
    }
    for o in &opening {
        if !book.account_by_id(o.account_id).is_some_and(|a| a.is_leaf) {
            fail(1, format!("期初余额记在非末级或不存在的科目 {}", book.code_of(o.account_id)));
        }
    }

    let mut head = genesis_of(book, &opening);
    let mut expected_seq = 1i64;
    let mut vouchers = 0i64;
    let mut line_count = 0i64;
    let mut recomputed: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
    let mut per_period: BTreeMap<i64, PeriodState> = BTreeMap::new();
    // Chain length at each close → the periods closed at that length and the head they recorded.
    let mut close_at: HashMap<i64, Vec<(i64, Option<String>)>> = HashMap::new();
    for p in periods.iter().filter(|p| p.status == "closed") {
        close_at.entry(p.chain_len_at_close.unwrap_or(0)).or_default().push((p.period, p.chain_head_at_close.clone()));
    }
    let closed_len: HashMap<i64, i64> =
        periods.iter().filter(|p| p.status == "closed").map(|p| (p.period, p.chain_len_at_close.unwrap_or(0))).collect();
    // A period closed before any voucher was posted records the genesis as its head.
    for (period, recorded) in close_at.get(&0).into_iter().flatten() {
        if recorded.as_deref() != Some(head.as_str()) {
            fail(4, format!("{} 结账时记录的链头与账套起点不符", period_text(*period)));
        }
    }

    let mut after_seq = 0i64;
    loop {
        let page = tx.journal_page(book.id(), after_seq, VOUCHERS_PER_PAGE).await?;
        if page.is_empty() {
            break;
        }
        let mut start = 0;
        while start < page.len() {
            let id = page[start].voucher_id;
            let end = page[start..].iter().position(|r| r.voucher_id != id).map_or(page.len(), |n| start + n);
            let rows = &page[start..end];
            start = end;
            let v = &rows[0];
            let label = format!("{} {}", period_text(v.period), voucher_label(v.number));
            vouchers += 1;
            line_count += rows.len() as i64;
            after_seq = v.chain_seq;

            if v.chain_seq != expected_seq {
                fail(4, format!("哈希链在第 {expected_seq} 环断开：下一张已记账凭证是第 {} 环（{label}），其间的凭证被删除", v.chain_seq));
            }
            expected_seq = v.chain_seq + 1;
            if v.prev_hash.as_deref() != Some(head.as_str()) {
                fail(4, format!("凭证 {label} 的前链哈希与上一张不符：链在此处被改动"));
            }
            let lines: Vec<LineRow> = rows.iter().map(line_of).collect();
            let header = SealHeader {
                book_id: book.id(),
                chain_seq: v.chain_seq,
                period: v.period,
                number: v.number,
                date: v.voucher_date,
                kind: &v.kind,
                attachments: v.attachments,
                maker: &v.maker,
                reviewer: v.reviewer.as_deref().unwrap_or(""),
                poster: v.poster.as_deref().unwrap_or(""),
                reverses_id: v.reverses_id,
            };
            let expected_hash = seal_hash(&header, &lines, book, v.prev_hash.as_deref().unwrap_or(""));
            if v.hash.as_deref() != Some(expected_hash.as_str()) {
                fail(4, format!("凭证 {label} 的内容与其哈希不符：记账后被改动"));
            }
            head = v.hash.clone().unwrap_or_default();
            for (period, recorded) in close_at.get(&v.chain_seq).into_iter().flatten() {
                if recorded.as_deref() != Some(head.as_str()) {
                    fail(4, format!("{} 结账时记录的链头与链上第 {} 环不符", period_text(*period), v.chain_seq));
                }
            }

            check_voucher_lines(book, &label, v, &lines, fail);
            if let Some(len_at_close) = closed_len.get(&v.period) {
                if v.chain_seq > *len_at_close {
                    fail(3, format!("凭证 {label} 在 {} 结账后记入该期间", period_text(v.period)));
                }
            }
            let state = per_period.entry(v.period).or_insert(PeriodState { last_number: 0 });
            if v.number != state.last_number + 1 {
                fail(
                    3,
                    format!(
                        "{} 凭证号不连续：{} 之后是 {}",
                        period_text(v.period),
                        voucher_label(state.last_number),
                        voucher_label(v.number)
                    ),
                );
            }
            state.last_number = v.number;
            for l in &lines {
                let e = recomputed.entry((l.account_id, v.period)).or_default();
                e.0 += l.debit_fen;
                e.1 += l.credit_fen;
            }
        }
    }

    for p in &periods {
        let last = per_period.get(&p.period).map_or(0, |s| s.last_number);
        if last != p.vouchers_posted {
            fail(3, format!("{} 的凭证计数器为 {}，但已记账凭证号到 {}", period_text(p.period), p.vouchers_posted, last));
        }
    }
    if let Some(current) = current {
        if current.chain_len != vouchers {
            fail(4, format!("账套记录的链长为 {}，实际已记账凭证 {} 张", current.chain_len, vouchers));
        }
        if current.chain_head != head {
            fail(4, "账套记录的链头与重算的链头不符".to_string());
        }
    }

    // Maintained balances against the recomputation, both ways.
    let mut per_period_totals: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for b in &maintained {
        let t = per_period_totals.entry(b.period).or_default();
        t.0 += b.debit_fen;
        t.1 += b.credit_fen;
        let (d, c) = recomputed.remove(&(b.account_id, b.period)).unwrap_or((0, 0));
        if (d, c) != (b.debit_fen, b.credit_fen) {
            fail(
                1,
                format!(
                    "科目 {} 在 {} 的余额表记录为借 {} 贷 {}，由分录重算为借 {} 贷 {}",
                    book.code_of(b.account_id),
                    period_text(b.period),
                    Fen(b.debit_fen),
                    Fen(b.credit_fen),
                    Fen(d),
                    Fen(c)
                ),
            );
        }
    }
    for ((account_id, period), (d, c)) in recomputed {
        if d != 0 || c != 0 {
            fail(
                1,
                format!("科目 {} 在 {} 有分录（借 {} 贷 {}）但余额表无记录", book.code_of(account_id), period_text(period), Fen(d), Fen(c)),
            );
        }
    }
    // The trial balance sums to zero, per period and overall.
    let mut total = opening_sum;
    for (period, (d, c)) in &per_period_totals {
        if d != c {
            fail(1, format!("{} 试算不平：本期借方 {}，贷方 {}", period_text(*period), Fen(*d), Fen(*c)));
        }
        total += d - c;
    }
    if total != 0 {
        fail(1, format!("试算不平：全部余额合计差额 {}", Fen(total)));
    }
    Ok((vouchers, line_count))
}

fn check_voucher_lines(book: &Book, label: &str, v: &JournalRow, lines: &[LineRow], fail: &mut impl FnMut(u8, String)) {
    if lines.len() < 2 {
        fail(1, format!("凭证 {label} 只有 {} 条分录", lines.len()));
    }
    let kind = VoucherKind::parse(&v.kind);
    let debit: i64 = lines.iter().map(|l| l.debit_fen).sum();
    let credit: i64 = lines.iter().map(|l| l.credit_fen).sum();
    if debit != credit {
        fail(1, format!("凭证 {label} 借贷不平：借方 {}，贷方 {}", Fen(debit), Fen(credit)));
    }
    for l in lines {
        match book.account_by_id(l.account_id) {
            Some(a) if a.is_leaf => {}
            _ => fail(1, format!("凭证 {label} 第 {} 条分录记在非末级或不存在的科目 {}", l.line_no, book.code_of(l.account_id))),
        }
        let amount = l.debit_fen + l.credit_fen;
        let sign_ok = match kind {
            Some(VoucherKind::Reversal) => amount < 0,
            _ => amount > 0,
        };
        if (l.debit_fen != 0) == (l.credit_fen != 0) || !sign_ok {
            fail(1, format!("凭证 {label} 第 {} 条分录金额不合规则（借 {} 贷 {}）", l.line_no, Fen(l.debit_fen), Fen(l.credit_fen)));
        }
    }
}

fn line_of(r: &JournalRow) -> LineRow {
    LineRow {
        voucher_id: r.voucher_id,
        line_no: r.line_no,
        summary: r.summary.clone(),
        account_id: r.account_id,
        debit_fen: r.debit_fen,
        credit_fen: r.credit_fen,
        household_id: r.household_id,
        fee_item_id: r.fee_item_id,
        subsidy_program_id: r.subsidy_program_id,
        service_category: r.service_category.clone(),
        supplier_id: r.supplier_id,
    }
}
