//! `mingzhang verify`: re-checks, from the stored rows alone, every invariant of DESIGN.md
//! section 3 that the ledger core covers, and names each failure precisely.
//!
//! The chain is read in pages, so memory stays flat however large the book is, and in
//! contiguous segments read at once on separate connections, one per core: each segment checks
//! its own links, and the merge checks the links between segments. Every voucher's hash is
//! recomputed from its lines either way.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::ids::{AccountId, VoucherId};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::account::{AccountCode, Side};
use crate::ledger::cash_flow::store::{CashFlowRow, CashFlowTx};
use crate::ledger::cash_flow::{self, CashFlowRules};
use crate::ledger::rows::{BalanceRow, JournalVoucher, LineRow, OpeningRow, PeriodRow};
use crate::ledger::store::LedgerStore;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{red_ink_allowed, voucher_label, VoucherKind};
use crate::ledger::voucher::{PeriodStatus, SealHeader};
use crate::ledger::{genesis_of, period_text, seal_hash, Book};

/// Vouchers read per page: big enough to amortise the query, small enough for flat memory.
const VOUCHERS_PER_PAGE: i64 = 10_000;
/// Below this many vouchers one segment is quicker than starting several.
const VOUCHERS_PER_SEGMENT_MIN: i64 = 50_000;

/// Where the book's periods were closed: chain length at each close → (period, recorded head).
type CloseMarks = HashMap<i64, Vec<(i64, Option<String>)>>;

/// What one segment of the chain found and what the merge needs to join it to its neighbours.
#[derive(Default)]
struct Segment {
    findings: Vec<(u8, String)>,
    vouchers: i64,
    lines: i64,
    /// (account, period) → (debit, credit), recomputed from the lines.
    movements: HashMap<(AccountId, i64), (i64, i64)>,
    /// (period, item) → net cash in, recomputed from the lines (`cash_flow::posted_flows`).
    cash_flows: BTreeMap<(i64, u32), i64>,
    /// period → (first, last) voucher number seen in this segment.
    numbers: BTreeMap<i64, (i64, i64)>,
    /// (chain_seq, prev_hash, label) of the first voucher; (chain_seq, hash) of the last.
    first: Option<(i64, String, String)>,
    last: Option<(i64, String)>,
    /// The last voucher without a subledger seal (posted before migration 0018) and the first
    /// with one: every unsealed voucher must come before every sealed one.
    last_unsealed: Option<(i64, String)>,
    first_sealed: Option<i64>,
}

/// Checks one book; calls `fail(invariant, message)` for each finding. Returns (vouchers, lines).
pub async fn verify_book<S: LedgerStore>(store: &S, book: &Book, fail: &mut impl FnMut(u8, String)) -> Result<(i64, i64)> {
    let (periods, opening, maintained, current, max_seq, kept_cash_flows) = {
        let mut tx = store.read().await?;
        let current = tx.books(book.row.community_id).await?.into_iter().find(|b| b.id == book.id());
        // A book whose cash-flow sums are still to be built from the journal has none to check.
        let kept_cash_flows = if tx.cash_flows_built(book.key()).await? { Some(tx.cash_flows(book.key()).await?) } else { None };
        (
            tx.periods(book.key()).await?,
            tx.opening_balances(book.key()).await?,
            tx.balances(book.key()).await?,
            current,
            tx.max_chain_seq(book.key()).await?,
            kept_cash_flows,
        )
    };
    // Read up to the last voucher actually stored, which is past the recorded length if
    // someone appended to the chain behind the ledger's back.
    let chain_len = current.as_ref().map_or(0, |b| b.chain_len).max(max_seq);
    check_opening(book, &opening, fail);
    // Opening balances on an account the book lacks were named above; the chain then cannot
    // start from a known genesis, and its first link is reported as broken.
    let genesis = genesis_of(book, &opening).unwrap_or_default();
    let close_marks = close_marks(&periods, &genesis, fail);
    let closed_len: HashMap<i64, i64> =
        periods.iter().filter(|p| p.status == PeriodStatus::Closed).map(|p| (p.period.key(), p.chain_len_at_close.unwrap_or(0))).collect();
    let tasks = spawn_segments(store, book, chain_len, Arc::new(close_marks), Arc::new(closed_len));
    let merged = merge_segments(tasks, genesis, fail).await?;
    if let (Some((seq, label)), Some(first_sealed)) = (&merged.last_unsealed, merged.first_sealed) {
        if *seq > first_sealed {
            fail(4, format!("凭证 {label}（第 {seq} 环）没有子账封存，而第 {first_sealed} 环已有：封存被删除"));
        }
    }
    for p in &periods {
        let last = merged.last_number.get(&p.period.key()).copied().unwrap_or(0);
        if last != p.vouchers_posted {
            fail(3, format!("{} 的凭证计数器为 {}，但已记账凭证号到 {}", p.period, p.vouchers_posted, last));
        }
    }
    if let Some(current) = current {
        if current.chain_len != merged.vouchers {
            fail(4, format!("账套记录的链长为 {}，实际已记账凭证 {} 张", current.chain_len, merged.vouchers));
        }
        if current.chain_head != merged.head {
            fail(4, "账套记录的链头与重算的链头不符".to_string());
        }
    }
    check_balances(book, &opening, &maintained, merged.movements, fail);
    if let Some(kept) = kept_cash_flows {
        check_cash_flows(&kept, merged.cash_flows, fail);
    }
    for breach in side_breaches(book, &opening, &maintained) {
        fail(1, breach);
    }
    Ok((merged.vouchers, merged.lines))
}

/// Accounts whose balance never crosses to the other side, by chart: cash on hand is never
/// owed (库存现金 in credit means a payment out of cash the till never had), and deferred grant
/// income is never ahead of the grants received (递延收益 in debit means more was released than
/// received, 小企业会计准则 第62条). Posting refuses a voucher that would do it
/// (`refuse_side_breach`); verify names any that did.
pub(crate) const ONE_SIDED: &[(&str, &str, &str)] = &[
    ("small_enterprise", "1001", "库存现金不能为贷方余额"),
    ("small_enterprise", "240101", "递延收益不能为借方余额：结转的补贴超过了到账的补贴"),
    ("rural_collective", "101", "库存现金不能为贷方余额"),
];

/// The book's one-sided accounts: (code, account, rule).
fn one_sided(book: &Book) -> impl Iterator<Item = (&'static str, &crate::ledger::account::Account, &'static str)> + '_ {
    ONE_SIDED
        .iter()
        .filter(|(chart, _, _)| *chart == book.row.chart)
        .filter_map(|(_, code, rule)| AccountCode::parse(code).and_then(|c| book.chart.get(&c)).map(|a| (*code, a, *rule)))
}

/// Each one-sided account's closing balance at every month end, from its opening and its
/// maintained movements, on its normal side (pure): what crosses, said as a finding.
pub(crate) fn side_breaches(book: &Book, opening: &[OpeningRow], maintained: &[BalanceRow]) -> Vec<String> {
    let mut out = Vec::new();
    for (code, account, rule) in one_sided(book) {
        let under = |id: AccountId| book.code_of(id).is_ok_and(|c| c.starts_with(code));
        let mut debit_balance: i64 = opening.iter().filter(|o| under(o.account_id)).map(|o| o.balance_fen).sum();
        let mut by_period: BTreeMap<i64, i64> = BTreeMap::new();
        for b in maintained.iter().filter(|b| under(b.account_id)) {
            *by_period.entry(b.period.key()).or_default() += b.debit_fen - b.credit_fen;
        }
        for (period, movement) in by_period {
            debit_balance += movement;
            let normal = account.normal_side.signed(debit_balance);
            if normal < 0 {
                let side = if account.normal_side == Side::Debit { "贷方" } else { "借方" };
                out.push(format!("科目 {code} {} 在 {} 末为{side}余额 {}：{rule}", account.name, period_text(period), Fen(-normal)));
            }
        }
    }
    out
}

/// Refuses, inside the posting transaction, movements that turn a one-sided account to its
/// other side in any month from theirs on. Only a movement against an account's normal side
/// can, so the balances are read only then (a payment into cash never reads them).
pub(crate) async fn refuse_side_breach<T: LedgerTx>(tx: &mut T, book: &Book, deltas: &[BalanceRow]) -> Result<()> {
    let against = deltas.iter().any(|d| {
        let code = book.code_of(d.account_id).unwrap_or_default();
        one_sided(book).any(|(prefix, a, _)| code.starts_with(prefix) && a.normal_side.signed(d.debit_fen - d.credit_fen) < 0)
    });
    if !against {
        return Ok(());
    }
    let (opening, maintained) = (tx.opening_balances(book.key()).await?, tx.balances(book.key()).await?);
    match side_breaches(book, &opening, &maintained).into_iter().next() {
        Some(breach) => Err(Error::invalid("余额方向", breach)),
        None => Ok(()),
    }
}

/// Opening balances balance and sit on leaf accounts.
fn check_opening(book: &Book, opening: &[OpeningRow], fail: &mut impl FnMut(u8, String)) {
    let opening_sum: i64 = opening.iter().map(|o| o.balance_fen).sum();
    if opening_sum != 0 {
        fail(1, format!("期初余额不平：借贷差额 {}", Fen(opening_sum)));
    }
    for o in opening {
        if !book.account_by_id(o.account_id).is_some_and(|a| a.is_leaf) {
            fail(1, format!("期初余额记在非末级或不存在的科目 {}", book.code_or_id(o.account_id)));
        }
    }
}

/// Where the periods were closed, by chain length; a period closed before anything was posted
/// must have recorded the genesis as its head.
fn close_marks(periods: &[PeriodRow], genesis: &str, fail: &mut impl FnMut(u8, String)) -> CloseMarks {
    let mut close_marks: CloseMarks = HashMap::new();
    for p in periods.iter().filter(|p| p.status == PeriodStatus::Closed) {
        close_marks.entry(p.chain_len_at_close.unwrap_or(0)).or_default().push((p.period.key(), p.chain_head_at_close.clone()));
    }
    for (period, recorded) in close_marks.get(&0).into_iter().flatten() {
        if recorded.as_deref() != Some(genesis) {
            fail(4, format!("{} 结账时记录的链头与账套起点不符", period_text(*period)));
        }
    }
    close_marks
}

/// Contiguous ranges of the chain, one task each.
fn spawn_segments<S: LedgerStore>(
    store: &S,
    book: &Book,
    chain_len: i64,
    close_marks: Arc<CloseMarks>,
    closed_len: Arc<HashMap<i64, i64>>,
) -> Vec<tokio::task::JoinHandle<Result<Segment>>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    // Three segments per core: while some wait for their next page from the database, others
    // hash the pages they have (measured best on the 2-core reference machine).
    let count = (chain_len / VOUCHERS_PER_SEGMENT_MIN).clamp(1, 3 * cores);
    let size = (chain_len / count).max(1);
    (0..count)
        .map(|k| {
            let after = k * size;
            let until = if k == count - 1 { chain_len } else { (k + 1) * size };
            let (store, book, marks, closed) = (store.clone(), book.clone(), close_marks.clone(), closed_len.clone());
            tokio::spawn(async move { verify_segment(store, book, after, until, marks, closed).await })
        })
        .collect()
}

/// What the segments found together, joined in chain order.
struct Merged {
    vouchers: i64,
    lines: i64,
    head: String,
    /// (account, period) → (debit, credit), recomputed from the lines.
    movements: HashMap<(AccountId, i64), (i64, i64)>,
    cash_flows: BTreeMap<(i64, u32), i64>,
    /// period → the last voucher number seen.
    last_number: BTreeMap<i64, i64>,
    last_unsealed: Option<(i64, String)>,
    first_sealed: Option<i64>,
}

/// Joins the segments in chain order, checking the links and numbers between them.
async fn merge_segments(
    tasks: Vec<tokio::task::JoinHandle<Result<Segment>>>,
    genesis: String,
    fail: &mut impl FnMut(u8, String),
) -> Result<Merged> {
    let mut m = Merged {
        vouchers: 0,
        lines: 0,
        head: genesis,
        movements: HashMap::new(),
        cash_flows: BTreeMap::new(),
        last_number: BTreeMap::new(),
        last_unsealed: None,
        first_sealed: None,
    };
    let mut next_seq = 1;
    for task in tasks {
        let segment = task.await.map_err(|e| crate::error::Error::Conflict(format!("校验任务失败：{e}")))??;
        for (invariant, message) in segment.findings {
            fail(invariant, message);
        }
        if let Some((seq, prev_hash, label)) = &segment.first {
            if *seq != next_seq {
                fail(4, format!("哈希链在第 {next_seq} 环断开：下一张已记账凭证是第 {seq} 环（{label}），其间的凭证被删除"));
            }
            if *prev_hash != m.head {
                fail(4, format!("凭证 {label} 的前链哈希与上一张不符：链在此处被改动"));
            }
        }
        if let Some((seq, hash)) = segment.last {
            next_seq = seq + 1;
            m.head = hash;
        }
        for (period, (first, last)) in segment.numbers {
            let before = m.last_number.get(&period).copied().unwrap_or(0);
            if first != before + 1 {
                fail(3, format!("{} 凭证号不连续：{} 之后是 {}", period_text(period), voucher_label(before), voucher_label(first)));
            }
            m.last_number.insert(period, last);
        }
        for (key, (d, c)) in segment.movements {
            let e = m.movements.entry(key).or_default();
            e.0 += d;
            e.1 += c;
        }
        for (key, fen) in segment.cash_flows {
            *m.cash_flows.entry(key).or_default() += fen;
        }
        m.vouchers += segment.vouchers;
        m.lines += segment.lines;
        if segment.last_unsealed.is_some() {
            m.last_unsealed = segment.last_unsealed;
        }
        m.first_sealed = m.first_sealed.or(segment.first_sealed);
    }
    Ok(m)
}

/// Maintained balances against the recomputation, both ways; the trial balance sums to zero,
/// per period and overall.
fn check_balances(
    book: &Book,
    opening: &[OpeningRow],
    maintained: &[BalanceRow],
    mut recomputed: HashMap<(AccountId, i64), (i64, i64)>,
    fail: &mut impl FnMut(u8, String),
) {
    let mut per_period_totals: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for b in maintained {
        let t = per_period_totals.entry(b.period.key()).or_default();
        t.0 += b.debit_fen;
        t.1 += b.credit_fen;
        let (d, c) = recomputed.remove(&(b.account_id, b.period.key())).unwrap_or((0, 0));
        if (d, c) != (b.debit_fen, b.credit_fen) {
            let (code, period) = (book.code_or_id(b.account_id), b.period);
            let (kept_d, kept_c) = (Fen(b.debit_fen), Fen(b.credit_fen));
            fail(1, format!("科目 {code} 在 {period} 的余额表记录为借 {kept_d} 贷 {kept_c}，由分录重算为借 {} 贷 {}", Fen(d), Fen(c)));
        }
    }
    for ((account_id, period), (d, c)) in recomputed {
        if d != 0 || c != 0 {
            let (code, period) = (book.code_or_id(account_id), period_text(period));
            fail(1, format!("科目 {code} 在 {period} 有分录（借 {} 贷 {}）但余额表无记录", Fen(d), Fen(c)));
        }
    }
    let mut total: i64 = opening.iter().map(|o| o.balance_fen).sum();
    for (period, (d, c)) in &per_period_totals {
        if d != c {
            fail(1, format!("{} 试算不平：本期借方 {}，贷方 {}", period_text(*period), Fen(*d), Fen(*c)));
        }
        total += d - c;
    }
    if total != 0 {
        fail(1, format!("试算不平：全部余额合计差额 {}", Fen(total)));
    }
}

/// The maintained cash-flow sums against the recomputation, both ways.
fn check_cash_flows(kept: &[CashFlowRow], mut recomputed: BTreeMap<(i64, u32), i64>, fail: &mut impl FnMut(u8, String)) {
    for r in kept {
        let item = u32::try_from(r.item).unwrap_or(0);
        let fen = recomputed.remove(&(r.period, item)).unwrap_or(0);
        if fen != r.fen {
            let period = period_text(r.period);
            fail(1, format!("现金流量表第 {item} 行在 {period} 记录为 {}，由分录重算为 {}", Fen(r.fen), Fen(fen)));
        }
    }
    for ((period, item), fen) in recomputed.into_iter().filter(|(_, fen)| *fen != 0) {
        fail(1, format!("现金流量表第 {item} 行在 {} 有现金流量 {} 但汇总表无记录", period_text(period), Fen(fen)));
    }
}

/// Checks the vouchers with `after < chain_seq <= until` on a connection of its own.
async fn verify_segment<S: LedgerStore>(
    store: S,
    book: Book,
    after: i64,
    until: i64,
    close_marks: Arc<CloseMarks>,
    closed_len: Arc<HashMap<i64, i64>>,
) -> Result<Segment> {
    let mut tx = store.read().await?;
    let mut s = Segment::default();
    let cash_rules = if cash_flow::applies(&book) { Some(CashFlowRules::shipped()?) } else { None };
    let mut cursor = after;
    while cursor < until {
        let page_end = until.min(cursor + VOUCHERS_PER_PAGE);
        for v in &tx.journal_page(book.key(), cursor, page_end).await? {
            check_voucher(&book, v, &mut s, &close_marks, &closed_len, cash_rules);
        }
        cursor = page_end;
    }
    Ok(s)
}

fn check_voucher(
    book: &Book,
    v: &JournalVoucher,
    s: &mut Segment,
    close_marks: &CloseMarks,
    closed_len: &HashMap<i64, i64>,
    cash_rules: Option<&CashFlowRules>,
) {
    // Named only in a finding: formatted when one is made, not for each of a million vouchers.
    let label = || format!("{} {}", period_text(v.period), voucher_label(v.number));
    let prev_hash = v.prev_hash.clone().unwrap_or_default();
    check_link(s, v, &prev_hash, &label);
    let mut fail = |invariant: u8, message: String| s.findings.push((invariant, message));
    let hash = v.hash.clone().unwrap_or_default();
    match seal_hash(seal_header(book, v), &v.lines, book, &prev_hash) {
        Ok(recomputed) if recomputed == hash => {}
        Ok(_) => fail(4, format!("凭证 {} 的内容与其哈希不符：记账后被改动", label())),
        Err(e) => fail(4, format!("凭证 {} 的哈希无法重算（{e}）：记账后被改动", label())),
    }
    for (period, recorded) in close_marks.get(&v.chain_seq).into_iter().flatten() {
        if recorded.as_deref() != Some(hash.as_str()) {
            fail(4, format!("{} 结账时记录的链头与链上第 {} 环不符", period_text(*period), v.chain_seq));
        }
    }
    if closed_len.get(&v.period).is_some_and(|len_at_close| v.chain_seq > *len_at_close) {
        fail(3, format!("凭证 {} 在 {} 结账后记入该期间", label(), period_text(v.period)));
    }
    check_lines(book, &label, v, &v.lines, &mut fail);
    check_number(s, v);
    add_movements(s, book, v, cash_rules);
    if v.subledger_digest.is_some() {
        s.first_sealed = s.first_sealed.or(Some(v.chain_seq));
    } else {
        s.last_unsealed = Some((v.chain_seq, label()));
    }
    s.vouchers += 1;
    s.lines += v.lines.len() as i64;
    s.last = Some((v.chain_seq, hash));
}

/// The voucher's link to the one before it in the segment; the segment's first voucher is
/// kept (`Segment::first`) for its link to the segment before.
fn check_link(s: &mut Segment, v: &JournalVoucher, prev_hash: &str, label: &impl Fn() -> String) {
    match &s.last {
        None => s.first = Some((v.chain_seq, prev_hash.to_string(), label())),
        Some((last_seq, last_hash)) => {
            if v.chain_seq != last_seq + 1 {
                s.findings.push((
                    4,
                    format!("哈希链在第 {} 环断开：下一张已记账凭证是第 {} 环（{}），其间的凭证被删除", last_seq + 1, v.chain_seq, label()),
                ));
            }
            if prev_hash != *last_hash {
                s.findings.push((4, format!("凭证 {} 的前链哈希与上一张不符：链在此处被改动", label())));
            }
        }
    }
}

/// The header the voucher's hash seals, as it was posted.
fn seal_header<'a>(book: &Book, v: &'a JournalVoucher) -> SealHeader<'a> {
    SealHeader {
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
        subledger: v.subledger_digest.as_deref(),
    }
}

/// The voucher's number follows the period's last one seen in the segment.
fn check_number(s: &mut Segment, v: &JournalVoucher) {
    match s.numbers.get_mut(&v.period) {
        Some((_, last)) => {
            if v.number != *last + 1 {
                s.findings.push((
                    3,
                    format!("{} 凭证号不连续：{} 之后是 {}", period_text(v.period), voucher_label(*last), voucher_label(v.number)),
                ));
            }
            *last = v.number;
        }
        None => {
            s.numbers.insert(v.period, (v.number, v.number));
        }
    }
}

/// Adds the voucher's lines to the segment's recomputed movements and cash flows.
fn add_movements(s: &mut Segment, book: &Book, v: &JournalVoucher, cash_rules: Option<&CashFlowRules>) {
    for l in &v.lines {
        let e = s.movements.entry((l.account_id, v.period)).or_default();
        e.0 += l.debit_fen;
        e.1 += l.credit_fen;
    }
    if let Some(rules) = cash_rules {
        rules.posted_flows(book, &v.lines, |item, fen| *s.cash_flows.entry((v.period, item)).or_default() += fen);
    }
}

fn check_lines(book: &Book, label: &impl Fn() -> String, v: &JournalVoucher, lines: &[LineRow], fail: &mut impl FnMut(u8, String)) {
    if lines.len() < 2 {
        fail(1, format!("凭证 {} 只有 {} 条分录", label(), lines.len()));
    }
    let kind = VoucherKind::parse(&v.kind);
    let debit: i64 = lines.iter().map(|l| l.debit_fen).sum();
    let credit: i64 = lines.iter().map(|l| l.credit_fen).sum();
    if debit != credit {
        fail(1, format!("凭证 {} 借贷不平：借方 {}，贷方 {}", label(), Fen(debit), Fen(credit)));
    }
    for l in lines {
        if !book.account_by_id(l.account_id).is_some_and(|a| a.is_leaf) {
            fail(1, format!("凭证 {} 第 {} 条分录记在非末级或不存在的科目 {}", label(), l.line_no, book.code_or_id(l.account_id)));
        }
        let amount = l.debit_fen + l.credit_fen;
        let red_ink = red_ink_allowed(book.code_of(l.account_id).unwrap_or_default(), l.credit_fen != 0);
        let sign_ok = red_ink || if kind == Some(VoucherKind::Reversal) { amount < 0 } else { amount > 0 };
        if (l.debit_fen != 0) == (l.credit_fen != 0) || !sign_ok {
            fail(1, format!("凭证 {} 第 {} 条分录金额不合规则（借 {} 贷 {}）", label(), l.line_no, Fen(l.debit_fen), Fen(l.credit_fen)));
        }
    }
}

/// A row another wing wrote with a voucher (a subsidy's receipt, an expense, a split, a
/// transfer), as `tie_sql` reads it: its amount beside its voucher's state and debits.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tie {
    pub what: String,
    pub voucher_id: VoucherId,
    pub amount_fen: i64,
    /// None when the voucher is missing.
    pub status: Option<String>,
    pub debit_fen: i64,
}

/// The SQL that reads the ties of `table`'s rows of community $1: `what` names a row (an SQL
/// expression over alias `x`), `amount` and `voucher` are its columns. A wing's store runs it.
pub fn tie_sql(table: &str, what: &str, amount: &str, voucher: &str) -> String {
    format!(
        "SELECT {what} AS what, x.{voucher} AS voucher_id, x.{amount} AS amount_fen, v.status AS status, \
         CAST(COALESCE((SELECT SUM(l.debit_fen) FROM voucher_lines l WHERE l.community_id = $1 AND l.voucher_id = x.{voucher}), 0) AS BIGINT) AS debit_fen \
         FROM {table} x LEFT JOIN vouchers v ON v.community_id = x.community_id AND v.id = x.{voucher} WHERE x.community_id = $1"
    )
}

/// Invariant 4 for the rows other wings write with a voucher: each row's voucher stands posted
/// and moves the row's amount (its debits total it). A row changed past the program, or a
/// voucher taken away, no longer ties.
pub fn check_ties(ties: &[Tie], fail: &mut impl FnMut(u8, String)) {
    for t in ties {
        match t.status.as_deref() {
            None => fail(4, format!("{} 的凭证 #{} 不存在：记录或凭证被改动", t.what, t.voucher_id)),
            Some(s) if s != "posted" => fail(4, format!("{} 的凭证 #{} 未记账：被改动", t.what, t.voucher_id)),
            Some(_) if t.debit_fen != t.amount_fen => fail(
                4,
                format!(
                    "{} 记为 {}，其凭证 #{} 借方合计 {}：记录与凭证不符（被改动）",
                    t.what,
                    Fen(t.amount_fen),
                    t.voucher_id,
                    Fen(t.debit_fen)
                ),
            ),
            Some(_) => {}
        }
    }
}
