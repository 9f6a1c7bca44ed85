//! The arithmetic of property fees, with no I/O: what a household owes for a month, how a
//! payment settles open bills, and the plan of a billing run. Amounts are rounded once, at the
//! end, by the program's one rule (half up to the fen).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::ids::HouseholdId;
use crate::domain::money::{round_half_up_to_fen, Fen};
use crate::domain::natural::Natural;
use crate::domain::period::Period;
use crate::error::{Error, Result};
pub use crate::fees::kinds::{FeeBasis, FlowKind, HouseholdKind};
use crate::fees::store::{FeeItemRow, FeeStandardRow, HouseholdRow, MeterReadingRow, NewBill, OpenBillRow, PrepaymentRow};

/// The quantity a month's bill multiplies the rate by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantity {
    Area { area_m2: Decimal },
    Month,
    Metered { used: Decimal },
}

/// What a household owes for one fee item in `period`: rate × quantity, pro rata by days when
/// it moved in during the month (住户月中入住按天计费), nothing before it moved in.
/// Rounded once, half up to the fen.
pub fn monthly_charge(rate_yuan: Decimal, quantity: Quantity, period: Period, move_in: Option<NaiveDate>) -> Fen {
    let base = match quantity {
        Quantity::Area { area_m2 } => rate_yuan * area_m2,
        Quantity::Month => rate_yuan,
        Quantity::Metered { used } => rate_yuan * used,
    };
    let days_in_month = Decimal::from(period.last_day().day());
    let billed = match move_in {
        Some(d) if d > period.last_day() => Decimal::ZERO,
        // Metered use is already only what was used since moving in.
        Some(d) if d > period.first_day() && !matches!(quantity, Quantity::Metered { .. }) => {
            let days = Decimal::from(period.last_day().day() - d.day() + 1);
            base * days / days_in_month
        }
        _ => base,
    };
    round_half_up_to_fen(billed)
}

/// A meter replaced in the month (换表), as the reading sheet records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeterChange {
    /// 旧表止数: the old meter's last reading; its use since the previous reading is billed too.
    /// Without it the old meter's last stretch is not billed.
    pub old_final: Option<Decimal>,
    /// 新表起数: the new meter's first reading (zero when not given).
    pub new_start: Decimal,
}

/// Consumption between two meter readings, or across a meter change: the old meter's use up
/// to its last reading plus the new meter's since its first. None when it cannot be known: no
/// earlier reading of a meter that was not replaced (or whose old meter's last reading is to be
/// billed), or a reading below the one it is measured from.
pub fn metered_use(previous: Option<Decimal>, current: Decimal, change: Option<MeterChange>) -> Option<Decimal> {
    let since = |from: Decimal, to: Decimal| (to >= from).then(|| to - from);
    match change {
        None => since(previous?, current),
        Some(MeterChange { old_final: None, new_start }) => since(new_start, current),
        Some(MeterChange { old_final: Some(last), new_start }) => Some(since(previous?, last)? + since(new_start, current)?),
    }
}

/// 滞纳金 on what is still open of a bill, `days_overdue` days after it fell due: a daily rate
/// in parts per million of the open amount, capped at a percentage of the bill. Off (zero) when
/// the item sets no rate. Rounded once, half up to the fen.
pub fn late_fee(open: Fen, bill: Fen, days_overdue: i64, ppm_per_day: i64, cap_percent: i64) -> Fen {
    if ppm_per_day <= 0 || days_overdue <= 0 || open.0 <= 0 {
        return Fen::ZERO;
    }
    let accrued = Decimal::new(open.0, 2) * Decimal::from(ppm_per_day) * Decimal::from(days_overdue) / Decimal::from(1_000_000);
    let cap = Decimal::new(bill.0, 2) * Decimal::from(cap_percent) / Decimal::ONE_HUNDRED;
    round_half_up_to_fen(accrued.min(cap))
}

/// A bill falls due at the end of its month (物业费按月预交, 当月末为缴费期限).
pub fn days_overdue(bill_period: Period, as_of: NaiveDate) -> i64 {
    (as_of - bill_period.last_day()).num_days().max(0)
}

/// An open bill as the allocation sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenBill {
    pub bill_id: i64,
    pub period: Period,
    pub fee_item_id: i64,
    pub open_fen: i64,
}

/// Settles `amount` against bills oldest first (by month, then fee item); returns the
/// (bill, amount) pairs and what is left over, which becomes a prepayment (预收).
pub fn allocate_oldest_first(mut bills: Vec<OpenBill>, amount: Fen) -> (Vec<(i64, Fen)>, Fen) {
    bills.sort_by_key(|b| (b.period, b.fee_item_id, b.bill_id));
    let mut left = amount.0;
    let mut out = Vec::new();
    for b in bills {
        if left == 0 {
            break;
        }
        let take = left.min(b.open_fen);
        if take > 0 {
            out.push((b.bill_id, Fen(take)));
            left -= take;
        }
    }
    (out, Fen(left))
}

/// What a billing run decides before it writes anything: the new bills, their sums per
/// building and fee item (the voucher's lines and the maintained figures), and what each
/// household's prepayment settles.
#[derive(Debug, Default)]
pub struct BillingPlan {
    pub bills: Vec<NewBill>,
    /// Buildings in the office's order (2 before 10), as the voucher lists them.
    pub per_building_item_fen: BTreeMap<(Natural, i64), i64>,
    /// Metered bills the run cannot make, and why: they stay unbilled until the readings are
    /// put right, and the run names them rather than guess.
    pub held: Vec<HeldBill>,
}

/// A household's metered bill that a run holds back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBill {
    pub household_id: HouseholdId,
    pub fee_item_id: i64,
    pub reason: HeldReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldReason {
    /// No reading for the month.
    NoReading,
    /// No earlier reading to subtract: billing the whole reading would bill the meter's life.
    NoPreviousReading,
    /// The reading is below the previous one and the meter is not marked replaced.
    ReadingBelowPrevious,
}

impl HeldReason {
    pub fn label(self) -> &'static str {
        match self {
            HeldReason::NoReading => "缺少本月读数",
            HeldReason::NoPreviousReading => "缺少上期读数（新表请先录入上月的起始读数）",
            HeldReason::ReadingBelowPrevious => "本月读数小于上期读数（换表请标注为换表）",
        }
    }
}

/// What the billing run reads, as it was read, for the plan.
pub struct BillingInputs<'a> {
    pub households: &'a [HouseholdRow],
    pub items: &'a [FeeItemRow],
    pub standards: &'a [FeeStandardRow],
    /// (household, fee item) pairs with a live bill for the month: a run never bills them again.
    pub already: &'a HashSet<(HouseholdId, i64)>,
    /// How many bills of the month each pair has had (all cancelled, unless in `already`): a
    /// new bill is the next issue.
    pub issued: &'a HashMap<(HouseholdId, i64), i64>,
    /// The month's meter readings and each meter's latest earlier one.
    pub readings: &'a [MeterReadingRow],
}

/// Plans a month's bills (pure): every household × fee item with a standard in force on the
/// month's first day, not yet billed, with a positive charge.
pub fn plan_bills(period: Period, inputs: &BillingInputs<'_>) -> Result<BillingPlan> {
    let mut current: HashMap<(HouseholdId, i64), (Decimal, Option<MeterChange>)> = HashMap::new();
    let mut previous: HashMap<(HouseholdId, i64), Decimal> = HashMap::new();
    for r in inputs.readings {
        let value = r.value()?;
        if r.period == period {
            current.insert((r.household_id, r.fee_item_id), (value, r.change()?));
        } else {
            previous.insert((r.household_id, r.fee_item_id), value);
        }
    }
    let first_day = period.first_day();
    let mut plan = BillingPlan::default();
    // Summed by building name as it is, then ordered once per building: ordering every bill's
    // key in natural order (and copying the name) cost a tenth of a 300,000-bill run.
    let mut per_building_item: HashMap<(&str, i64), i64> = HashMap::new();
    for h in inputs.households {
        for item in inputs.items {
            if inputs.already.contains(&(h.id, item.id)) {
                continue;
            }
            let Some(standard) = inputs.standards.iter().find(|s| {
                s.fee_item_id == item.id
                    && s.household_kind == h.kind
                    && s.valid_from <= first_day
                    && s.valid_until.is_none_or(|u| first_day < u)
            }) else {
                continue;
            };
            let rate = Decimal::from_str(&standard.rate_yuan).map_err(|_| Error::invalid("收费标准", standard.rate_yuan.clone()))?;
            let quantity = match item.basis {
                FeeBasis::PerM2Month => Quantity::Area { area_m2: h.area_m2_hundredths.m2() },
                FeeBasis::FixedMonth => Quantity::Month,
                FeeBasis::Metered => {
                    let held = |reason| HeldBill { household_id: h.id, fee_item_id: item.id, reason };
                    let Some((reading, replaced)) = current.get(&(h.id, item.id)) else {
                        plan.held.push(held(HeldReason::NoReading));
                        continue;
                    };
                    let earlier = previous.get(&(h.id, item.id)).copied();
                    match metered_use(earlier, *reading, *replaced) {
                        Some(used) => Quantity::Metered { used },
                        None if earlier.is_none() => {
                            plan.held.push(held(HeldReason::NoPreviousReading));
                            continue;
                        }
                        None => {
                            plan.held.push(held(HeldReason::ReadingBelowPrevious));
                            continue;
                        }
                    }
                }
            };
            let amount = monthly_charge(rate, quantity, period, h.move_in_date);
            if amount.0 <= 0 {
                continue;
            }
            *per_building_item.entry((h.building.as_str(), item.id)).or_default() += amount.0;
            let issue = inputs.issued.get(&(h.id, item.id)).copied().unwrap_or(0) + 1;
            plan.bills.push(NewBill { household_id: h.id, fee_item_id: item.id, period, amount_fen: amount.0, issue, tax_fen: 0 });
        }
    }
    plan.per_building_item_fen =
        per_building_item.into_iter().map(|((building, item_id), fen)| ((Natural(building.to_string()), item_id), fen)).collect();
    Ok(plan)
}

/// What each household's prepayment (预收) settles of its open bills, this month's included,
/// oldest first (pure): (bill, payment, amount).
pub fn apply_prepayments(open: &[OpenBillRow], prepaid: &[PrepaymentRow]) -> Vec<(i64, i64, Fen)> {
    if prepaid.is_empty() {
        return Vec::new();
    }
    let mut open_by_household: HashMap<HouseholdId, Vec<OpenBill>> = HashMap::new();
    for b in open {
        open_by_household.entry(b.household_id).or_default().push(OpenBill {
            bill_id: b.id,
            period: b.period,
            fee_item_id: b.fee_item_id,
            open_fen: b.open_fen,
        });
    }
    let mut settled_all = Vec::new();
    for p in prepaid {
        let open = open_by_household.entry(p.household_id).or_default();
        let (settled, _) = allocate_oldest_first(open.clone(), Fen(p.left_fen));
        for (bill_id, fen) in settled {
            if let Some(b) = open.iter_mut().find(|b| b.bill_id == bill_id) {
                b.open_fen -= fen.0;
            }
            settled_all.push((bill_id, p.payment_id, fen));
        }
        open.retain(|b| b.open_fen > 0);
    }
    settled_all
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn charges_by_area_fixed_and_metered_rounded_half_up() {
        let march = Period::new(2025, 3).unwrap();
        // 1.35 元/m² × 89.37 m² = 120.6495 → 120.65
        assert_eq!(monthly_charge(d("1.35"), Quantity::Area { area_m2: d("89.37") }, march, None), Fen(12065));
        assert_eq!(monthly_charge(d("150"), Quantity::Month, march, None), Fen(15000));
        assert_eq!(monthly_charge(d("3.2"), Quantity::Metered { used: d("12.5") }, march, None), Fen(4000));
    }

    #[test]
    fn a_household_moving_in_mid_month_pays_by_days() {
        let march = Period::new(2025, 3).unwrap();
        let move_in = NaiveDate::from_ymd_opt(2025, 3, 21);
        // 11 of 31 days of 100.00 = 35.4838… → 35.48
        assert_eq!(monthly_charge(d("100"), Quantity::Month, march, move_in), Fen(3548));
        assert_eq!(monthly_charge(d("100"), Quantity::Month, march, NaiveDate::from_ymd_opt(2025, 4, 2)), Fen::ZERO);
        assert_eq!(monthly_charge(d("100"), Quantity::Month, march, NaiveDate::from_ymd_opt(2025, 3, 1)), Fen(10000));
    }

    #[test]
    fn late_fees_accrue_daily_up_to_their_cap_and_are_off_by_default() {
        let march = Period::new(2025, 3).unwrap();
        assert_eq!(days_overdue(march, NaiveDate::from_ymd_opt(2025, 4, 30).unwrap()), 30);
        assert_eq!(days_overdue(march, NaiveDate::from_ymd_opt(2025, 3, 15).unwrap()), 0);
        // 0.03 % a day of 200.00 for 30 days = 1.80; capped at 10 % = 20.00.
        assert_eq!(late_fee(Fen(20_000), Fen(20_000), 30, 300, 10), Fen(180));
        assert_eq!(late_fee(Fen(20_000), Fen(20_000), 3_650, 300, 10), Fen(2_000));
        assert_eq!(late_fee(Fen(20_000), Fen(20_000), 30, 0, 10), Fen::ZERO);
        // 0.05 % of 33.33 for 7 days = 0.116655 → 0.12.
        assert_eq!(late_fee(Fen(3_333), Fen(3_333), 7, 500, 100), Fen(12));
    }

    #[test]
    fn meters_count_forward_unless_replaced() {
        assert_eq!(metered_use(Some(d("100")), d("112.5"), None), Some(d("12.5")));
        assert_eq!(metered_use(Some(d("100")), d("90"), None), None);
        assert_eq!(metered_use(None, d("88834"), None), None, "without an earlier reading the use is unknown, not the whole reading");
        // 换表: the new meter counted from its first reading, the old one up to its last.
        let fresh = MeterChange { old_final: None, new_start: Decimal::ZERO };
        assert_eq!(metered_use(Some(d("100")), d("3"), Some(fresh)), Some(d("3")));
        let from_five = MeterChange { old_final: None, new_start: d("5") };
        assert_eq!(metered_use(None, d("8"), Some(from_five)), Some(d("3")), "a new meter needs no earlier reading");
        assert_eq!(metered_use(None, d("4"), Some(from_five)), None, "below the new meter's first reading");
        let both = MeterChange { old_final: Some(d("107")), new_start: d("5") };
        assert_eq!(metered_use(Some(d("100")), d("8"), Some(both)), Some(d("10")), "7 on the old meter and 3 on the new");
        assert_eq!(metered_use(None, d("8"), Some(both)), None, "the old meter's last stretch needs its earlier reading");
        assert_eq!(metered_use(Some(d("110")), d("8"), Some(both)), None, "the old meter's last reading below its previous one");
    }

    #[test]
    fn payments_settle_the_oldest_bills_first_and_keep_the_rest() {
        let bill = |bill_id, period: i64, fee_item_id, open_fen| OpenBill {
            bill_id,
            period: Period::from_key(period).unwrap(),
            fee_item_id,
            open_fen,
        };
        let bills = vec![bill(3, 202503, 1, 10_000), bill(1, 202501, 2, 5_000), bill(2, 202501, 1, 10_000)];
        let (settled, left) = allocate_oldest_first(bills.clone(), Fen(17_000));
        assert_eq!(settled, vec![(2, Fen(10_000)), (1, Fen(5_000)), (3, Fen(2_000))]);
        assert_eq!(left, Fen::ZERO);
        let (settled, left) = allocate_oldest_first(bills, Fen(30_000));
        assert_eq!(settled.len(), 3);
        assert_eq!(left, Fen(5_000));
    }
}
