//! Reports of the property-fee subledger: a household's statement (对账单, in
//! `fees::statement`), arrears aging by household and building, and collection rates by
//! building and month with the three definitions of DESIGN.md section 6.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::domain::ids::HouseholdId;
use crate::domain::money::Fen;
use crate::domain::natural::natural_cmp;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::figures::FiguresTx;
use crate::fees::rows::{HouseholdRow, PaymentRow};
use crate::fees::rules::FlowKind;
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::fees::Method;
use crate::ledger::Book;
use crate::render::table::{money_cell, Align, Table};

pub use crate::fees::statement::{household_statement, HouseholdStatement, StatementBill, StatementPayment};

pub const AGE_BUCKETS: [&str; 5] = ["0–3个月", "3–6个月", "6–12个月", "12–24个月", "24个月以上"];

#[derive(Debug, Clone, serde::Serialize)]
pub struct AgingLine {
    pub key: String,
    pub buckets: [Fen; 5],
    pub total: Fen,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Aging {
    pub book: String,
    pub as_of: String,
    pub by: &'static str,
    pub lines: Vec<AgingLine>,
    pub total: AgingLine,
}

/// The age bucket of a bill of `bill_period` at the end of `as_of`.
fn bucket(bill_period: Period, as_of: Period) -> usize {
    let months = |p: Period| i64::from(p.year()) * 12 + i64::from(p.month());
    match months(as_of) - months(bill_period) {
        ..3 => 0,
        3..6 => 1,
        6..12 => 2,
        12..24 => 3,
        _ => 4,
    }
}

/// 欠费账龄: what is still open at the end of `as_of`, by how many months old the bill is. By
/// building it reads the maintained figures; by household it reads the bills themselves.
pub async fn aging<S: FeesStore>(store: &S, book: &Book, as_of: Period, by_household: bool) -> Result<Aging> {
    // Summed by key as it is, then put in the office's order once (building 2 before 10):
    // ordering every figure's key in natural order costs more than reading it.
    let mut per_key: HashMap<String, [i64; 5]> = HashMap::new();
    if by_household {
        for r in store.read().await?.aging_by_household(book.key(), as_of).await? {
            per_key.entry(r.key).or_default()[r.bucket.clamp(0, 4) as usize] += r.open_fen;
        }
    } else {
        for f in store.read().await?.flows(book.key(), Some(as_of)).await? {
            let sign = if f.kind == FlowKind::Billed { 1 } else { -1 };
            per_key.entry(f.building).or_default()[bucket(f.bill_period, as_of)] += sign * f.amount_fen;
        }
        per_key.retain(|_, b| b.iter().any(|v| *v != 0));
    }
    let mut per_key: Vec<(String, [i64; 5])> = per_key.into_iter().collect();
    per_key.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    let line = |key: String, b: [i64; 5]| AgingLine { key, buckets: b.map(Fen), total: Fen(b.iter().sum()) };
    let mut total = [0i64; 5];
    let lines: Vec<AgingLine> = per_key
        .into_iter()
        .map(|(k, b)| {
            for (t, v) in total.iter_mut().zip(b) {
                *t += v;
            }
            line(k, b)
        })
        .collect();
    Ok(Aging {
        book: book.row.name.clone(),
        as_of: as_of.to_string(),
        by: if by_household { "household" } else { "building" },
        lines,
        total: line("合计".into(), total),
    })
}

impl Aging {
    pub fn to_table(&self) -> Table {
        let first = if self.by == "household" { "住户" } else { "楼栋" };
        let mut headers = vec![(first, Align::Left)];
        headers.extend(AGE_BUCKETS.iter().map(|b| (*b, Align::Right)));
        headers.push(("合计", Align::Right));
        let mut t = Table::new("欠费账龄分析表", &headers);
        t.subtitle.push(format!("账套：{}    截至：{} 月末    单位：元", self.book, self.as_of));
        for l in self.lines.iter().chain(std::iter::once(&self.total)) {
            let mut row = vec![l.key.clone()];
            row.extend(l.buckets.iter().map(|f| money_cell(f.0)));
            row.push(money_cell(l.total.0));
            t.rows.push(row);
        }
        t
    }
}

/// Collection figures of one building (or all) in one month.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CollectionLine {
    pub building: String,
    pub period: String,
    /// 当期应收 and what was collected of it in the same month.
    pub current_billed: Fen,
    pub current_collected: Fen,
    /// 期初欠费 (bills of earlier months still open at the start of the month) and what was
    /// collected of it in the month.
    pub arrears_at_start: Fen,
    pub arrears_collected: Fen,
    /// 当年: the year's bills up to this month, net of their waivers by its end, and what was
    /// collected of them by its end.
    pub year_billed: Fen,
    pub year_collected: Fen,
    /// 预收: money received and not yet applied to a bill at the month's end.
    pub prepaid: Fen,
    /// Rates in percent with two decimals, None when the base is zero.
    pub current_rate: Option<String>,
    pub arrears_rate: Option<String>,
    pub overall_rate: Option<String>,
    pub year_rate: Option<String>,
}

pub(crate) fn rate(part: i64, base: i64) -> Option<String> {
    (base > 0).then(|| {
        let basis_points = (i128::from(part) * 100_000 / i128::from(base) + 5) / 10;
        format!("{}.{:02}%", basis_points / 100, basis_points % 100)
    })
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Collection {
    pub book: String,
    pub from: String,
    pub to: String,
    /// One line per building and month, then one per month for the whole community (building "全部").
    pub lines: Vec<CollectionLine>,
}

/// 收缴率 by building and month, from the maintained figures: 当期收缴率 = current-month collections of current bills /
/// current bills; 清欠率 = arrears collected / arrears at the start of the month; 综合收缴率 =
/// both together. Waivers reduce what is owed, not what is collected.
pub async fn collection<S: FeesStore>(store: &S, book: &Book, from: Period, to: Period) -> Result<Collection> {
    let mut tx = store.read().await?;
    let received = tx.received_by_building(book.key(), to).await?;
    let flows = tx.flows(book.key(), Some(to)).await?;
    // The months the figures span, from the oldest bill (or `from`) to `to`.
    let first = flows.iter().map(|f| f.bill_period.min(f.event_period)).chain(received.iter().map(|r| r.1)).fold(from, Period::min);
    // Each building's figures summed by month once, so each month's line reads a few sums: the
    // report's time grows with the figures, not with the figures × the months asked.
    let mut by_building: HashMap<String, [MonthTotals; 4]> = HashMap::new();
    let blank = || std::array::from_fn(|_| MonthTotals::new(first, to));
    for (building, period, fen) in received {
        by_building.entry(building).or_insert_with(blank)[3].add(period, period, fen);
    }
    for f in flows {
        let slot = match f.kind {
            FlowKind::Billed => 0,
            FlowKind::Paid => 1,
            // A cancelled bill, like a waived one, is no longer owed.
            FlowKind::Waived | FlowKind::Cancelled => 2,
        };
        by_building.entry(f.building).or_insert_with(blank)[slot].add(f.bill_period, f.event_period, f.amount_fen);
    }
    // In the office's order, ordered once (building 2 before 10).
    let mut by_building: Vec<(String, [MonthTotals; 4])> = by_building.into_iter().collect();
    by_building.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    for (_, totals) in by_building.iter_mut() {
        totals.iter_mut().for_each(MonthTotals::accumulate);
    }
    let mut lines = Vec::new();
    for period in from.through(to) {
        let mut all = CollectionLine { building: "全部".into(), period: period.to_string(), ..CollectionLine::default() };
        for (building, [billed, collected, waived, received]) in &by_building {
            let p = period;
            let (b, c, w) = (billed.at(p), collected.at(p), waived.at(p));
            let current_billed = b.of_month - w.of_month_in_month;
            let current_collected = c.of_month_in_month;
            let arrears_at_start = b.before - c.before_before - w.before_before;
            let arrears_collected = c.before_in_month;
            let year_billed = b.year - w.year;
            let year_collected = c.year;
            let prepaid = received.at(p).by_then - c.by_then;
            if current_billed == 0 && arrears_at_start == 0 && prepaid == 0 {
                continue;
            }
            let line = CollectionLine {
                building: building.clone(),
                period: period.to_string(),
                current_billed: Fen(current_billed),
                current_collected: Fen(current_collected),
                arrears_at_start: Fen(arrears_at_start),
                arrears_collected: Fen(arrears_collected),
                year_billed: Fen(year_billed),
                year_collected: Fen(year_collected),
                prepaid: Fen(prepaid),
                ..CollectionLine::default()
            };
            all.current_billed += line.current_billed;
            all.current_collected += line.current_collected;
            all.arrears_at_start += line.arrears_at_start;
            all.arrears_collected += line.arrears_collected;
            all.year_billed += line.year_billed;
            all.year_collected += line.year_collected;
            all.prepaid += line.prepaid;
            lines.push(finish(line));
        }
        lines.push(finish(all));
    }
    Ok(Collection { book: book.row.name.clone(), from: from.to_string(), to: to.to_string(), lines })
}

/// The sums of one kind of a building's figures that month `p`'s line needs.
#[derive(Default, Debug, PartialEq, Eq)]
struct MonthSums {
    /// Bills of the month; of those, events in the month.
    of_month: i64,
    of_month_in_month: i64,
    /// Bills of earlier months; of those, events before the month and in it.
    before: i64,
    before_before: i64,
    before_in_month: i64,
    /// Bills of the year up to the month, events by its end (当年).
    year: i64,
    /// Events by the month's end, whatever the bill.
    by_then: i64,
}

/// One kind of a building's figures (bill month × event month → amount) summed by month, then
/// into running totals (`accumulate`), from which any month's `MonthSums` is a few lookups.
/// Index k is the k-th month from `first`; figures outside `first..=last` are not added.
struct MonthTotals {
    first: Period,
    /// Σ of bills of month k (any event); then running: of months ≤ k.
    billed: Vec<i64>,
    /// Σ of bill k, event k.
    same_month: Vec<i64>,
    /// Σ of bills before k, event k.
    late: Vec<i64>,
    /// Σ of the later of bill and event being k; then running: ≤ k.
    closed: Vec<i64>,
    /// As `closed`, only figures whose event falls in the bill's year; running within each year.
    closed_in_year: Vec<i64>,
    /// Σ of event k; then running: ≤ k.
    events: Vec<i64>,
}

impl MonthTotals {
    fn new(first: Period, last: Period) -> MonthTotals {
        let months = month_index(first, last) + 1;
        MonthTotals {
            first,
            billed: vec![0; months],
            same_month: vec![0; months],
            late: vec![0; months],
            closed: vec![0; months],
            closed_in_year: vec![0; months],
            events: vec![0; months],
        }
    }

    fn add(&mut self, bill: Period, event: Period, fen: i64) {
        let (b, e) = (month_index(self.first, bill), month_index(self.first, event));
        if b >= self.billed.len() || e >= self.billed.len() {
            return;
        }
        self.billed[b] += fen;
        self.events[e] += fen;
        match b.cmp(&e) {
            std::cmp::Ordering::Equal => self.same_month[e] += fen,
            std::cmp::Ordering::Less => self.late[e] += fen,
            std::cmp::Ordering::Greater => {}
        }
        self.closed[b.max(e)] += fen;
        // 当年: a bill of the year settled by the month's end counts from the later of the two.
        if bill.max(event).year() == bill.year() {
            self.closed_in_year[b.max(e)] += fen;
        }
    }

    /// Turns the monthly sums into running totals (within each year for `closed_in_year`).
    fn accumulate(&mut self) {
        let mut month = self.first;
        for k in 1..self.billed.len() {
            month = month.next();
            self.billed[k] += self.billed[k - 1];
            self.closed[k] += self.closed[k - 1];
            self.events[k] += self.events[k - 1];
            if month.month() != 1 {
                self.closed_in_year[k] += self.closed_in_year[k - 1];
            }
        }
    }

    fn at(&self, p: Period) -> MonthSums {
        let k = month_index(self.first, p);
        let running = |v: &[i64]| if k == 0 { 0 } else { v[k - 1] };
        MonthSums {
            of_month: self.billed[k] - running(&self.billed),
            of_month_in_month: self.same_month[k],
            before: running(&self.billed),
            before_before: running(&self.closed),
            before_in_month: self.late[k],
            year: self.closed_in_year[k],
            by_then: self.events[k],
        }
    }
}

/// Months from `first` to `p` (0 for `first` itself); `p` is never before `first`.
fn month_index(first: Period, p: Period) -> usize {
    ((p.year() - first.year()) * 12 + p.month() as i32 - first.month() as i32).max(0) as usize
}

fn finish(mut l: CollectionLine) -> CollectionLine {
    l.current_rate = rate(l.current_collected.0, l.current_billed.0);
    l.arrears_rate = rate(l.arrears_collected.0, l.arrears_at_start.0);
    l.overall_rate = rate(l.current_collected.0 + l.arrears_collected.0, l.current_billed.0 + l.arrears_at_start.0);
    l.year_rate = rate(l.year_collected.0, l.year_billed.0);
    l
}

impl Collection {
    pub fn to_table(&self) -> Table {
        let r = Align::Right;
        let mut t = Table::new(
            "物业费收缴率统计表",
            &[
                ("月份", Align::Left),
                ("楼栋", Align::Left),
                ("当期应收", r),
                ("当期实收", r),
                ("当期收缴率", r),
                ("期初欠费", r),
                ("清欠", r),
                ("清欠率", r),
                ("综合收缴率", r),
                ("当年应收", r),
                ("当年实收", r),
                ("当年收缴率", r),
                ("预收", r),
            ],
        );
        t.subtitle.push(format!("账套：{}    期间：{} 至 {}    单位：元", self.book, self.from, self.to));
        for l in &self.lines {
            let pct = |p: &Option<String>| p.clone().unwrap_or_else(|| "—".into());
            t.rows.push(vec![
                l.period.clone(),
                l.building.clone(),
                money_cell(l.current_billed.0),
                money_cell(l.current_collected.0),
                pct(&l.current_rate),
                money_cell(l.arrears_at_start.0),
                money_cell(l.arrears_collected.0),
                pct(&l.arrears_rate),
                pct(&l.overall_rate),
                money_cell(l.year_billed.0),
                money_cell(l.year_collected.0),
                pct(&l.year_rate),
                money_cell(l.prepaid.0),
            ]);
        }
        t
    }
}

/// Which households get a 催缴通知单.
#[derive(Debug, Clone, Default)]
pub struct DunningSelection {
    /// Only these buildings (all when empty).
    pub buildings: Vec<String>,
    /// Only households owing for at least this many overdue months.
    pub min_months: usize,
    /// Only households owing at least this much on overdue bills.
    pub min_overdue: Fen,
    /// Only these households, by house number (all when empty): the ones ticked on the page.
    pub households: Vec<String>,
}

/// A household in arrears as the selection sees it: its overdue months and what it owes on them.
#[derive(Debug, Clone)]
pub struct InArrears {
    pub household: HouseholdRow,
    pub overdue_months: usize,
    pub overdue: Fen,
}

/// The households in arrears, as of `as_of`, that the selection names, in building and room
/// order. A bill is overdue once its month has ended before `as_of`.
pub async fn in_arrears<S: FeesStore>(store: &S, book: &Book, as_of: NaiveDate, select: &DunningSelection) -> Result<Vec<InArrears>> {
    let current = Period::of_date(as_of);
    let (open, households) = {
        let mut tx = store.read().await?;
        (tx.overdue_bills(book.key(), current).await?, tx.households(book.row.community_id).await?)
    };
    // household → (overdue months, overdue amount)
    let mut overdue: BTreeMap<HouseholdId, (std::collections::BTreeSet<Period>, i64)> = BTreeMap::new();
    for (household, period, open_fen) in open {
        let entry = overdue.entry(household).or_default();
        entry.0.insert(period);
        entry.1 += open_fen;
    }
    // In the office's order (building 2 before 10), as `households` reads them.
    Ok(households
        .into_iter()
        .filter(|h| select.buildings.is_empty() || select.buildings.contains(&h.building))
        .filter(|h| select.households.is_empty() || select.households.contains(&crate::fees::household_label(h)))
        .filter_map(|h| {
            let (months, fen) = overdue.get(&h.id)?;
            (months.len() >= select.min_months.max(1) && *fen >= select.min_overdue.0).then_some(InArrears {
                overdue_months: months.len(),
                overdue: Fen(*fen),
                household: h,
            })
        })
        .collect())
}

/// The statements, as of `as_of`, of the households in arrears that the selection names.
pub async fn dunning_statements<S: FeesStore>(
    store: &S,
    book: &Book,
    as_of: NaiveDate,
    select: &DunningSelection,
) -> Result<Vec<HouseholdStatement>> {
    let chosen = in_arrears(store, book, as_of, select).await?;
    let mut out = Vec::with_capacity(chosen.len());
    for h in chosen {
        out.push(household_statement(store, book, &h.household, as_of).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_percentages_rounded_half_up_to_two_decimals() {
        assert_eq!(rate(1, 3).as_deref(), Some("33.33%"));
        assert_eq!(rate(2, 3).as_deref(), Some("66.67%"));
        assert_eq!(rate(5, 5).as_deref(), Some("100.00%"));
        assert_eq!(rate(0, 5).as_deref(), Some("0.00%"));
        assert_eq!(rate(1, 0), None);
    }

    /// The sums as their definitions read, one figure at a time: the oracle of `MonthTotals`.
    fn sums_by_definition(rows: &[(Period, Period, i64)], p: Period) -> MonthSums {
        let mut s = MonthSums::default();
        for &(bill, event, fen) in rows {
            if bill == p {
                s.of_month += fen;
                if event == p {
                    s.of_month_in_month += fen;
                }
            } else if bill < p {
                s.before += fen;
                if event < p {
                    s.before_before += fen;
                } else if event == p {
                    s.before_in_month += fen;
                }
            }
            if bill.year() == p.year() && bill <= p && event <= p {
                s.year += fen;
            }
            if event <= p {
                s.by_then += fen;
            }
        }
        s
    }

    #[test]
    fn running_month_totals_give_the_sums_their_definitions_give() {
        let first = Period::new(2024, 11).unwrap();
        let months: Vec<Period> = first.through(Period::new(2026, 2).unwrap()).collect();
        // A small linear congruential generator: the same rows every run, no dependency.
        let mut seed: u64 = 2026;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut rows = Vec::new();
        for _ in 0..400 {
            let bill = next(months.len());
            // Mostly settled in the bill's month or later, a few before it (a prepayment's month).
            let event = (bill + next(8)).saturating_sub(1).min(months.len() - 1);
            rows.push((months[bill], months[event], next(10_000) as i64 - 2_000));
        }
        let mut totals = MonthTotals::new(first, *months.last().unwrap());
        for &(bill, event, fen) in &rows {
            totals.add(bill, event, fen);
        }
        totals.accumulate();
        for &p in &months {
            assert_eq!(totals.at(p), sums_by_definition(&rows, p), "{p}");
        }
    }
}

/// 交班日报: a day's payments summed by method, the voided ones counted apart (they settle
/// nothing). Methods in the order they first occur among the receipts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Takings {
    pub by_method: Vec<(Method, usize, Fen)>,
    pub count: usize,
    pub total: Fen,
    pub voided: usize,
}

pub fn takings(payments: &[PaymentRow]) -> Takings {
    let mut by_method: Vec<(Method, usize, Fen)> = Vec::new();
    for p in payments.iter().filter(|p| !p.voided) {
        match by_method.iter_mut().find(|(m, _, _)| *m == p.method) {
            Some(line) => {
                line.1 += 1;
                line.2 += Fen(p.amount_fen);
            }
            None => by_method.push((p.method, 1, Fen(p.amount_fen))),
        }
    }
    Takings {
        count: by_method.iter().map(|l| l.1).sum(),
        total: Fen(by_method.iter().map(|l| l.2 .0).sum()),
        voided: payments.iter().filter(|p| p.voided).count(),
        by_method,
    }
}
