//! The arithmetic of property fees, with no I/O: what a household owes for a month, how a
//! payment settles open bills, and the plan of a billing run. Amounts are rounded once, at the
//! end, by the program's one rule (half up to the fen).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::domain::ids::{BillId, FeeItemId, HouseholdId, PaymentId, UnitId};
use crate::domain::money::{round_half_up_to_fen, Fen};
use crate::domain::natural::Natural;
use crate::domain::period::Period;
use crate::error::Result;
pub use crate::fees::kinds::{FeeBasis, FlowKind, HouseholdKind};
use crate::fees::rows::{FeeItemRow, FeeStandardRow, HouseholdRow, MeterChange, MeterReadingRow, NewBill, OpenBillRow, PrepaymentRow};
use crate::fees::units::UnitRow;

/// The quantity a month's bill multiplies the rate by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantity {
    Area { area_m2: Decimal },
    Month,
    Metered { used: Decimal },
}

/// The days a charge covers: from the day a household moved in or a unit's holding began,
/// until the day a holding ended (exclusive). None: from before the month, past its end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Held {
    pub fn from(day: Option<NaiveDate>) -> Held {
        Held { from: day, until: None }
    }
}

/// What a household owes for one fee item (for itself or a unit it holds) in `period`: rate ×
/// quantity, pro rata by the days of the month it was held (住户月中入住、车位月中起租或退租按天
/// 计费), nothing outside them. Rounded once, half up to the fen.
pub fn monthly_charge(rate_yuan: Decimal, quantity: Quantity, period: Period, held: Held) -> Fen {
    // Checked: stored figures from before the limits could overflow a Decimal; the result is
    // then past every limit and the run holds the bill back, naming it, instead of panicking.
    let base = match quantity {
        Quantity::Area { area_m2 } => rate_yuan.checked_mul(area_m2),
        Quantity::Month => Some(rate_yuan),
        Quantity::Metered { used } => rate_yuan.checked_mul(used),
    }
    .unwrap_or(Decimal::MAX);
    let (first, last) = (period.first_day(), period.last_day());
    let from = held.from.map_or(first, |d| d.max(first));
    // The last day held within the month (`until` is the first day not held).
    let to = held.until.map_or(last, |d| d.pred_opt().unwrap_or(d).min(last));
    let billed = if from > to {
        Decimal::ZERO
    } else if (from == first && to == last) || matches!(quantity, Quantity::Metered { .. }) {
        // Metered use is already only what was used while held.
        base
    } else {
        let days = Decimal::from((to - from).num_days() + 1);
        base.checked_mul(days).unwrap_or(Decimal::MAX) / Decimal::from(last.day())
    };
    round_half_up_to_fen(billed)
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
    pub bill_id: BillId,
    pub period: Period,
    pub fee_item_id: FeeItemId,
    pub open_fen: i64,
}

/// Settles `amount` against bills oldest first (by month, then fee item); returns the
/// (bill, amount) pairs and what is left over, which becomes a prepayment (预收).
pub fn allocate_oldest_first(mut bills: Vec<OpenBill>, amount: Fen) -> (Vec<(BillId, Fen)>, Fen) {
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
    pub per_building_item_fen: BTreeMap<(Natural, FeeItemId), i64>,
    /// Metered bills the run cannot make, and why: they stay unbilled until the readings are
    /// put right, and the run names them rather than guess.
    pub held: Vec<HeldBill>,
}

/// A household's metered bill that a run holds back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBill {
    pub household_id: HouseholdId,
    pub unit_id: Option<UnitId>,
    pub fee_item_id: FeeItemId,
    pub reason: HeldReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldReason {
    /// No reading for the month of a meter read before.
    NoReading,
    /// No earlier reading to subtract: billing the whole reading would bill the meter's life.
    NoPreviousReading,
    /// The reading is below the previous one and the meter is not marked replaced.
    ReadingBelowPrevious,
    /// A unit billed by area has no area registered.
    NoUnitArea,
    /// The bill would exceed the largest single amount (a metered use far beyond any meter's).
    TooLarge,
}

impl HeldReason {
    pub fn label(self) -> &'static str {
        match self {
            HeldReason::NoReading => "缺少本月读数",
            HeldReason::NoPreviousReading => "缺少上期读数（新装的表请在本月读数中填写新表起数，或录入上月读数）",
            HeldReason::ReadingBelowPrevious => "本月读数小于上期读数（换表请标注为换表）",
            HeldReason::NoUnitArea => "该单元按面积计费，但未登记面积",
            HeldReason::TooLarge => "账单金额超出单笔上限（1000000000.00 元），请核对读数",
        }
    }
}

/// What the billing run reads, as it was read, for the plan.
pub struct BillingInputs<'a> {
    pub households: &'a [HouseholdRow],
    pub items: &'a [FeeItemRow],
    pub standards: &'a [FeeStandardRow],
    /// The units households hold, every holding (those not held in the month are skipped).
    pub units: &'a [UnitRow],
    /// Bills with a live bill for the month: a run never bills them again.
    pub already: &'a HashSet<BillKey>,
    /// How many bills of the month each key has had (all cancelled, unless in `already`): a
    /// new bill is the next issue.
    pub issued: &'a HashMap<BillKey, i64>,
    /// The month's meter readings and each meter's latest earlier one.
    pub readings: &'a [MeterReadingRow],
}

/// A month's bill is one per household, unit it holds (None: its own bill) and fee item.
pub type BillKey = (HouseholdId, Option<UnitId>, FeeItemId);

/// Plans a month's bills (pure): every household × fee item with a standard in force on the
/// month's first day, then every unit held in the month × fee item (its own rate before its
/// kind's), not yet billed, with a positive charge. Units are not metered: a metered item
/// bills households only.
pub fn plan_bills(period: Period, inputs: &BillingInputs<'_>) -> Result<BillingPlan> {
    let readings = MeterReadings::of(period, inputs.readings)?;
    let mut plan = Planned::default();
    plan_households(&mut plan, period, inputs, &readings)?;
    plan_units(&mut plan, period, inputs)?;
    Ok(plan.finish())
}

/// Each meter's reading of the month (with its change of meter, if any) and its latest
/// earlier one, by household and fee item.
struct MeterReadings {
    current: HashMap<(HouseholdId, FeeItemId), (Decimal, Option<MeterChange>)>,
    previous: HashMap<(HouseholdId, FeeItemId), Decimal>,
}

impl MeterReadings {
    fn of(period: Period, readings: &[MeterReadingRow]) -> Result<MeterReadings> {
        let mut current = HashMap::new();
        let mut previous = HashMap::new();
        for r in readings {
            let value = r.value()?;
            if r.period == period {
                current.insert((r.household_id, r.fee_item_id), (value, r.change()?));
            } else {
                previous.insert((r.household_id, r.fee_item_id), value);
            }
        }
        Ok(MeterReadings { current, previous })
    }
}

/// The standard of `item_id` in force on `first_day`: a unit's own (by its code) before its
/// kind's.
fn standard_for<'s>(
    standards: &'s [FeeStandardRow],
    first_day: NaiveDate,
    item_id: FeeItemId,
    kind: HouseholdKind,
    unit_code: Option<&str>,
) -> Option<&'s FeeStandardRow> {
    let in_force = |s: &&FeeStandardRow| s.fee_item_id == item_id && s.in_force_on(first_day);
    let own = unit_code.and_then(|code| standards.iter().filter(in_force).find(|s| s.unit_code.as_deref() == Some(code)));
    own.or_else(|| standards.iter().filter(in_force).find(|s| s.unit_code.is_none() && s.household_kind == Some(kind)))
}

/// Every household × fee item: its own bills, metered ones from its readings.
fn plan_households<'a>(plan: &mut Planned<'a>, period: Period, inputs: &BillingInputs<'a>, readings: &MeterReadings) -> Result<()> {
    let first_day = period.first_day();
    for h in inputs.households {
        for item in inputs.items {
            let key = (h.id, None, item.id);
            if inputs.already.contains(&key) {
                continue;
            }
            let Some(standard) = standard_for(inputs.standards, first_day, item.id, h.kind, None) else { continue };
            let quantity = match item.basis {
                FeeBasis::PerM2Month => Quantity::Area { area_m2: h.area_m2_hundredths.m2() },
                FeeBasis::FixedMonth => Quantity::Month,
                FeeBasis::Metered => {
                    let earlier = readings.previous.get(&(h.id, item.id)).copied();
                    match readings
                        .current
                        .get(&(h.id, item.id))
                        .map(|(reading, replaced)| (metered_use(earlier, *reading, *replaced), earlier))
                    {
                        Some((Some(used), _)) => Quantity::Metered { used },
                        // Never read: the household has no meter of this item (a meter's life
                        // starts with its 新表起数), so there is nothing to bill or to hold.
                        None if earlier.is_none() => continue,
                        held => {
                            let reason = match held {
                                None => HeldReason::NoReading,
                                Some((_, None)) => HeldReason::NoPreviousReading,
                                Some(_) => HeldReason::ReadingBelowPrevious,
                            };
                            plan.held.push(HeldBill { household_id: h.id, unit_id: None, fee_item_id: item.id, reason });
                            continue;
                        }
                    }
                }
            };
            let amount = monthly_charge(standard.rate()?, quantity, period, Held::from(h.move_in_date));
            if !amount.within_limit() {
                plan.held.push(HeldBill { household_id: h.id, unit_id: None, fee_item_id: item.id, reason: HeldReason::TooLarge });
                continue;
            }
            plan.add(inputs, &h.building, key, period, amount);
        }
    }
    Ok(())
}

/// Every unit held in the month × fee item, billed to its holder (never metered).
fn plan_units<'a>(plan: &mut Planned<'a>, period: Period, inputs: &BillingInputs<'a>) -> Result<()> {
    let first_day = period.first_day();
    let households: HashMap<HouseholdId, &HouseholdRow> = inputs.households.iter().map(|h| (h.id, h)).collect();
    for u in inputs.units.iter().filter(|u| u.held_in(period)) {
        let holder = households.get(&u.household_id).expect("a unit's household is one of the community's (foreign key)");
        for item in inputs.items {
            let key = (u.household_id, Some(u.id), item.id);
            if inputs.already.contains(&key) || item.basis == FeeBasis::Metered {
                continue;
            }
            let Some(standard) = standard_for(inputs.standards, first_day, item.id, u.kind, Some(&u.code)) else { continue };
            let quantity = match (item.basis, u.area_m2_hundredths) {
                (FeeBasis::PerM2Month, Some(area)) => Quantity::Area { area_m2: area.m2() },
                (FeeBasis::PerM2Month, None) => {
                    plan.held.push(HeldBill {
                        household_id: u.household_id,
                        unit_id: Some(u.id),
                        fee_item_id: item.id,
                        reason: HeldReason::NoUnitArea,
                    });
                    continue;
                }
                _ => Quantity::Month,
            };
            let amount = monthly_charge(standard.rate()?, quantity, period, Held { from: Some(u.held_from), until: u.held_until });
            plan.add(inputs, &holder.building, key, period, amount);
        }
    }
    Ok(())
}

/// A plan as it is made: the building sums keyed by the name as it is, ordered once at the end
/// (ordering every bill's key in natural order, and copying the name, cost a tenth of a
/// 300,000-bill run).
#[derive(Default)]
struct Planned<'a> {
    bills: Vec<NewBill>,
    per_building_item: HashMap<(&'a str, FeeItemId), i64>,
    held: Vec<HeldBill>,
}

impl<'a> Planned<'a> {
    fn add(&mut self, inputs: &BillingInputs<'_>, building: &'a str, key: BillKey, period: Period, amount: Fen) {
        if amount.0 <= 0 {
            return;
        }
        let (household_id, unit_id, fee_item_id) = key;
        *self.per_building_item.entry((building, fee_item_id)).or_default() += amount.0;
        let issue = inputs.issued.get(&key).copied().unwrap_or(0) + 1;
        self.bills.push(NewBill { household_id, unit_id, fee_item_id, period, amount_fen: amount.0, issue, tax_fen: 0 });
    }

    fn finish(self) -> BillingPlan {
        BillingPlan {
            bills: self.bills,
            per_building_item_fen: self
                .per_building_item
                .into_iter()
                .map(|((building, item_id), fen)| ((Natural(building.to_string()), item_id), fen))
                .collect(),
            held: self.held,
        }
    }
}

/// What each household's prepayment (预收) settles of its open bills, this month's included,
/// oldest first (pure): (bill, payment, amount).
pub fn apply_prepayments(open: &[OpenBillRow], prepaid: &[PrepaymentRow]) -> Vec<(BillId, PaymentId, Fen)> {
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
        assert_eq!(monthly_charge(d("1.35"), Quantity::Area { area_m2: d("89.37") }, march, Held::default()), Fen(12065));
        assert_eq!(monthly_charge(d("150"), Quantity::Month, march, Held::default()), Fen(15000));
        assert_eq!(monthly_charge(d("3.2"), Quantity::Metered { used: d("12.5") }, march, Held::default()), Fen(4000));
    }

    #[test]
    fn a_household_moving_in_mid_month_pays_by_days() {
        let march = Period::new(2025, 3).unwrap();
        let move_in = NaiveDate::from_ymd_opt(2025, 3, 21);
        // 11 of 31 days of 100.00 = 35.4838… → 35.48
        assert_eq!(monthly_charge(d("100"), Quantity::Month, march, Held::from(move_in)), Fen(3548));
        assert_eq!(monthly_charge(d("100"), Quantity::Month, march, Held::from(NaiveDate::from_ymd_opt(2025, 4, 2))), Fen::ZERO);
        assert_eq!(monthly_charge(d("100"), Quantity::Month, march, Held::from(NaiveDate::from_ymd_opt(2025, 3, 1))), Fen(10000));
    }

    #[test]
    fn a_unit_held_for_part_of_a_month_pays_by_days() {
        let march = Period::new(2025, 3).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2025, 3, d);
        // Held 1–10 March (ends on the 11th): 10 of 31 days of 150.00 = 48.387… → 48.39.
        assert_eq!(monthly_charge(d("150"), Quantity::Month, march, Held { from: None, until: day(11) }), Fen(4839));
        // From the 11th: the other 21 days, 101.61; the two add up to the month within a fen.
        assert_eq!(monthly_charge(d("150"), Quantity::Month, march, Held { from: day(11), until: None }), Fen(10161));
        // 5–9 March: 5 days; ended before the month: nothing; held from 1 April: nothing.
        assert_eq!(monthly_charge(d("155"), Quantity::Month, march, Held { from: day(5), until: day(10) }), Fen(2500));
        assert_eq!(monthly_charge(d("150"), Quantity::Month, march, Held { from: None, until: day(1) }), Fen::ZERO);
        assert_eq!(
            monthly_charge(d("150"), Quantity::Month, march, Held { from: NaiveDate::from_ymd_opt(2025, 4, 1), until: None }),
            Fen::ZERO
        );
        // Held the whole month, ending on 1 April: the whole month.
        assert_eq!(
            monthly_charge(d("150"), Quantity::Month, march, Held { from: day(1), until: NaiveDate::from_ymd_opt(2025, 4, 1) }),
            Fen(15000)
        );
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
            bill_id: BillId(bill_id),
            period: Period::from_key(period).unwrap(),
            fee_item_id: FeeItemId(fee_item_id),
            open_fen,
        };
        let bills = vec![bill(3, 202503, 1, 10_000), bill(1, 202501, 2, 5_000), bill(2, 202501, 1, 10_000)];
        let (settled, left) = allocate_oldest_first(bills.clone(), Fen(17_000));
        assert_eq!(settled, vec![(BillId(2), Fen(10_000)), (BillId(1), Fen(5_000)), (BillId(3), Fen(2_000))]);
        assert_eq!(left, Fen::ZERO);
        let (settled, left) = allocate_oldest_first(bills, Fen(30_000));
        assert_eq!(settled.len(), 3);
        assert_eq!(left, Fen(5_000));
    }
}
