//! 对账: a subsidy program's disbursements (拨付, as the finance office recorded them) against
//! the company's receipts (到账) and the spending tagged to the program (使用). Pure: the rows
//! in, every difference out, by kind. The same rows always give the same differences in the
//! same order, so a signed reconciliation can be recomputed and compared.
//!
//! Matching, in three passes, each one-to-one:
//! 1. by reference (the treasury's payment reference, 支付凭证号, that both sides record): a
//!    pair whose amounts differ is `AmountDiffers`; whose dates lie further apart than the
//!    tolerance, `DateOutsideTolerance`;
//! 2. what is left, by equal amount with dates at most `TOLERANCE_DAYS` apart, the closest
//!    dates first;
//! 3. what is still left, by equal amount at any distance (a receipt booked a month late):
//!    `DateOutsideTolerance`.
//!
//! Then a disbursement without a receipt is `DisbursedNotReceived`, a receipt without a
//! disbursement `ReceivedNotDisbursed`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::category::Category;
use crate::domain::ids::ReconciliationId;
use crate::domain::money::Fen;

/// How far apart, in calendar days, a disbursement and its receipt may be dated and still
/// match by amount: a treasury transfer reaches the company's bank in one to three working
/// days, and a long holiday (国庆, 春节: 7 days with the weekends around them) can hold it
/// back; ten calendar days covers both without pairing the monthly or quarterly
/// disbursements of one program with each other.
pub const TOLERANCE_DAYS: i64 = 10;

/// A money movement of one side, as the reconciliation reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Movement {
    pub id: i64,
    pub date: NaiveDate,
    pub amount: Fen,
    /// The treasury's payment reference; empty when the side did not record one.
    pub reference: String,
}

/// Spending tagged to the program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Spending {
    pub id: i64,
    pub date: NaiveDate,
    pub amount: Fen,
    pub category: Category,
}

/// What the program allows, for the checks of spending and of its end.
#[derive(Clone, Debug)]
pub struct Terms {
    pub eligible: Vec<Category>,
    /// The first day after the program (end-exclusive, like every range here).
    pub ends: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    DisbursedNotReceived,
    ReceivedNotDisbursed,
    AmountDiffers,
    DateOutsideTolerance,
    IneligibleCategory,
    BeyondReceived,
    UnspentAtEnd,
    /// A row dated inside a signed reconciliation's range that it did not see (recorded after
    /// it was made), or one it saw that is gone since (withdrawn before it was signed).
    ChangedAfterSignOff,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::DisbursedNotReceived,
        Kind::ReceivedNotDisbursed,
        Kind::AmountDiffers,
        Kind::DateOutsideTolerance,
        Kind::IneligibleCategory,
        Kind::BeyondReceived,
        Kind::UnspentAtEnd,
        Kind::ChangedAfterSignOff,
    ];

    /// The kind as the statement names it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::DisbursedNotReceived => "已拨付未到账",
            Kind::ReceivedNotDisbursed => "已到账无拨付",
            Kind::AmountDiffers => "金额不符",
            Kind::DateOutsideTolerance => "日期超出容差",
            Kind::IneligibleCategory => "支出类别不符",
            Kind::BeyondReceived => "支出超过到账",
            Kind::UnspentAtEnd => "项目结束未用完",
            Kind::ChangedAfterSignOff => "签字后变动",
        }
    }

    /// The stable code, as stored and as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DisbursedNotReceived => "disbursed_not_received",
            Kind::ReceivedNotDisbursed => "received_not_disbursed",
            Kind::AmountDiffers => "amount_differs",
            Kind::DateOutsideTolerance => "date_outside_tolerance",
            Kind::IneligibleCategory => "ineligible_category",
            Kind::BeyondReceived => "beyond_received",
            Kind::UnspentAtEnd => "unspent_at_end",
            Kind::ChangedAfterSignOff => "changed_after_signoff",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == code)
    }
}

/// One difference: its kind, the rows it concerns (ids of the disbursement, receipt or
/// spending; 0 for none), and the amount it is about (the gap, the excess, the unspent rest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: Kind,
    pub disbursement_id: i64,
    pub receipt_id: i64,
    pub spending_id: i64,
    pub amount: Fen,
    /// In the statement's words: what was found.
    pub detail: String,
}

/// A pair of a disbursement and its receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub disbursement_id: i64,
    pub receipt_id: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Outcome {
    pub pairs: Vec<Pair>,
    pub differences: Vec<Difference>,
    pub disbursed: Fen,
    pub received: Fen,
    pub spent: Fen,
    /// Spending in the program's eligible categories: what the program pays for.
    pub spent_eligible: Fen,
}

/// The three kinds of row a reconciliation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Disbursement,
    Receipt,
    Spending,
}

impl Side {
    pub const ALL: [Side; 3] = [Side::Disbursement, Side::Receipt, Side::Spending];

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Disbursement => "disbursement",
            Side::Receipt => "receipt",
            Side::Spending => "spending",
        }
    }

    pub fn parse(code: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|s| s.as_str() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Side::Disbursement => "拨付",
            Side::Receipt => "到账",
            Side::Spending => "支出",
        }
    }
}

/// A row as a reconciliation saw it (`detail`: the reference, or the category's code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Seen {
    pub side: Side,
    pub row_id: i64,
    pub on_date: NaiveDate,
    pub amount_fen: i64,
    pub detail: String,
}

/// A signed reconciliation of the program and the rows it saw.
pub struct Signed<'a> {
    pub id: ReconciliationId,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub seen: &'a [Seen],
}

/// What changed in the data of each signed reconciliation since it was made: a row now dated
/// in its range that it did not see, a row it saw that is gone. `current` is every standing
/// row of the program. A signed reconciliation never changes, so such a change stays listed in
/// every later reconciliation of the program, naming the signed one it concerns.
pub fn changes_after_signoff(signed: &[Signed<'_>], current: &[Seen]) -> Vec<Difference> {
    let mut out = Vec::new();
    for s in signed {
        let saw: std::collections::HashSet<(Side, i64)> = s.seen.iter().map(|r| (r.side, r.row_id)).collect();
        let now: std::collections::HashSet<(Side, i64)> = current.iter().map(|r| (r.side, r.row_id)).collect();
        let added = current.iter().filter(|r| r.on_date >= s.from && r.on_date < s.until && !saw.contains(&(r.side, r.row_id)));
        for r in added {
            out.push(changed(
                r,
                format!("{} {} {} 记于已签字的对账单 #{} 之后，该对账单未含此笔", r.on_date, r.side.label(), Fen(r.amount_fen), s.id),
            ));
        }
        for r in s.seen.iter().filter(|r| !now.contains(&(r.side, r.row_id))) {
            out.push(changed(r, format!("{} {} {} 在对账单 #{} 中，现已撤回", r.on_date, r.side.label(), Fen(r.amount_fen), s.id)));
        }
    }
    out
}

fn changed(r: &Seen, detail: String) -> Difference {
    let id = |side| if r.side == side { r.row_id } else { 0 };
    Difference {
        kind: Kind::ChangedAfterSignOff,
        disbursement_id: id(Side::Disbursement),
        receipt_id: id(Side::Receipt),
        spending_id: id(Side::Spending),
        amount: Fen(r.amount_fen),
        detail,
    }
}

/// Reconciles one program's rows (already limited to the range being reconciled, which ends,
/// exclusive, at `range_end`). `received_before` and `spent_before` (eligible spending) are
/// the program's before the range, so that the spending checks count the whole program to
/// date, not the range alone.
pub fn reconcile(
    terms: &Terms,
    disbursements: &[Movement],
    receipts: &[Movement],
    spending: &[Spending],
    received_before: Fen,
    spent_before: Fen,
    range_end: NaiveDate,
) -> Outcome {
    let mut out = Outcome {
        disbursed: Fen(disbursements.iter().map(|d| d.amount.0).sum()),
        received: Fen(receipts.iter().map(|r| r.amount.0).sum()),
        spent: Fen(spending.iter().map(|s| s.amount.0).sum()),
        ..Outcome::default()
    };
    let mut d_left: Vec<&Movement> = disbursements.iter().collect();
    let mut r_left: Vec<&Movement> = receipts.iter().collect();
    d_left.sort_by_key(|m| (m.date, m.id));
    r_left.sort_by_key(|m| (m.date, m.id));

    let (d_rest, r_rest) = match_by_reference(d_left, r_left, &mut out);
    let (d_rest, r_rest) = match_by_amount(d_rest, r_rest, Some(TOLERANCE_DAYS), &mut out);
    let (d_rest, r_rest) = match_by_amount(d_rest, r_rest, None, &mut out);
    for d in d_rest {
        out.differences.push(Difference {
            kind: Kind::DisbursedNotReceived,
            disbursement_id: d.id,
            receipt_id: 0,
            spending_id: 0,
            amount: d.amount,
            detail: format!("{} 拨付 {}{}，未见到账", d.date, d.amount, reference_note(&d.reference)),
        });
    }
    for r in r_rest {
        out.differences.push(Difference {
            kind: Kind::ReceivedNotDisbursed,
            disbursement_id: 0,
            receipt_id: r.id,
            spending_id: 0,
            amount: r.amount,
            detail: format!("{} 到账 {}{}，财政所无此拨付", r.date, r.amount, reference_note(&r.reference)),
        });
    }
    check_spending(terms, spending, received_before, spent_before, range_end, &mut out);
    out.differences.sort_by_key(|d| (d.kind, d.disbursement_id, d.receipt_id, d.spending_id));
    out
}

fn reference_note(reference: &str) -> String {
    if reference.is_empty() {
        String::new()
    } else {
        format!("（凭证号 {reference}）")
    }
}

fn days_apart(a: NaiveDate, b: NaiveDate) -> i64 {
    (a - b).num_days().abs()
}

/// Pass 1: pairs by reference; what has no partner by reference is returned for the next
/// passes. A reference used twice on one side pairs in date order.
fn match_by_reference<'m>(
    disbursements: Vec<&'m Movement>,
    receipts: Vec<&'m Movement>,
    out: &mut Outcome,
) -> (Vec<&'m Movement>, Vec<&'m Movement>) {
    let mut by_reference: HashMap<&str, Vec<&Movement>> = HashMap::new();
    let mut r_rest = Vec::new();
    for r in receipts.iter().rev() {
        if r.reference.is_empty() {
            continue;
        }
        by_reference.entry(r.reference.as_str()).or_default().push(r);
    }
    let mut d_rest = Vec::new();
    for d in disbursements {
        let partner = if d.reference.is_empty() { None } else { by_reference.get_mut(d.reference.as_str()).and_then(Vec::pop) };
        let Some(r) = partner else {
            d_rest.push(d);
            continue;
        };
        out.pairs.push(Pair { disbursement_id: d.id, receipt_id: r.id });
        if d.amount != r.amount {
            out.differences.push(Difference {
                kind: Kind::AmountDiffers,
                disbursement_id: d.id,
                receipt_id: r.id,
                spending_id: 0,
                amount: Fen(r.amount.0 - d.amount.0),
                detail: format!("凭证号 {}：拨付 {}，到账 {}，相差 {}", d.reference, d.amount, r.amount, Fen(r.amount.0 - d.amount.0)),
            });
        }
        if days_apart(d.date, r.date) > TOLERANCE_DAYS {
            out.differences.push(date_difference(d, r));
        }
    }
    for r in receipts {
        let left = by_reference.get(r.reference.as_str()).is_some_and(|rs| rs.iter().any(|x| x.id == r.id));
        if r.reference.is_empty() || left {
            r_rest.push(r);
        }
    }
    (d_rest, r_rest)
}

fn date_difference(d: &Movement, r: &Movement) -> Difference {
    Difference {
        kind: Kind::DateOutsideTolerance,
        disbursement_id: d.id,
        receipt_id: r.id,
        spending_id: 0,
        amount: r.amount,
        detail: format!(
            "拨付 {} 于 {}，到账于 {}，相隔 {} 天（容差 {TOLERANCE_DAYS} 天）",
            d.amount,
            d.date,
            r.date,
            days_apart(d.date, r.date)
        ),
    }
}

/// Passes 2 and 3: pairs by equal amount, each disbursement (in date order) with the receipt
/// of its amount closest in date, within `tolerance_days` or at any distance (None, which
/// marks each pair as dated outside the tolerance).
fn match_by_amount<'m>(
    disbursements: Vec<&'m Movement>,
    receipts: Vec<&'m Movement>,
    tolerance_days: Option<i64>,
    out: &mut Outcome,
) -> (Vec<&'m Movement>, Vec<&'m Movement>) {
    // Receipts of each amount by date; a taken one is removed.
    let mut by_amount: HashMap<Fen, BTreeMap<(NaiveDate, i64), &Movement>> = HashMap::new();
    for r in &receipts {
        by_amount.entry(r.amount).or_default().insert((r.date, r.id), r);
    }
    let mut d_rest = Vec::new();
    for d in disbursements {
        let Some(candidates) = by_amount.get_mut(&d.amount) else {
            d_rest.push(d);
            continue;
        };
        let after = candidates.range((d.date, i64::MIN)..).next().map(|(k, r)| (*k, *r));
        let before = candidates.range(..(d.date, i64::MIN)).next_back().map(|(k, r)| (*k, *r));
        let closest = match (before, after) {
            (Some(b), Some(a)) => Some(if days_apart(d.date, a.1.date) < days_apart(d.date, b.1.date) { a } else { b }),
            (b, a) => a.or(b),
        };
        let chosen = closest.filter(|(_, r)| tolerance_days.is_none_or(|t| days_apart(d.date, r.date) <= t));
        let Some((key, r)) = chosen else {
            d_rest.push(d);
            continue;
        };
        candidates.remove(&key);
        out.pairs.push(Pair { disbursement_id: d.id, receipt_id: r.id });
        if tolerance_days.is_none() {
            out.differences.push(date_difference(d, r));
        }
    }
    let taken: std::collections::HashSet<i64> = out.pairs.iter().map(|p| p.receipt_id).collect();
    let r_rest = receipts.into_iter().filter(|r| !taken.contains(&r.id)).collect();
    (d_rest, r_rest)
}

/// Spending in a category the program does not fund; eligible spending beyond what the
/// program has received by the range's end (one difference, the excess: spending ahead of a
/// receipt that arrives within the range is the ordinary course, not a difference); and, when
/// the program has ended by then, what it received and did not spend.
fn check_spending(terms: &Terms, spending: &[Spending], received_before: Fen, spent_before: Fen, range_end: NaiveDate, out: &mut Outcome) {
    let mut eligible_fen = 0i64;
    for s in spending {
        if terms.eligible.contains(&s.category) {
            eligible_fen += s.amount.0;
        } else {
            out.differences.push(Difference {
                kind: Kind::IneligibleCategory,
                disbursement_id: 0,
                receipt_id: 0,
                spending_id: s.id,
                amount: s.amount,
                detail: format!("{} 支出 {}，类别“{}”不在本项目可列支范围内", s.date, s.amount, s.category),
            });
        }
    }
    out.spent_eligible = Fen(eligible_fen);
    let received_fen = received_before.0 + out.received.0;
    let spent_fen = spent_before.0 + eligible_fen;
    if spent_fen > received_fen {
        out.differences.push(Difference {
            kind: Kind::BeyondReceived,
            disbursement_id: 0,
            receipt_id: 0,
            spending_id: 0,
            amount: Fen(spent_fen - received_fen),
            detail: format!("累计列支 {}，累计到账 {}，超出 {}", Fen(spent_fen), Fen(received_fen), Fen(spent_fen - received_fen)),
        });
    }
    if terms.ends <= range_end && received_fen > spent_fen {
        out.differences.push(Difference {
            kind: Kind::UnspentAtEnd,
            disbursement_id: 0,
            receipt_id: 0,
            spending_id: 0,
            amount: Fen(received_fen - spent_fen),
            detail: format!(
                "项目已于 {} 结束，累计到账 {}，累计列支 {}，结余 {}",
                terms.ends.pred_opt().unwrap_or(terms.ends),
                Fen(received_fen),
                Fen(spent_fen),
                Fen(received_fen - spent_fen)
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).unwrap()
    }

    fn mv(id: i64, date: NaiveDate, yuan: i64, reference: &str) -> Movement {
        Movement { id, date, amount: Fen(yuan * 100), reference: reference.into() }
    }

    fn terms(ends: NaiveDate) -> Terms {
        Terms { eligible: vec![Category::Cleaning, Category::Greening], ends }
    }

    fn kinds(out: &Outcome) -> Vec<(Kind, i64, i64, i64, i64)> {
        out.differences.iter().map(|d| (d.kind, d.disbursement_id, d.receipt_id, d.spending_id, d.amount.0 / 100)).collect()
    }

    #[test]
    fn a_clean_program_has_no_difference() {
        let d = [mv(1, day(1, 10), 1000, "A1"), mv(2, day(4, 10), 1000, "")];
        let r = [mv(11, day(1, 12), 1000, "A1"), mv(12, day(4, 15), 1000, "")];
        let s = [Spending { id: 21, date: day(5, 1), amount: Fen(200_000), category: Category::Cleaning }];
        let out = reconcile(&terms(day(12, 31)), &d, &r, &s, Fen(0), Fen(0), day(7, 1));
        assert_eq!(kinds(&out), vec![]);
        assert_eq!(out.pairs.len(), 2);
        assert_eq!((out.disbursed, out.received, out.spent_eligible), (Fen(200_000), Fen(200_000), Fen(200_000)));
    }

    #[test]
    fn each_kind_is_found_by_its_crafted_case() {
        let d = [
            mv(1, day(1, 10), 1000, "A1"), // received for less: amount differs
            mv(2, day(2, 10), 500, "A2"),  // received 20 days later: date outside tolerance
            mv(3, day(3, 10), 700, ""),    // never received
            mv(4, day(4, 10), 300, ""),    // received without reference, 40 days later
        ];
        let r = [
            mv(11, day(1, 11), 990, "A1"),
            mv(12, day(3, 2), 500, "A2"),
            mv(13, day(5, 20), 300, ""),
            mv(14, day(6, 1), 80, "X9"), // no such disbursement
        ];
        let s = [
            Spending { id: 21, date: day(5, 1), amount: Fen(60_000), category: Category::Payroll },
            Spending { id: 22, date: day(5, 2), amount: Fen(250_000), category: Category::Cleaning },
        ];
        let out = reconcile(&terms(day(7, 1)), &d, &r, &s, Fen(0), Fen(0), day(7, 1));
        assert_eq!(
            kinds(&out),
            vec![
                (Kind::DisbursedNotReceived, 3, 0, 0, 700),
                (Kind::ReceivedNotDisbursed, 0, 14, 0, 80),
                (Kind::AmountDiffers, 1, 11, 0, -10),
                (Kind::DateOutsideTolerance, 2, 12, 0, 500),
                (Kind::DateOutsideTolerance, 4, 13, 0, 300),
                (Kind::IneligibleCategory, 0, 0, 21, 600),
                (Kind::BeyondReceived, 0, 0, 0, 630),
            ]
        );
        // Received 990 + 500 + 300 + 80 = 1,870; eligible spending 2,500: beyond by 630.
        let over = reconcile(&terms(day(12, 31)), &d, &r, &s, Fen(0), Fen(0), day(7, 1));
        assert!(over.differences.iter().all(|d| d.kind != Kind::UnspentAtEnd));
        let s_small = [Spending { id: 22, date: day(5, 2), amount: Fen(100_000), category: Category::Cleaning }];
        let ended = reconcile(&terms(day(7, 1)), &d, &r, &s_small, Fen(0), Fen(0), day(7, 1));
        assert!(ended.differences.iter().any(|d| d.kind == Kind::UnspentAtEnd && d.amount == Fen(87_000)));
        let beyond = reconcile(&terms(day(12, 31)), &d, &r, &s, Fen(0), Fen(0), day(7, 1));
        assert!(beyond.differences.iter().any(|d| d.kind == Kind::BeyondReceived && d.amount == Fen(63_000)));
    }

    #[test]
    fn equal_quarterly_amounts_pair_with_their_own_quarter() {
        let d: Vec<Movement> = (0..4).map(|q| mv(q + 1, day(q as u32 * 3 + 1, 5), 250_000, "")).collect();
        let r: Vec<Movement> = (0..4).map(|q| mv(q + 11, day(q as u32 * 3 + 1, 8), 250_000, "")).collect();
        let next_year = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let out = reconcile(&terms(next_year), &d, &r, &[], Fen(0), Fen(0), day(12, 31));
        assert_eq!(kinds(&out), vec![]);
        let pairs: Vec<(i64, i64)> = out.pairs.iter().map(|p| (p.disbursement_id, p.receipt_id)).collect();
        assert_eq!(pairs, vec![(1, 11), (2, 12), (3, 13), (4, 14)]);
    }

    #[test]
    fn what_came_before_the_range_counts_toward_spending() {
        let s = [Spending { id: 21, date: day(5, 1), amount: Fen(50_000), category: Category::Greening }];
        let out = reconcile(&terms(day(12, 31)), &[], &[], &s, Fen(100_000), Fen(60_000), day(7, 1));
        assert_eq!(kinds(&out), vec![(Kind::BeyondReceived, 0, 0, 0, 100)]);
    }
}
