//! Reports of the property-fee subledger: a household's statement (对账单), arrears aging by
//! household and building, and collection rates by building and month with the three
//! definitions of DESIGN.md section 6.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::domain::ids::HouseholdId;
use crate::domain::money::Fen;
use crate::domain::natural::Natural;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::rules::{days_overdue, late_fee, FlowKind};
use crate::fees::store::FeesStore;
use crate::fees::store::{bill_label, FeesTx, FlowRow, HouseholdRow, PaymentRow};
use crate::fees::{household_label, receipt_label};
use crate::ledger::Book;
use crate::report::table::{money_cell, Align, Table};

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
    let mut per_key: BTreeMap<Natural, [i64; 5]> = BTreeMap::new();
    if by_household {
        for r in store.read().await?.aging_by_household(book.key(), as_of).await? {
            per_key.entry(Natural(r.key)).or_default()[r.bucket.clamp(0, 4) as usize] += r.open_fen;
        }
    } else {
        for f in store.read().await?.flows(book.key(), Some(as_of)).await? {
            let sign = if f.kind == FlowKind::Billed { 1 } else { -1 };
            per_key.entry(Natural(f.building)).or_default()[bucket(f.bill_period, as_of)] += sign * f.amount_fen;
        }
        per_key.retain(|_, b| b.iter().any(|v| *v != 0));
    }
    let line = |key: String, b: [i64; 5]| AgingLine { key, buckets: b.map(Fen), total: Fen(b.iter().sum()) };
    let mut total = [0i64; 5];
    let lines: Vec<AgingLine> = per_key
        .into_iter()
        .map(|(k, b)| {
            for (t, v) in total.iter_mut().zip(b) {
                *t += v;
            }
            line(k.0, b)
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

fn rate(part: i64, base: i64) -> Option<String> {
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
    // Each building's own figures, so each month reads a few dozen rows, not all of them.
    let mut by_building: BTreeMap<Natural, [Vec<FlowRow>; 3]> = BTreeMap::new();
    let mut tx = store.read().await?;
    let mut received: BTreeMap<Natural, Vec<(Period, i64)>> = BTreeMap::new();
    for (building, period, fen) in tx.received_by_building(book.key(), to).await? {
        received.entry(Natural(building.clone())).or_default().push((period, fen));
        by_building.entry(Natural(building)).or_default();
    }
    for f in tx.flows(book.key(), Some(to)).await? {
        let slot = match f.kind {
            FlowKind::Billed => 0,
            FlowKind::Paid => 1,
            // A cancelled bill, like a waived one, is no longer owed.
            FlowKind::Waived | FlowKind::Cancelled => 2,
        };
        by_building.entry(Natural(f.building.clone())).or_default()[slot].push(f);
    }
    let mut lines = Vec::new();
    for period in from.through(to) {
        let mut all = CollectionLine { building: "全部".into(), period: period.to_string(), ..CollectionLine::default() };
        for (building, [billed, collected, waived]) in &by_building {
            let p = period;
            let (b, c, w) = (month_sums(billed, p), month_sums(collected, p), month_sums(waived, p));
            let current_billed = b.of_month - w.of_month_in_month;
            let current_collected = c.of_month_in_month;
            let arrears_at_start = b.before - c.before_before - w.before_before;
            let arrears_collected = c.before_in_month;
            let year_billed = b.year - w.year;
            let year_collected = c.year;
            let received_by_then: i64 = received.get(building).map_or(0, |r| r.iter().filter(|(m, _)| *m <= p).map(|(_, f)| f).sum());
            let prepaid = received_by_then - c.by_then;
            if current_billed == 0 && arrears_at_start == 0 && prepaid == 0 {
                continue;
            }
            let line = CollectionLine {
                building: building.0.clone(),
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

/// The sums of one kind of a building's figures that month `p`'s line needs, in one pass over
/// them (the report reads each building's figures once per month, so one pass, not eight).
#[derive(Default)]
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

fn month_sums(rows: &[FlowRow], p: Period) -> MonthSums {
    let mut s = MonthSums::default();
    for r in rows {
        let fen = r.amount_fen;
        if r.bill_period == p {
            s.of_month += fen;
            if r.event_period == p {
                s.of_month_in_month += fen;
            }
        } else if r.bill_period < p {
            s.before += fen;
            if r.event_period < p {
                s.before_before += fen;
            } else if r.event_period == p {
                s.before_in_month += fen;
            }
        }
        if r.bill_period.year() == p.year() && r.bill_period <= p && r.event_period <= p {
            s.year += fen;
        }
        if r.event_period <= p {
            s.by_then += fen;
        }
    }
    s
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

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementBill {
    /// 账单号, which `waive --bill` and `pay --bill` take.
    pub bill_id: i64,
    pub period: String,
    pub fee_item: String,
    /// The unit the bill is for (a parking space the household holds), none for its own.
    pub unit: Option<String>,
    pub amount: Fen,
    pub paid: Fen,
    pub waived: Fen,
    pub open: Fen,
    /// 滞纳金 accrued on the open amount by the statement's date (zero when the item has none).
    pub late_fee: Fen,
}

impl StatementBill {
    /// "车位停车费（B1-018）": the item, and the unit it is for.
    pub fn label(&self) -> String {
        bill_label(&self.fee_item, self.unit.as_deref())
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementPayment {
    pub paid_on: String,
    pub receipt: String,
    pub method: String,
    pub amount: Fen,
    /// Voided by a reversing entry: listed, but it settles nothing.
    pub voided: bool,
}

/// 住户对账单.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HouseholdStatement {
    pub book: String,
    pub household: String,
    pub owner_name: String,
    pub bills: Vec<StatementBill>,
    pub payments: Vec<StatementPayment>,
    pub open: Fen,
    pub prepaid: Fen,
    /// The statement's date, which late fees are reckoned to.
    pub as_of: String,
    pub late_fees: Fen,
}

pub async fn household_statement<S: FeesStore>(
    store: &S,
    book: &Book,
    household: &HouseholdRow,
    as_of: NaiveDate,
) -> Result<HouseholdStatement> {
    let mut tx = store.read().await?;
    let bills = tx.household_bills(book.key(), household.id).await?;
    let settlements = tx.household_settlements(book.key(), household.id).await?;
    let voided_on: HashMap<i64, NaiveDate> = tx.household_voids(book.key(), household.id).await?.into_iter().collect();
    // As at the end of `as_of`: bills billed by then (a month is billed on its first day) and
    // what settled them by then; payments made by then, voided only if voided by then.
    let payments: Vec<PaymentRow> = tx
        .household_payments(book.key(), household.id)
        .await?
        .into_iter()
        .filter(|p| p.paid_on <= as_of)
        .map(|p| PaymentRow { voided: voided_on.get(&p.id).is_some_and(|d| *d <= as_of), ..p })
        .collect();
    let mut paid: HashMap<i64, i64> = HashMap::new();
    let mut waived: HashMap<i64, i64> = HashMap::new();
    // A bill cancelled by then (冲销计费) was never owed: the statement leaves it out.
    let mut cancelled: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for s in settlements.iter().filter(|s| s.on() <= as_of) {
        if s.is_cancellation {
            cancelled.insert(s.bill_id);
            continue;
        }
        *if s.is_waiver { &mut waived } else { &mut paid }.entry(s.bill_id).or_default() += s.amount_fen;
    }
    let received: i64 = payments.iter().filter(|p| !p.voided).map(|p| p.amount_fen).sum();
    // Every payment allocation counts here, a voided payment's negative ones too, so a payment
    // voided by then nets to nothing.
    let settled_by_payments: i64 = paid.values().sum();
    let prepaid = received - settled_by_payments;
    let month = Period::of_date(as_of);
    let bills: Vec<StatementBill> = bills
        .into_iter()
        .filter(|b| b.period <= month && !cancelled.contains(&b.bill_id))
        .map(|b| {
            let (paid, waived) = (paid.get(&b.bill_id).copied().unwrap_or(0), waived.get(&b.bill_id).copied().unwrap_or(0));
            let open = Fen(b.amount_fen - paid - waived);
            StatementBill {
                bill_id: b.bill_id,
                period: b.period.to_string(),
                fee_item: b.fee_item,
                unit: b.unit_code,
                amount: Fen(b.amount_fen),
                paid: Fen(paid),
                waived: Fen(waived),
                open,
                late_fee: late_fee(open, Fen(b.amount_fen), days_overdue(b.period, as_of), b.late_fee_ppm_per_day, b.late_fee_cap_percent),
            }
        })
        .collect();
    Ok(HouseholdStatement {
        book: book.row.name.clone(),
        household: household_label(household),
        owner_name: household.owner_name.clone(),
        open: bills.iter().map(|b| b.open).sum(),
        late_fees: bills.iter().map(|b| b.late_fee).sum(),
        as_of: as_of.to_string(),
        bills,
        payments: payments
            .into_iter()
            .map(|p| StatementPayment {
                paid_on: p.paid_on.to_string(),
                receipt: receipt_label(p.receipt_number),
                method: p.method.label().to_string(),
                amount: Fen(p.amount_fen),
                voided: p.voided,
            })
            .collect(),
        prepaid: Fen(prepaid),
    })
}

impl HouseholdStatement {
    pub fn to_table(&self) -> Table {
        let r = Align::Right;
        let mut t = Table::new(
            "住户对账单",
            &[("账单号", Align::Left), ("月份", Align::Left), ("项目", Align::Left), ("应收", r), ("已收", r), ("减免", r), ("未结清", r)],
        );
        t.subtitle.push(format!("{}    住户：{}（{}）", self.book, self.household, self.owner_name));
        for b in &self.bills {
            t.rows.push(vec![
                b.bill_id.to_string(),
                b.period.clone(),
                b.label(),
                money_cell(b.amount.0),
                money_cell(b.paid.0),
                money_cell(b.waived.0),
                money_cell(b.open.0),
            ]);
        }
        for p in &self.payments {
            let voided = if p.voided { "（已作废）" } else { "" };
            t.footer.push(format!("{} 收据{} {} {}{voided}", p.paid_on, p.receipt, p.method, p.amount));
        }
        t.footer.push(format!("未结清合计 {}；滞纳金合计 {}；预收余额 {}", self.open, self.late_fees, self.prepaid));
        t
    }
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_percentages_rounded_half_up_to_two_decimals() {
        assert_eq!(rate(1, 3).as_deref(), Some("33.33%"));
        assert_eq!(rate(2, 3).as_deref(), Some("66.67%"));
        assert_eq!(rate(5, 5).as_deref(), Some("100.00%"));
        assert_eq!(rate(0, 5).as_deref(), Some("0.00%"));
        assert_eq!(rate(1, 0), None);
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
}

/// The statements, as of `as_of`, of the households in arrears that the selection names, in
/// building and room order. A bill is overdue once its month has ended before `as_of`.
pub async fn dunning_statements<S: FeesStore>(
    store: &S,
    book: &Book,
    as_of: NaiveDate,
    select: &DunningSelection,
) -> Result<Vec<HouseholdStatement>> {
    let (open, households) = {
        let mut tx = store.read().await?;
        (tx.open_bills(book.key(), None).await?, tx.households(book.row.community_id).await?)
    };
    let current = Period::of_date(as_of);
    // household → (overdue months, overdue amount)
    let mut overdue: BTreeMap<HouseholdId, (std::collections::BTreeSet<Period>, i64)> = BTreeMap::new();
    for b in open.iter().filter(|b| b.period < current) {
        let entry = overdue.entry(b.household_id).or_default();
        entry.0.insert(b.period);
        entry.1 += b.open_fen;
    }
    // In the office's order (building 2 before 10), as `households` reads them.
    let chosen: Vec<&HouseholdRow> = households
        .iter()
        .filter(|h| select.buildings.is_empty() || select.buildings.contains(&h.building))
        .filter(|h| {
            overdue.get(&h.id).is_some_and(|(months, fen)| months.len() >= select.min_months.max(1) && *fen >= select.min_overdue.0)
        })
        .collect();
    let mut out = Vec::with_capacity(chosen.len());
    for h in chosen {
        out.push(household_statement(store, book, h, as_of).await?);
    }
    Ok(out)
}
