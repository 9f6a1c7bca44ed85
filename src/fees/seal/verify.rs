//! `verify`'s checks of the seals (invariant 4): every voucher's subledger digest recomputed
//! from the rows read back, the cross-references between the rows, and the master-data chain.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::domain::ids::{BillingRunId, CommunityId, VoucherId};
use crate::error::{Error, Result};
use crate::fees::receipt_label;
use crate::fees::seal::master::{heads, MasterKind};
use crate::fees::seal::store::{stored_rows, SealTx, SealedVoucherRow};
use crate::fees::seal::{BillsSeal, RunSeal, SubledgerRows};
use crate::fees::store::FeesStore;
use crate::ledger::period_text;
use crate::ledger::voucher::voucher_label;
use crate::ledger::Book;

/// Voucher ids read per page: the rows naming them (a billing run's bills are read by run, apart).
const VOUCHER_IDS_PER_PAGE: i64 = 5_000;
/// Below this span of ids one task is quicker than several.
const VOUCHER_IDS_PER_TASK_MIN: i64 = 20_000;
/// Rows of one cross-reference failure named before the rest are counted.
const NAMED_PER_RULE: usize = 20;

/// The sums of the one pass `verify` makes over the book's bills, which the subledger's own
/// checks (`fees::verify`) take instead of reading the bills again.
#[derive(Debug, Default)]
pub struct BillTotals {
    pub count: i64,
    pub total_fen: i64,
    /// bill month → billed.
    pub by_period: BTreeMap<i64, i64>,
    /// (building, bill month) → billed.
    pub by_building: HashMap<(String, i64), i64>,
}

impl BillTotals {
    /// Adds one run's bills: `bills` as sealed, `by_building` as the run recorded it.
    fn add_run(&mut self, period: i64, bills: &[BillsSeal], by_building: Vec<(String, i64)>) {
        for b in bills {
            self.count += b.count;
            self.total_fen += b.total_fen;
            *self.by_period.entry(period).or_default() += b.total_fen;
        }
        for (building, fen) in by_building {
            *self.by_building.entry((building, period)).or_default() += fen;
        }
    }

    fn merge(&mut self, other: BillTotals) {
        self.count += other.count;
        self.total_fen += other.total_fen;
        for (k, v) in other.by_period {
            *self.by_period.entry(k).or_default() += v;
        }
        for (k, v) in other.by_building {
            *self.by_building.entry(k).or_default() += v;
        }
    }
}

/// Every voucher of the book against its seal, on separate connections at once: the billing
/// runs' bills (most of the rows) hashed in tasks run by run, every other row in contiguous
/// ranges of voucher ids; then each run's voucher from its run, its bills and the rows the
/// ranges read for it, and the cross-references. Returns the sums of the bills read.
pub async fn verify_book<S: FeesStore>(store: &S, book: &Book, fail: &mut impl FnMut(u8, String)) -> Result<BillTotals> {
    let (runs, (lo, hi)) = {
        let mut tx = store.read().await?;
        (tx.book_runs(book.key()).await?, tx.voucher_id_range(book.key()).await?)
    };
    // A run's voucher seals the run (as `book_runs` read it), its bills and what its prepayment
    // pass settled; more than one run naming a voucher is a tampering its digest shows.
    let mut run_vouchers: BTreeMap<VoucherId, Vec<(BillingRunId, RunSeal)>> = BTreeMap::new();
    for (run_id, voucher, seal) in &runs {
        if let Some(voucher_id) = voucher {
            run_vouchers.entry(*voucher_id).or_default().push((*run_id, seal.clone()));
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Runs dealt round-robin to one task per core: hashing a run's bills is the database's work
    // on the connection's own thread, and more tasks than cores only take turns.
    let run_tasks = runs.len().clamp(1, 2 * cores);
    let mut dealt: Vec<Vec<(BillingRunId, Option<VoucherId>, RunSeal)>> = vec![Vec::new(); run_tasks];
    for (i, run) in runs.into_iter().enumerate() {
        dealt[i % run_tasks].push(run);
    }
    let bill_tasks: Vec<tokio::task::JoinHandle<Result<RunsRead>>> = dealt
        .into_iter()
        .map(|runs| {
            let (store, book) = (store.clone(), book.clone());
            tokio::spawn(async move { read_runs(&store, &book, runs).await })
        })
        .collect();
    let skip: Arc<HashSet<VoucherId>> = Arc::new(run_vouchers.keys().copied().collect());
    let span = (hi - lo + 1).max(0);
    let count = (span / VOUCHER_IDS_PER_TASK_MIN).clamp(1, 3 * cores as i64);
    let size = (span / count).max(1);
    let mut range_tasks: Vec<tokio::task::JoinHandle<Result<RangeChecked>>> = Vec::new();
    for k in 0..count {
        let from = lo + k * size;
        let until = if k == count - 1 { hi + 1 } else { lo + (k + 1) * size };
        let (store, book, skip) = (store.clone(), book.clone(), skip.clone());
        range_tasks.push(tokio::spawn(async move { verify_range(&store, &book, from, until, &skip).await }));
    }
    let (mut totals, mut bills) = (BillTotals::default(), HashMap::new());
    for task in bill_tasks {
        let read = joined(task).await?;
        for message in read.findings {
            fail(4, message);
        }
        totals.merge(read.totals);
        bills.extend(read.bills);
    }
    let (mut marks, mut at_runs) = (Marks::default(), HashMap::new());
    for task in range_tasks {
        let checked = joined(task).await?;
        for message in checked.findings {
            fail(4, message);
        }
        marks.merge(checked.marks);
        at_runs.extend(checked.at_runs);
    }
    if let Some(message) = marks.finding() {
        fail(4, message);
    }
    let mut tx = store.read().await?;
    check_run_vouchers(&mut tx, book, run_vouchers, at_runs, bills, fail).await?;
    let stored = tx.bill_count(book.key()).await?;
    if stored != totals.count {
        fail(4, format!("账套有账单 {stored} 张，其计费批次只有 {} 张：有账单不属于本账套的任何计费批次", totals.count));
    }
    check_cross_references(&mut tx, book, fail).await?;
    Ok(totals)
}

/// Each billing run's voucher against its seal: the run (or runs) naming it, their bills as
/// the run tasks hashed them, and the other rows the range tasks read for it (`at_runs`).
async fn check_run_vouchers<T: SealTx>(
    tx: &mut T,
    book: &Book,
    run_vouchers: BTreeMap<VoucherId, Vec<(BillingRunId, RunSeal)>>,
    mut at_runs: HashMap<VoucherId, (SealedVoucherRow, SubledgerRows)>,
    mut bills: HashMap<BillingRunId, BillsSeal>,
    fail: &mut impl FnMut(u8, String),
) -> Result<()> {
    for (voucher_id, runs) in run_vouchers {
        let (voucher, mut rows) = match at_runs.remove(&voucher_id) {
            Some((voucher, rows)) => (Some(voucher), rows),
            // A run's voucher the ranges did not read: not sealed, or not this book's.
            None => (tx.sealed_vouchers(book.key(), voucher_id.0, voucher_id.0 + 1, false).await?.pop(), SubledgerRows::default()),
        };
        let named = runs.iter().map(|(run_id, seal)| (*run_id, seal.period)).collect::<Vec<_>>();
        for (run_id, seal) in runs {
            rows.bills.push(bills.remove(&run_id).expect("every run's bills were read"));
            rows.runs.push(seal);
        }
        match voucher {
            // A run's voucher seals fee rows only: a wing's row on it was put there afterwards.
            Some(v) => match check_seal(&v, &rows) {
                SealCheck::WingsUnsealed => fail(
                    4,
                    format!(
                        "{} 计费批次的凭证 #{voucher_id} 上有{}，不是记账时封存的：子账在记账后被加入",
                        period_text(v.period),
                        describe(&rows)
                    ),
                ),
                check => findings_of(check, fail),
            },
            None => {
                for (run_id, period) in named {
                    fail(4, format!("{} 计费批次 #{run_id} 所记的凭证 #{voucher_id} 不在本账套", period_text(period)));
                }
            }
        }
    }
    Ok(())
}

/// A task's result, or the task's failure as an error.
async fn joined<T>(task: tokio::task::JoinHandle<Result<T>>) -> Result<T> {
    task.await.map_err(|e| Error::Conflict(format!("校验任务失败：{e}")))?
}

fn findings_of(check: SealCheck, fail: &mut impl FnMut(u8, String)) {
    if let Some(message) = check.finding() {
        fail(4, message);
    }
}

/// What a task reading billing runs found, the sums of their bills, and each sealed run's
/// bills as read back (the run's voucher is checked once the other rows are read).
struct RunsRead {
    findings: Vec<String>,
    totals: BillTotals,
    bills: HashMap<BillingRunId, BillsSeal>,
}

/// What a task checking a range of vouchers found, its vouchers whose wing rows were sealed or
/// not (`Marks`), and the billing runs' vouchers in the range with their other rows.
struct RangeChecked {
    findings: Vec<String>,
    marks: Marks,
    at_runs: HashMap<VoucherId, (SealedVoucherRow, SubledgerRows)>,
}

/// The last voucher whose wing rows were posted unsealed (before the wings were sealed), and
/// the first whose were sealed: every unsealed one must come before every sealed one.
#[derive(Default)]
struct Marks {
    last_unsealed: Option<(VoucherId, String)>,
    first_sealed: Option<VoucherId>,
}

impl Marks {
    fn merge(&mut self, other: Marks) {
        if other.last_unsealed.as_ref().map(|u| u.0) > self.last_unsealed.as_ref().map(|u| u.0) {
            self.last_unsealed = other.last_unsealed;
        }
        self.first_sealed = match (self.first_sealed, other.first_sealed) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    fn finding(&self) -> Option<String> {
        match (&self.last_unsealed, self.first_sealed) {
            (Some((id, what)), Some(first)) if *id > first => {
                Some(format!("凭证 #{id} 的{what}没有封存，而此前的凭证 #{first} 已封存：子账在记账后被加入"))
            }
            _ => None,
        }
    }
}

/// Each run's bills read back as sealed (one statement a run: the database hashes them) and
/// summed; the bills of a run made before runs kept their voucher are summed only.
async fn read_runs<S: FeesStore>(store: &S, book: &Book, runs: Vec<(BillingRunId, Option<VoucherId>, RunSeal)>) -> Result<RunsRead> {
    let mut tx = store.read().await?;
    let mut read = RunsRead { findings: Vec::new(), totals: BillTotals::default(), bills: HashMap::new() };
    for (run_id, voucher, seal) in runs {
        // A run made before runs recorded their buildings is summed by building from its bills.
        let by_building = match seal.by_building.as_deref().map(serde_json::from_str::<Vec<(String, i64)>>) {
            Some(Ok(recorded)) => recorded,
            Some(Err(_)) => {
                read.findings.push(format!("{} 计费批次 #{run_id} 记录的各楼栋金额无法解读：被改动", period_text(seal.period)));
                Vec::new()
            }
            None => tx.run_billed_by_building(book.key(), run_id).await?,
        };
        let bills = tx.seal_bills(book.key(), run_id).await?;
        read.totals.add_run(seal.period, std::slice::from_ref(&bills), by_building);
        if voucher.is_some() {
            read.bills.insert(run_id, bills);
        }
    }
    Ok(read)
}

/// The vouchers of an id range against their seals, but for the billing runs' (`skip`): their
/// voucher rows and the rows naming them are handed back, for the run's bills to join them.
async fn verify_range<S: FeesStore>(store: &S, book: &Book, from: i64, until: i64, skip: &HashSet<VoucherId>) -> Result<RangeChecked> {
    let mut tx = store.read().await?;
    let mut checked = RangeChecked { findings: Vec::new(), marks: Marks::default(), at_runs: HashMap::new() };
    let mut cursor = from;
    while cursor < until {
        let page_end = until.min(cursor + VOUCHER_IDS_PER_PAGE);
        let mut rows = stored_rows(&mut tx, book.key(), cursor, page_end, false).await?;
        // A voucher that seals nothing matters only if rows name it: the page's sealed vouchers
        // are read alone unless some rows name another (a voucher posted before the seals, a
        // draft, or none of this book's).
        let mut vouchers = tx.sealed_vouchers(book.key(), cursor, page_end, true).await?;
        if rows.keys().any(|id| vouchers.binary_search_by_key(id, |v| v.id).is_err()) {
            vouchers = tx.sealed_vouchers(book.key(), cursor, page_end, false).await?;
        }
        for v in vouchers {
            let group = rows.remove(&v.id).unwrap_or_default();
            if skip.contains(&v.id) {
                checked.at_runs.insert(v.id, (v, group));
                continue;
            }
            let marks = &mut checked.marks;
            match check_seal(&v, &group) {
                SealCheck::Holds { wings: true } => marks.first_sealed = marks.first_sealed.or(Some(v.id)),
                SealCheck::Holds { wings: false } => {}
                SealCheck::WingsUnsealed => marks.last_unsealed = Some((v.id, describe(&group))),
                SealCheck::Broken(message) => checked.findings.push(message),
            }
        }
        for (voucher_id, group) in rows {
            checked.findings.push(format!("{}指向凭证 #{voucher_id}，而本账套没有这张凭证：子账被移动", describe(&group)));
        }
        cursor = page_end;
    }
    Ok(checked)
}

/// What a voucher's seal says of its rows.
enum SealCheck {
    /// The rows are the ones sealed (`wings`: the other wings' among them).
    Holds {
        wings: bool,
    },
    /// The fee rows are the ones sealed and the wings' rows were not sealed: a voucher posted
    /// before the wings were, unless it comes after one that was.
    WingsUnsealed,
    Broken(String),
}

impl SealCheck {
    fn finding(self) -> Option<String> {
        match self {
            SealCheck::Broken(message) => Some(message),
            _ => None,
        }
    }
}

/// A posted voucher's rows against its sealed digest (pure). A voucher posted before the
/// seals (no digest) and a draft (a day's payments waiting for 日结) are not sealed yet.
fn check_seal(v: &SealedVoucherRow, rows: &SubledgerRows) -> SealCheck {
    let Some(sealed) = v.subledger_digest.as_deref().filter(|_| v.status == "posted") else { return SealCheck::Holds { wings: false } };
    if rows.digest() == sealed {
        return SealCheck::Holds { wings: !rows.wings.is_empty() };
    }
    if !rows.wings.is_empty() && rows.fee_rows().digest() == sealed {
        return SealCheck::WingsUnsealed;
    }
    let label = format!("{} {}", period_text(v.period), voucher_label(v.number.unwrap_or(0)));
    let what = if rows.is_empty() && !sealed.is_empty() { "子账行（已不见）".to_string() } else { describe(rows) };
    SealCheck::Broken(format!("凭证 {label} 的{what}与记账时封存的不符：子账在记账后被改动、移动或删除"))
}

/// What a voucher's rows are, as a finding names them.
fn describe(rows: &SubledgerRows) -> String {
    let mut parts = Vec::new();
    for r in &rows.runs {
        parts.push(format!("{} 计费批次（{} 张账单）", period_text(r.period), r.bills));
    }
    let receipts: Vec<String> = rows.payments.iter().map(|p| receipt_label(p.receipt_number)).collect();
    if !receipts.is_empty() {
        parts.push(format!("收据 {} 的收款", receipts.join("、")));
    }
    if !rows.waivers.is_empty() {
        parts.push(format!("{} 笔减免", rows.waivers.len()));
    }
    for v in &rows.voids {
        parts.push(format!("收据 {} 的作废", receipt_label(v.receipt_number)));
    }
    for r in &rows.reversals {
        parts.push(format!("计费批次 #{} 的冲销", r.billing_run_id));
    }
    if !rows.allocations.is_empty() {
        parts.push(format!("{} 笔核销", rows.allocations.len()));
    }
    for t in crate::fees::seal::wings::WING_TABLES {
        let n = rows.wings.iter().filter(|w| w.tag == t.tag).count();
        if n > 0 && !parts.iter().any(|p| p.ends_with(t.label)) {
            parts.push(format!("{n} 行{}", t.label));
        }
    }
    if parts.is_empty() {
        "子账行".to_string()
    } else {
        parts.join("、")
    }
}

/// A rule between rows, as a query giving (a, b) for each row that breaks it, and the finding.
struct Rule {
    sql: &'static str,
    message: fn(i64, i64) -> String,
}

/// The cross-references (each query takes $1 community, $2 book). Rows written before the
/// seals named no voucher in their allocations; they are left out where the rule needs it.
const RULES: &[Rule] = &[
    Rule {
        sql: "SELECT p.receipt_number, a.bill_id FROM allocations a
              JOIN payments p ON p.community_id = a.community_id AND p.id = a.payment_id
              JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id
              WHERE p.community_id = $1 AND p.book_id = $2 AND (b.household_id <> p.household_id OR b.book_id <> p.book_id)
              ORDER BY p.receipt_number",
        message: |receipt, bill| format!("收据 {} 核销了另一住户（或另一账套）的账单 #{bill}：核销被移动", receipt_label(receipt)),
    },
    Rule {
        sql: "SELECT p.receipt_number, COALESCE(v.id, 0) FROM payments p
              LEFT JOIN vouchers v ON v.community_id = p.community_id AND v.id = p.voucher_id
              WHERE p.community_id = $1 AND p.book_id = $2 AND (v.id IS NULL OR v.book_id <> p.book_id)
              ORDER BY p.receipt_number",
        message: |receipt, _| format!("收据 {} 所记的凭证不在本账套", receipt_label(receipt)),
    },
    Rule {
        sql: "SELECT p.receipt_number, l.household_id FROM payments p
              JOIN voucher_lines l ON l.community_id = p.community_id AND l.voucher_id = p.voucher_id
              WHERE p.community_id = $1 AND p.book_id = $2 AND l.household_id IS NOT NULL AND l.household_id <> p.household_id
                AND (SELECT COUNT(*) FROM payments q WHERE q.community_id = $1 AND q.voucher_id = p.voucher_id) = 1
              ORDER BY p.receipt_number",
        message: |receipt, household| {
            format!("收据 {} 的收款凭证记在住户 #{household} 名下，与收据的住户不符：收款被移动", receipt_label(receipt))
        },
    },
    Rule {
        sql: "SELECT p.receipt_number, a.voucher_id FROM allocations a
              JOIN payments p ON p.community_id = a.community_id AND p.id = a.payment_id
              WHERE p.community_id = $1 AND p.book_id = $2 AND a.voucher_id IS NOT NULL
                AND a.waiver_id IS NULL AND a.void_id IS NULL AND a.reversal_id IS NULL AND a.voucher_id <> p.voucher_id
                AND NOT EXISTS (SELECT 1 FROM billing_runs r WHERE r.community_id = $1 AND r.book_id = p.book_id
                                AND r.voucher_id = a.voucher_id)
                AND NOT EXISTS (SELECT 1 FROM voucher_lines l WHERE l.community_id = $1 AND l.voucher_id = a.voucher_id
                                AND l.household_id = p.household_id)
              ORDER BY p.receipt_number",
        message: |receipt, voucher| format!("收据 {} 的一笔核销记在无关的凭证 #{voucher} 上", receipt_label(receipt)),
    },
    Rule {
        sql: "SELECT w.id, a.bill_id FROM allocations a
              JOIN waivers w ON w.community_id = a.community_id AND w.id = a.waiver_id
              JOIN bills b ON b.community_id = w.community_id AND b.id = w.bill_id
              WHERE a.community_id = $1 AND b.book_id = $2
                AND (a.bill_id <> w.bill_id OR a.amount_fen <> w.amount_fen OR (a.voucher_id IS NOT NULL AND a.voucher_id <> w.voucher_id))
              ORDER BY w.id",
        message: |waiver, bill| format!("减免 #{waiver} 的核销（账单 #{bill}）与减免本身不符"),
    },
    Rule {
        sql: "SELECT p.receipt_number, a.bill_id FROM allocations a
              JOIN payment_voids d ON d.community_id = a.community_id AND d.id = a.void_id
              JOIN payments p ON p.community_id = d.community_id AND p.id = d.payment_id
              WHERE a.community_id = $1 AND p.book_id = $2
                AND (a.payment_id IS NULL OR a.payment_id <> d.payment_id OR (a.voucher_id IS NOT NULL AND a.voucher_id <> d.voucher_id))
              ORDER BY p.receipt_number",
        message: |receipt, bill| format!("收据 {} 的作废冲回（账单 #{bill}）与作废记录不符", receipt_label(receipt)),
    },
    Rule {
        sql: "SELECT r.id, a.bill_id FROM allocations a
              JOIN billing_reversals r ON r.community_id = a.community_id AND r.id = a.reversal_id
              JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id
              WHERE a.community_id = $1 AND r.book_id = $2
                AND (b.billing_run_id <> r.billing_run_id OR (a.voucher_id IS NOT NULL AND a.voucher_id <> r.voucher_id))
              ORDER BY r.id",
        message: |reversal, bill| format!("计费冲销 #{reversal} 的核销（账单 #{bill}）不属于它冲销的批次或凭证"),
    },
    Rule {
        sql: "SELECT r.id, r.period FROM billing_runs r
              LEFT JOIN vouchers v ON v.community_id = r.community_id AND v.id = r.voucher_id
              WHERE r.community_id = $1 AND r.book_id = $2 AND r.master_seq IS NOT NULL
                AND (v.id IS NULL OR v.book_id <> r.book_id OR v.status <> 'posted')
              ORDER BY r.id",
        message: |run, period| format!("计费批次 #{run}（{}）没有本账套已记账的凭证", period_text(period)),
    },
    Rule {
        sql: "SELECT a.id, a.bill_id FROM allocations a
              JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id
              WHERE a.community_id = $1 AND b.book_id = $2 AND a.voucher_id IS NULL
                AND a.id > COALESCE((SELECT MAX(s.allocations_id) FROM sealed_before s WHERE s.community_id = $1), 0)
              ORDER BY a.id",
        message: |allocation, bill| format!("核销 #{allocation}（账单 #{bill}）没有记在任何凭证上：绕过程序写入"),
    },
];

/// RULES as one UNION ALL, each rule's rows tagged (rule's place, first column, second).
fn rules_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        RULES
            .iter()
            .enumerate()
            .map(|(k, rule)| format!("SELECT CAST({k} AS BIGINT), q.* FROM ({}) q", rule.sql))
            .collect::<Vec<_>>()
            .join("\nUNION ALL ")
    });
    &SQL
}

async fn check_cross_references<T: SealTx + crate::fees::restore::RestoreTx>(
    tx: &mut T,
    book: &Book,
    fail: &mut impl FnMut(u8, String),
) -> Result<()> {
    // Every rule in one statement (on Citus one round trip through the coordinator instead of
    // one a rule), each row tagged with its rule's place; a rule's rows by its first column,
    // as each orders them.
    let mut tagged = tx.rule_rows(rules_sql(), book.key()).await?;
    tagged.sort_unstable();
    for (k, rule) in RULES.iter().enumerate() {
        let broken: Vec<(i64, i64)> = tagged.iter().filter(|(r, _, _)| *r == k as i64).map(|(_, a, b)| (*a, *b)).collect();
        for (a, b) in broken.iter().take(NAMED_PER_RULE) {
            fail(4, (rule.message)(*a, *b));
        }
        if broken.len() > NAMED_PER_RULE {
            fail(4, format!("（同类问题另有 {} 处）", broken.len() - NAMED_PER_RULE));
        }
    }
    // Receipts are numbered 1, 2, … without a gap, up to the number the book has issued, but
    // for the numbers a restore skipped (handed out on paper after its backup).
    let (numbers, issued) = tx.receipt_numbers(book.key()).await?;
    let skipped: Vec<(i64, i64)> = tx
        .restores(book.key())
        .await?
        .into_iter()
        .map(|(_, r)| (r.backup_receipts, r.receipts_after))
        .filter(|(from, to)| to > from)
        .collect();
    let skip = |after: i64| skipped.iter().find(|(from, _)| *from == after).map(|(_, to)| *to);
    let mut expected = 1;
    for n in &numbers {
        if let Some(to) = skip(expected - 1).filter(|to| *n == to + 1) {
            expected = to + 1;
        }
        if *n != expected {
            let missing = match *n - expected {
                1 => format!("缺 {}", receipt_label(expected)),
                gap if gap > 1 => format!("缺 {} 至 {}", receipt_label(expected), receipt_label(n - 1)),
                _ => "重号".to_string(),
            };
            fail(4, format!("收据号不连续：{} 之后是 {}（{missing}）", receipt_label(expected - 1), receipt_label(*n)));
        }
        expected = n + 1;
    }
    if let Some(to) = skip(expected - 1).filter(|to| *to == issued) {
        expected = to + 1;
    }
    if expected - 1 != issued {
        fail(4, format!("账套已开出收据到 {}，而收款记录到 {}：收据被删除或改号", receipt_label(issued), receipt_label(expected - 1)));
    }
    Ok(())
}

/// The community's master-data chain recomputed, every current row against its latest
/// version, and every billing run's sealed head against the chain.
pub async fn verify_master<S: FeesStore>(store: &S, community_id: CommunityId, fail: &mut impl FnMut(u8, String)) -> Result<()> {
    let mut tx = store.read().await?;
    let versions = tx.master_versions(community_id).await?;
    let (seq, head) = tx.master_head(community_id).await?;
    for (i, v) in versions.iter().enumerate() {
        if v.seq != i as i64 + 1 {
            fail(4, format!("基础资料记录在第 {} 条处断开（下一条是第 {} 条）：记录被删除", i + 1, v.seq));
            break;
        }
    }
    let links = heads(&versions);
    if seq != versions.len() as i64 || head != links.last().cloned().unwrap_or_default() {
        fail(4, format!("基础资料链头与重算的不符（记录 {seq} 条，实有 {} 条）：历史被改写", versions.len()));
    }
    if versions.is_empty() {
        // Master data written before the chain existed is sealed at the community's first write.
        return Ok(());
    }
    let mut latest: HashMap<(&str, i64), &str> = HashMap::new();
    for v in &versions {
        latest.insert((v.kind.as_str(), v.row_id), v.content.as_str());
    }
    // A kind the chain has no version of yet (added to the chain after the community's first
    // record) is sealed at its first write.
    let recorded: std::collections::HashSet<&str> = versions.iter().map(|v| v.kind.as_str()).collect();
    for kind in MasterKind::ALL.into_iter().filter(|k| recorded.contains(k.as_str())) {
        for (row_id, content) in tx.master_rows(community_id, kind).await? {
            match latest.remove(&(kind.as_str(), row_id)) {
                Some(recorded) if recorded == content => {}
                Some(recorded) => {
                    fail(4, format!("{} #{row_id} 现为 {content}，最后记录的版本为 {recorded}：被绕过程序改动", kind.label()))
                }
                None => fail(4, format!("{} #{row_id}（{content}）没有记录的版本：被绕过程序写入", kind.label())),
            }
        }
    }
    for ((kind, row_id), recorded) in latest {
        let label = MasterKind::ALL.iter().find(|k| k.as_str() == kind).map_or(kind, |k| k.label());
        fail(4, format!("{label} #{row_id}（{recorded}）已不在库中：被删除"));
    }
    for (run_id, run_seq, run_head) in tx.run_master_heads(community_id).await? {
        let at = usize::try_from(run_seq).ok().and_then(|s| if s == 0 { Some(String::new()) } else { links.get(s - 1).cloned() });
        if at.as_deref() != Some(run_head.as_str()) {
            fail(4, format!("计费批次 #{run_id} 所依据的基础资料（第 {run_seq} 条）与现存历史不符：历史被改写"));
        }
    }
    Ok(())
}
